/** The miners' coalition-formation game (IoT consensus paper §3.3), certified, and one CoalitionRewards round on the main chain with its coalitions. */
import { projectMnemonic, systemWallet } from "../../chains/accounts";
import { runCoalition, type CoalitionFacts } from "../coalition";
import type { RunDeployment } from "./deploy";
import type { Step } from "./step";

type Before = { readonly deploy: RunDeployment };

export const coalitionStep: Step<"coalition", Before, CoalitionFacts> = {
  name: "coalition",
  title: () =>
    "the miners' coalition game: merge-and-split to a certified Dhp-stable partition, then a CoalitionRewards round on the main chain",
  run: ({ before, options, paths, environment }) => {
    const mnemonic = environment.mnemonic ?? projectMnemonic();
    return runCoalition(
      paths.coalition,
      paths.root,
      before.deploy.topology,
      systemWallet("deployer", mnemonic),
      mnemonic,
      options.seed,
    );
  },
  summary: (c) =>
    `${c.partition.length} coalitions of ${c.miners} miners after ${c.merges} merges and ${c.splits} splits (${c.certified ? "certified" : "NOT certified"}); ` +
    `round ${c.round.round} won by coalition ${c.round.winner}, ${c.round.conserved ? "reward paid out in full" : "reward NOT conserved"}`,
};
