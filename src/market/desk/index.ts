/** The market from the command line: what each `market:*` task calls (tasks/market.ts). */
export * from "./format";
export * from "./ownership";
export * from "./send";
export * from "./session";
export * from "./status";
export * from "./storage";
export * from "./trading";
export * from "./workspace";
