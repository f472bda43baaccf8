/** Anchoring community chains on the main chain, and light verification of their records. */
export * from "./errors";
export * from "./records";
export * from "./merkle";
export * from "./batch-store";
export * from "./record-writer";
export * from "./record-log-layout";
export * from "./headers";
export * from "./relay";
export * from "./prover";
export * from "./light-client";
export * from "./deploy";
export * from "./duration";
export * from "./topology-providers";
export * from "./deploy-topology";
export * from "./topology-relay";
export * from "./verify-record";
