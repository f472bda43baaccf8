/**
 * The off-chain store of commchain: content stores (embedded Helia, Kubo), the DHT cluster of
 * store nodes, envelopes (AES-256-GCM + ECIES-wrapped keys per reader), the keyring that rotates
 * keys on revocation, the predicate-gated gateway, Shamir key shares and prime-field secure sum.
 *
 * Importing this module loads neither Helia nor libp2p: they are imported when a store or node
 * is opened.
 */
export * from "./errors";
export * from "./cid";
export type { ContentStore, StoreCallOptions } from "./store";
export * from "./helia-store";
export * from "./kubo-store";
export * from "./peer-identity";
export * from "./swarm-key";
export * from "./cluster";
export * from "./ecies";
export * from "./envelope";
export * from "./keyring";
export * from "./shared-record";
export * from "./gateway";
export * from "./key-shares";
export * from "./prime-shamir";
export * from "./key-custody";
export * from "./open-store";
