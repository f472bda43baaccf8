/**
 * Records, one domain: a traffic log's records → their placement by the storage model → the
 * RecordWriter batching them onto a chain's RecordLog → the batch store → the Merkle tree.
 */
export * from "./errors";
export * from "./record";
export * from "./merkle";
export * from "./batch-store";
export * from "./record-writer";
export * from "./record-log-layout";
export * from "./defaults";
export * from "./router";
export * from "./placements";
export * from "./rate";
export * from "./send";
export * from "./send-topology";
export * from "./root-pool";
export * from "./format";
