/**
 * Step 8, market: the digital-twin data market on every community chain — every status snapshot
 * registered through the orderer, datasets stored (paid), tokenized with each openness, and three
 * trades per community (delivered by proxy re-encryption, refunded after its window, disputed and
 * resolved). Before the records and anchors, so the market's blocks are anchored too.
 */
import { runMarket, TRADE_PLANS, type MarketFacts } from "../market";
import type { RunStores } from "../stores";
import type { RunDeployment } from "./deploy";
import type { RunParticipants } from "./participants";
import type { Step } from "./step";
import type { RunUnits } from "./units";

type Before = {
  readonly deploy: RunDeployment;
  readonly participants: RunParticipants;
  readonly store: RunStores;
  readonly units: RunUnits;
};

export const marketStep: Step<"market", Before, MarketFacts> = {
  name: "market",
  title: ({ before }) =>
    `the data market: ${before.units.fleet.records.length} status snapshots registered through the orderer, datasets stored, tokenized and traded (${TRADE_PLANS.join(", ")}) on ${before.participants.plan.length} chains`,
  run: ({ before, options, environment }, progress) =>
    runMarket({
      topology: before.deploy.topology,
      plan: before.participants.plan,
      records: before.units.fleet.records,
      stores: before.store,
      seed: options.seed,
      mnemonic: environment.mnemonic,
      onProgress: progress,
    }),
  summary: ({ communities }) => {
    const registered = communities.reduce((t, c) => t + c.registrations.high + c.registrations.low, 0);
    const batches = communities.reduce((t, c) => t + c.batches.length, 0);
    const trades = communities.flatMap((c) => c.trades);
    const byState = new Map<string, number>();
    for (const t of trades) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
    return (
      `${registered} registrations in ${batches} batches; ${communities.reduce((t, c) => t + c.assets.listed, 0)} assets listed; ` +
      `trades ${[...byState].map(([state, n]) => `${n} ${state}`).join(", ")}; ${communities.reduce((t, c) => t + c.pre.reads, 0)} PRE deliveries`
    );
  },
};
