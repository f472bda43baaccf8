import { types } from "hardhat/config";
import { readTopology, topologyPath } from "../src/chains/topology";
import { parseDuration } from "../src/util/duration";
import { DEFAULT_CONFIRMATIONS, DEFAULT_MAX_HEADERS_PER_TX, type ChainRound } from "../src/anchor/relay";
import { formatAnchored, formatReset, formatRound, formatVerdict } from "../src/anchor/format";
import { anchorModule, chainsDirParam, commchainTask, onInterrupt, resolveChainsDir } from "./kit";

const DIR_HOLDS = "topology.json, batch stores";

commchainTask(
  "anchor",
  "Anchors checkpoints of every community chain of topology.json on the main chain's AnchorHub (one round, or --watch)",
)
  .addFlag("watch", "Keep anchoring every --interval until interrupted (Ctrl-C)")
  .addOptionalParam(
    "interval",
    "Time between rounds with --watch: 500ms, 1s, 2m …; also the first retry delay of a chain that is down",
    "1s",
    types.string,
  )
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .addOptionalParam("maxHeaders", "Most block headers per anchoring transaction", DEFAULT_MAX_HEADERS_PER_TX, types.int)
  .addOptionalParam(
    "confirmations",
    "Blocks that must be built on a block before it is anchored (anchors up to head - N); 0 suits automining local chains, use more on clique/PoA chains",
    DEFAULT_CONFIRMATIONS,
    types.int,
  )
  .addFlag(
    "noRegister",
    "Do not register chains the hub does not know yet (by default the deployer registers them at their recorded genesis)",
  )
  .setAction(
    async (
      args: {
        watch: boolean;
        interval: string;
        dir?: string;
        maxHeaders: number;
        confirmations: number;
        noRegister: boolean;
      },
      hre,
    ) => {
      const intervalMs = parseDuration(args.interval, "--interval");
      const topology = readTopology(topologyPath(resolveChainsDir(args.dir, hre)));
      const { relay, hub, close } = anchorModule().relayForTopology(topology, {
        maxHeadersPerTx: args.maxHeaders,
        confirmations: args.confirmations,
        register: !args.noRegister,
        backoffInitialMs: intervalMs,
        onAnchored: (event) => console.log(formatAnchored(event)),
      });
      const print = (rounds: ChainRound[]) => {
        const now = Date.now();
        for (const round of rounds) console.log(formatRound(round, now, args.watch));
      };
      try {
        console.log(
          `anchoring ${topology.communities.length} community chain(s) on AnchorHub ${hub} (main chain ${topology.main.chainId})`,
        );
        if (!args.watch) {
          const rounds = await relay.round();
          print(rounds);
          if (rounds.some((r) => r.status === "failed" || r.status === "reset-needed")) process.exitCode = 1;
          return rounds;
        }
        const stop = new AbortController();
        const release = onInterrupt(stop, { sigterm: true, notice: () => console.log("stopping after this round") });
        try {
          await relay.run(intervalMs, stop.signal, print);
        } finally {
          release();
        }
        return [];
      } finally {
        close();
      }
    },
  );

commchainTask(
  "anchor:reset",
  "Gives a recreated or reorganised community chain a new trust root on the AnchorHub (resetChain, a new epoch; the deployer is the hub's admin), so the relay can anchor it again",
)
  .addParam("chain", "Community chain name as in topology.json, e.g. community-1", undefined, types.string)
  .addOptionalParam(
    "height",
    "Block of the chain to trust as the new root, as its RPC serves it now; 0 (the default) is its genesis, checked against topology.json",
    0,
    types.int,
  )
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .setAction(async (args: { chain: string; height: number; dir?: string }, hre) => {
    const reset = await anchorModule().resetTopologyChain(
      readTopology(topologyPath(resolveChainsDir(args.dir, hre))),
      args.chain,
      args.height,
    );
    console.log(formatReset(args.chain, reset));
    return reset;
  });

commchainTask(
  "verify:record",
  "Verifies a record of a community chain as a light client: main-chain anchors only, proofs from the chain's untrusted full node; prints VALID or INVALID (exit 1)",
)
  .addParam("chain", "Community chain name as in topology.json, e.g. community-1", undefined, types.string)
  .addParam("record", "Record id: the record's sequence number on its chain", undefined, types.int)
  .addOptionalParam(...chainsDirParam(DIR_HOLDS))
  .addOptionalParam(
    "mainBlock",
    "Hash of a main-chain block you trust (from your own node or a second source): the hub's checkpoints are proven against its state; by default the main chain's head is trusted on first use",
    undefined,
    types.string,
  )
  .setAction(async (args: { chain: string; record: number; dir?: string; mainBlock?: string }, hre) => {
    const verdict = await anchorModule().verifyRecordInTopology(
      resolveChainsDir(args.dir, hre),
      args.chain,
      args.record,
      { trustedMainBlock: args.mainBlock },
    );
    console.log(formatVerdict(verdict));
    if (!verdict.valid) process.exitCode = 1;
    return verdict;
  });
