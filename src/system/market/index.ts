/** The main job's data market: its run on every community chain, its facts and checks, its report section. */
export * from "./facts";
export * from "./markdown";
export * from "./run";
