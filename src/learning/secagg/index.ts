/** Secure aggregation (Bonawitz et al. 2017, double masking) in Flower SecAgg+'s four stages. */
export * from "./encoding";
export * from "./prg";
export * from "./messages";
export * from "./session";
export * from "./keys";
export * from "./client";
export * from "./server";
export * from "./round";
