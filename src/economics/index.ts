// The economics: the sampling-rate game of the digital-twin market (paper §5, §6.2) and the miners' coalition-formation game of the IoT consensus paper (§3.3).
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
export * from "./coalition";
