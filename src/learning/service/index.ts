export * from "./roles";
export * from "./run";
export * from "./outputs";
export * from "./learning-run";
