/**
 * The IoT unit SDK of commchain (BPIIoT IV.D): a device program opens an `IoTUnit` with its key,
 * its chain and contracts, its machine and a sensor source; the unit batches readings to
 * MaintenanceService, keeps part payments funded with permits, shares status snapshots through
 * the off-chain store and its EPRs, and sends every transaction through a durable exactly-once
 * queue that rides out chain outages and restarts. `reader.ts` is the other side: providers and
 * third parties listing, fetching, decrypting and verifying the records.
 *
 * Importing this module loads neither Helia nor libp2p (the store is passed in).
 */
export * from "./errors";
export * from "./abi";
export * from "./transport";
export * from "./chain-read";
export * from "./queue-file";
export * from "./tx-queue";
export * from "./sensors";
export * from "./readings";
export * from "./status";
export * from "./status-record";
export * from "./funding";
export * from "./gas";
export * from "./receipt-events";
export * from "./relationships";
export * from "./unit-state";
export * from "./unit";
export * from "./reader";
export * from "./attestation";
export * from "./from-topology";
