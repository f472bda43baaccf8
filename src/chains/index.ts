// The multi-chain runtime: topology.json, deterministic accounts, persistent local chains
// (chain processes with a block journal), their Hardhat networks, and chains:up/status/down.
export * from "./errors";
export * from "./topology";
export * from "./accounts";
export * from "./genesis";
export * from "./journal";
export * from "./raw-transaction";
export * from "./local-sender";
export * from "./journaled-provider";
export * from "./chain-node";
export * from "./chain-process";
export * from "./rpc";
export * from "./ports";
export * from "./plan";
export * from "./networks";
export * from "./up";
export * from "./down";
export * from "./status";
export * from "./timeouts";
export * from "./providers";
export * from "./contract-names";
export * from "./revert";
export * from "./format";
