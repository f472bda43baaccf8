// Journaling overhead and replay speed of a persistent chain.
// Run: npx hardhat run bench/chains.ts   (BENCH_TXS=5000 for a longer run)
// The chain is the same Hardhat network a chain process runs (built from a genesis file), driven
// in-process so that the figures measure the journal, not HTTP. The last line is one JSON object.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import hre from "hardhat";
import { createProvider } from "hardhat/internal/core/providers/construction";
import type { EthereumProvider, HardhatConfig } from "hardhat/types";
import { deviceWallet } from "../src/chains/accounts";
import { chainNodeNetwork } from "../src/chains/chain-node";
import { buildGenesis, GENESIS_FILE, writeGenesis } from "../src/chains/genesis";
import { JOURNAL_FILE } from "../src/chains/journal";
import { openPersistentProvider } from "../src/chains/journaled-provider";

const TRANSACTIONS = Number(process.env.BENCH_TXS ?? 2000);
const DEVICES = Array.from({ length: 8 }, (_, i) => `d${i}`);
const CHAIN_ID = 31001;

async function chainProvider(chainDir: string): Promise<EthereumProvider> {
  const config = structuredClone(hre.config) as HardhatConfig;
  config.networks.hardhat = {
    ...hre.config.networks.hardhat,
    ...chainNodeNetwork(chainDir),
  } as HardhatConfig["networks"]["hardhat"];
  return createProvider(config, "hardhat", hre.artifacts);
}

async function sendAll(provider: EthereumProvider, signed: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  for (const raw of signed) await provider.request({ method: "eth_sendRawTransaction", params: [raw] });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function head(provider: EthereumProvider): Promise<string> {
  return ((await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { hash: string })
    .hash;
}

const FSYNC_PROBES = 500;

function journalBytesPerBlock(chainDir: string): number {
  return Math.round(fs.statSync(path.join(chainDir, JOURNAL_FILE)).size / TRANSACTIONS);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-bench-chains-"));
  try {
    const genesis = buildGenesis({ name: "bench", chainId: CHAIN_ID, members: DEVICES }, DEVICES, {
      timestamp: Math.floor(Date.now() / 1000),
    });
    const plainDir = path.join(work, "plain");
    const journaledDir = path.join(work, "journaled");
    for (const dir of [plainDir, journaledDir]) {
      fs.mkdirSync(dir);
      writeGenesis(path.join(dir, GENESIS_FILE), genesis);
    }
    // Signed up front so that signing is not measured; senders take turns.
    const senders = DEVICES.map((id) => new Wallet(deviceWallet(id, DEVICES).privateKey));
    const signed: string[] = [];
    for (let i = 0; i < TRANSACTIONS; i++) {
      const sender = senders[i % senders.length];
      signed.push(
        await sender.signTransaction({
          type: 2,
          chainId: CHAIN_ID,
          nonce: Math.floor(i / senders.length),
          to: senders[(i + 1) % senders.length].address,
          value: 1n,
          gasLimit: 21_000n,
          maxFeePerGas: 10_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
        }),
      );
    }

    const plain = await chainProvider(plainDir);
    const plainSeconds = await sendAll(plain, signed);

    const journaled = await openPersistentProvider(await chainProvider(journaledDir), { chainDir: journaledDir });
    const journaledSeconds = await sendAll(journaled, signed);
    const originalHead = await head(journaled);
    journaled.close();

    const replayStarted = process.hrtime.bigint();
    const replayed = await openPersistentProvider(await chainProvider(journaledDir), { chainDir: journaledDir });
    const replaySeconds = Number(process.hrtime.bigint() - replayStarted) / 1e9;
    const replayedHead = await head(replayed);
    replayed.close();

    // The durability price alone: one appended record flushed with fdatasync, as the journal does.
    const probe = path.join(work, "fsync-probe");
    const fd = fs.openSync(probe, "a");
    const record = Buffer.from(`${"x".repeat(journalBytesPerBlock(journaledDir) - 1)}\n`);
    const fsyncStarted = process.hrtime.bigint();
    for (let i = 0; i < FSYNC_PROBES; i++) {
      fs.writeSync(fd, record);
      fs.fdatasyncSync(fd);
    }
    const fsyncMicros = Number(process.hrtime.bigint() - fsyncStarted) / 1e3 / FSYNC_PROBES;
    fs.closeSync(fd);

    const plainTps = TRANSACTIONS / plainSeconds;
    const journaledTps = TRANSACTIONS / journaledSeconds;
    const figures = {
      transactions: TRANSACTIONS,
      blocks: TRANSACTIONS,
      plainTxPerSecond: Math.round(plainTps),
      journaledTxPerSecond: Math.round(journaledTps),
      journalOverheadPercent: Math.round((plainTps / journaledTps - 1) * 1000) / 10,
      journalBytesPerBlock: journalBytesPerBlock(journaledDir),
      fdatasyncMicros: Math.round(fsyncMicros),
      journalOverheadMicrosPerBlock: Math.round(((journaledSeconds - plainSeconds) * 1e6) / TRANSACTIONS),
      replaySeconds: Math.round(replaySeconds * 100) / 100,
      replayBlocksPerSecond: Math.round(TRANSACTIONS / replaySeconds),
      replayedHeadEqual: replayedHead === originalHead,
    };
    console.log(
      `plain ${figures.plainTxPerSecond} tx/s, journaled ${figures.journaledTxPerSecond} tx/s ` +
        `(+${figures.journalOverheadMicrosPerBlock} µs per block, of which fdatasync ${figures.fdatasyncMicros} µs), replay ${figures.replayBlocksPerSecond} blocks/s`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
