/**
 * The main job of commchain (`npm start`): the whole system on one machine, from a traffic log
 * to a verified and reported run: the table of its steps (steps/), the runner (run.ts) and their
 * building blocks (participants, stores, the fleet of IoT units, records with anchors,
 * verification, the report).
 */
export * from "./errors";
export * from "./options";
export * from "./progress";
export * from "./run-dir";
export * from "./transactions";
export * from "./participants";
export * from "./stores";
export * from "./fleet";
export * from "./anchoring";
export * from "./verification";
export * from "./attestations";
export * from "./report";
export * from "./charts";
export * from "./report-markdown";
export * from "./report-files";
export * from "./steps";
export * from "./run";
export * from "./format";
