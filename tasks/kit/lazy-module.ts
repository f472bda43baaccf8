// Library folders that use the TypeChain factories (and Ignition) load only once `hardhat compile`
// has run, yet hardhat.config.ts loads every task file before any compile: a task requires them
// when its action runs, through one of these loaders.
import type * as Anchor from "../../src/anchor";
import type * as Deploy from "../../src/deploy";
import type * as LearningService from "../../src/learning/service";
import type * as MarketDesk from "../../src/market/desk";
import type * as Records from "../../src/records";
import type * as System from "../../src/system";

/** A loader of `load()`'s module, called on first use; Node's require cache keeps it after that. */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

export const anchorModule = lazyModule(() => require("../../src/anchor") as typeof Anchor);
export const deployModule = lazyModule(() => require("../../src/deploy") as typeof Deploy);
export const recordsModule = lazyModule(() => require("../../src/records") as typeof Records);
export const systemModule = lazyModule(() => require("../../src/system") as typeof System);
export const marketDeskModule = lazyModule(() => require("../../src/market/desk") as typeof MarketDesk);
export const learningServiceModule = lazyModule(() => require("../../src/learning/service") as typeof LearningService);
