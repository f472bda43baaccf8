// Deployment of every chain of a topology (Ignition modules in deploy/), and typed contract
// instances from the addresses it records in topology.json.
export * from "./errors";
export * from "./contracts";
export * from "./deployment";
export * from "./module-deployment";
export * from "./members";
export * from "./deploy-all";
export * from "./summary";
export * from "./arguments";
export * from "./artifact-resolver";
