/** The digital-twin data market: ownership registration with the paper's block rules (§4.2). */
export * from "./classify";
export * from "./errors";
export * from "./orderer";
export * from "./pool-file";
export * from "./registration";
export * from "./offer";
