// The miners' coalition-formation game of the IoT consensus paper (§3.3): merge-and-split, certified.
export * from "./model";
export * from "./moves";
export * from "./merge-split";
export * from "./partitions";
export * from "./certificate";
export * from "./study";
export * from "./options";
export * from "./charts";
export * from "./report";
export * from "./outputs";
