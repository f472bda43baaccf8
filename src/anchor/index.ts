/** Anchoring community chains on the main chain, and light verification of their records. */
export * from "./errors";
export * from "./anchor-hub-layout";
export * from "./headers";
export * from "./relay";
export * from "./prover";
export * from "./light-client";
export * from "./deploy";
// The names of the hub and the logs in topology.json belong to deploy:all, which records them.
export * from "./trust-root";
export * from "./topology-relay";
export * from "./verify-record";
export * from "./format";
