import path from "node:path";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CHAINS_DIR_ENV, chainsDir, DEFAULT_CHAINS_DIR } from "../src/chains/networks";
import { readTopology, topologyPath } from "../src/chains/topology";
import { parseDuration } from "../src/util/duration";
import { DEFAULT_CONFIRMATIONS, DEFAULT_MAX_HEADERS_PER_TX, type ChainRound } from "../src/anchor/relay";

// The modules below use the TypeChain factories, which exist only after `hardhat compile`;
// hardhat.config.ts loads this file before any compile, so they are required when a task runs.
type AnchorModule = typeof import("../src/anchor");
const anchorModule = (): AnchorModule => require("../src/anchor") as AnchorModule;

const DIR_HELP = `Chains directory (topology.json, batch stores); default $${CHAINS_DIR_ENV} or ${DEFAULT_CHAINS_DIR} in the project`;

function resolveDir(dir: string | undefined, hre: HardhatRuntimeEnvironment): string {
  return dir === undefined ? chainsDir(hre.config.paths.root) : path.resolve(dir);
}

/** One line per chain and round; retry times only matter when watching. */
function formatRound(round: ChainRound, now: number, watching: boolean): string {
  const name = `${round.chain} (${round.chainId})`.padEnd(22);
  const registered = round.registered ? "registered, " : "";
  const retry = round.retryAt === undefined ? "" : `retry in ${Math.max(0, Math.round((round.retryAt - now) / 100) / 10)}s`;
  switch (round.status) {
    case "anchored":
      return `${name} ${registered}anchored blocks ${round.from}..${round.to} in ${round.transactions.length} tx, height ${round.height}`;
    case "up-to-date":
      return `${name} ${registered}up to date at height ${round.height}`;
    case "waiting":
      return `${name} down (${round.failures} failed rounds), ${retry}`;
    case "reset-needed":
      return `${name} RESET NEEDED: ${round.error?.message ?? "its blocks no longer link to the hub's last checkpoint"}`;
    case "failed":
      return `${name} FAILED${watching ? ` (${round.failures} in a row, ${retry})` : ""}: ${round.error?.message ?? "unknown error"}`;
  }
}

task("anchor", "Anchors checkpoints of every community chain of topology.json on the main chain's AnchorHub (one round, or --watch)")
  .addFlag("watch", "Keep anchoring every --interval until interrupted (Ctrl-C)")
  .addOptionalParam("interval", "Time between rounds with --watch: 500ms, 1s, 2m …; also the first retry delay of a chain that is down", "1s", types.string)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addOptionalParam("maxHeaders", "Most block headers per anchoring transaction", DEFAULT_MAX_HEADERS_PER_TX, types.int)
  .addOptionalParam(
    "confirmations",
    "Blocks that must be built on a block before it is anchored (anchors up to head - N); 0 suits automining local chains, use more on clique/PoA chains",
    DEFAULT_CONFIRMATIONS,
    types.int,
  )
  .addFlag("noRegister", "Do not register chains the hub does not know yet (by default the deployer registers them at their recorded genesis)")
  .setAction(async (args: { watch: boolean; interval: string; dir?: string; maxHeaders: number; confirmations: number; noRegister: boolean }, hre) => {
    const intervalMs = parseDuration(args.interval, "--interval");
    const dir = resolveDir(args.dir, hre);
    const topology = readTopology(topologyPath(dir));
    const { relay, hub, close } = anchorModule().relayForTopology(topology, {
      maxHeadersPerTx: args.maxHeaders,
      confirmations: args.confirmations,
      register: !args.noRegister,
      backoffInitialMs: intervalMs,
      onAnchored: (e) => console.log(`  ${e.chain}: anchored blocks ${e.from}..${e.to} (${e.blockHash.slice(0, 10)}…, tx ${e.tx}, ${e.gasUsed} gas)`),
    });
    const print = (rounds: ChainRound[]) => {
      const now = Date.now();
      for (const round of rounds) console.log(formatRound(round, now, args.watch));
    };
    try {
      console.log(`anchoring ${topology.communities.length} community chain(s) on AnchorHub ${hub} (main chain ${topology.main.chainId})`);
      if (!args.watch) {
        const rounds = await relay.round();
        print(rounds);
        if (rounds.some((r) => r.status === "failed" || r.status === "reset-needed")) process.exitCode = 1;
        return rounds;
      }
      const stop = new AbortController();
      const interrupt = () => {
        console.log("stopping after this round");
        stop.abort();
      };
      process.once("SIGINT", interrupt);
      process.once("SIGTERM", interrupt);
      try {
        await relay.run(intervalMs, stop.signal, print);
      } finally {
        process.off("SIGINT", interrupt);
        process.off("SIGTERM", interrupt);
      }
      return [];
    } finally {
      close();
    }
  });

task("anchor:reset", "Gives a recreated or reorganised community chain a new trust root on the AnchorHub (resetChain, a new epoch; the deployer is the hub's admin), so the relay can anchor it again")
  .addParam("chain", "Community chain name as in topology.json, e.g. community-1", undefined, types.string)
  .addOptionalParam("height", "Block of the chain to trust as the new root, as its RPC serves it now; 0 (the default) is its genesis, checked against topology.json", 0, types.int)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .setAction(async (args: { chain: string; height: number; dir?: string }, hre) => {
    const reset = await anchorModule().resetTopologyChain(readTopology(topologyPath(resolveDir(args.dir, hre))), args.chain, args.height);
    console.log(`${args.chain}: reset to epoch ${reset.epoch}, trust root block ${reset.height} (${reset.blockHash})`);
    return reset;
  });

task("verify:record", "Verifies a record of a community chain as a light client: main-chain anchors only, proofs from the chain's untrusted full node; prints VALID or INVALID (exit 1)")
  .addParam("chain", "Community chain name as in topology.json, e.g. community-1", undefined, types.string)
  .addParam("record", "Record id: the record's sequence number on its chain", undefined, types.int)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addOptionalParam(
    "mainBlock",
    "Hash of a main-chain block you trust (from your own node or a second source): the hub's checkpoints are proven against its state; by default the main chain's head is trusted on first use",
    undefined,
    types.string,
  )
  .setAction(async (args: { chain: string; record: number; dir?: string; mainBlock?: string }, hre) => {
    const verdict = await anchorModule().verifyRecordInTopology(resolveDir(args.dir, hre), args.chain, args.record, { trustedMainBlock: args.mainBlock });
    if (verdict.valid) {
      const { record, anchor, batchId, index, root } = verdict.verified;
      console.log(`VALID record ${record.sequence} of ${verdict.chain}: ${record.from} -> ${record.to}, ${record.bytes} bytes at ${new Date(record.timestamp).toISOString()}`);
      console.log(`  batch ${batchId} leaf ${index}, root ${root}`);
      console.log(`  anchor: chain ${anchor.chainId} height ${anchor.height} block ${anchor.blockHash} (state root ${anchor.stateRoot}, main-chain block ${anchor.mainBlock}, epoch ${anchor.epoch})`);
    } else {
      console.log(`INVALID record ${verdict.recordId} of ${verdict.chain}: ${verdict.reason}: ${verdict.message}`);
      process.exitCode = 1;
    }
    return verdict;
  });
