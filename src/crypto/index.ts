/**
 * The crypto primitives commchain builds on: secp256k1 keys and ECDH, ECIES (eciesjs-compatible
 * payloads), Shamir shares of a data key, and prime-field secret sharing for secure sums.
 */
export * from "./errors";
export * from "./secp256k1";
export * from "./ecies";
export * from "./key-shares";
export * from "./prime-shamir";
