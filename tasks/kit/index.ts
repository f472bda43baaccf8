// The task kit: what every task file needs to register itself, read its options, find its
// directories, load the compiled-contract modules late, handle Ctrl-C, show progress and print paths.
export { commchainTask, forCli } from "./task";
export { chainsDirHelp, chainsDirParam, optionalPath, projectPath, resolveChainsDir } from "./dirs";
export {
  anchorModule,
  deployModule,
  lazyModule,
  learningServiceModule,
  marketDeskModule,
  recordsModule,
  systemModule,
} from "./lazy-module";
export {
  listItems,
  optionalCount,
  optionalList,
  optionalNumber,
  type OptionErrorClass,
  type OptionalCountRule,
  type OptionalNumberRule,
} from "./options";
export { exitInterrupted, INTERRUPTED_EXIT_CODE, onInterrupt, untilInterrupted } from "./interrupt";
export { relativeToCwd, shown } from "./shown";
export { TaskProgress, type BarPayload } from "./progress";
