/**
 * The off-chain store of commchain: content stores (`stores/`: embedded Helia, Kubo, the DHT
 * cluster of store nodes), envelopes (`envelopes/`: AES-256-GCM + ECIES-wrapped keys per reader,
 * the keyring that rotates keys on revocation, key custody as Shamir shares on the store nodes,
 * big data as AES-GCM fragments under a Merkle root, the Umbral proxy re-encryption of a data key
 * per asset) and the predicate-gated gateway (`gateway/`). The ciphers and sharing schemes are in
 * `src/crypto`.
 *
 * Importing this module loads neither Helia nor libp2p: they are imported when a store or node
 * is opened. It does load Umbral's WebAssembly (`@nucypher/umbral-pre`, tens of milliseconds).
 */
export * from "./errors";
export * from "./stores/cid";
export type { ContentStore, StoreCallOptions } from "./stores/store";
export * from "./stores/helia-store";
export * from "./stores/kubo-store";
export * from "./stores/peer-identity";
export * from "./stores/swarm-key";
export * from "./stores/cluster";
export * from "./stores/format";
export * from "./envelopes/envelope";
export * from "./envelopes/keyring";
export * from "./envelopes/shared-record";
export * from "./gateway/gateway";
export * from "./gateway/put";
export * from "./gateway/proxy";
export type { GatewayRoute, RouteContext } from "./gateway/http";
export * from "./envelopes/key-custody";
export * from "./stores/open-store";
export * from "./envelopes/fragments";
export * from "./envelopes/pre";
