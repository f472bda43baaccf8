// Deployment of every chain of a topology (Ignition modules in deploy/), and typed contract
// instances from the addresses it records in topology.json.
export * from "./errors";
export * from "./contract-names";
export * from "./contracts";
export * from "./chain-provider";
export * from "./module-deployment";
export * from "./members";
export * from "./deploy-all";
export * from "./summary";
export * from "./arguments";
