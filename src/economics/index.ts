// The economics of the digital-twin market: the sampling-rate game (paper §5, §6.2).
export * from "./errors";
export * from "./sampling-model";
export * from "./equilibrium";
export * from "./uniform-pricing";
export * from "./sampling-study";
export * from "./sampling-charts";
export * from "./sampling-report";
export * from "./sampling-outputs";
export * from "./sampling-options";
export * from "./format";
