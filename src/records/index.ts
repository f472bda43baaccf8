/** Records of a traffic log written onto the community chains where the storage model places them. */
export * from "./errors";
export * from "./defaults";
export * from "./router";
export * from "./placements";
export * from "./rate";
export * from "./send";
export * from "./send-topology";
export * from "./root-pool";
