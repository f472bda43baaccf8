/**
 * Record hashing + Merkle tree throughput: the lean tree of src/anchor/merkle.ts (on
 * @noble/hashes) against @openzeppelin/merkle-tree's StandardMerkleTree building the same root.
 * Run: npx ts-node bench/anchor-merkle.ts [records per size, default 40000]
 * Prints one line per size and method, then one JSON object on the last line.
 */
import { MerkleTree, RECORD_LEAF_TYPES, recordLeaf, recordLeafValues, type ChainRecord } from "../src/records";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

const total = Number(process.argv[2] ?? 40_000);
const sizes = [256, 1024, 2048];

function records(count: number): ChainRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    sequence: i,
    timestamp: 1_700_000_000_000 + 250 * i,
    from: String((i % 44) + 1).padStart(2, "0"),
    to: String(((3 * i + 5) % 44) + 1).padStart(2, "0"),
    bytes: 40 + ((i * 13) % 1_460),
  }));
}

/**
 * Records per second of `build` over `all`, in batches of `size` (wall clock and per second of
 * this process's CPU time, which a busy machine disturbs less); also checks it yields `roots`.
 */
function measure(all: ChainRecord[], size: number, build: (batch: ChainRecord[]) => string, roots: string[]): Rate {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0, b = 0; i < all.length; i += size, b++) {
    const root = build(all.slice(i, i + size));
    if (roots[b] === undefined) roots[b] = root;
    else if (roots[b] !== root) throw new Error(`batch ${b} of ${size}: roots differ (${roots[b]} vs ${root})`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { wall: Math.round(all.length / seconds), cpu: Math.round(all.length / cpuSeconds) };
}

interface Rate {
  wall: number;
  cpu: number;
}

const lean = (batch: ChainRecord[]) => MerkleTree.fromLeaves(batch.map(recordLeaf)).rootHex;
const oz = (batch: ChainRecord[]) =>
  StandardMerkleTree.of(batch.map(recordLeafValues), [...RECORD_LEAF_TYPES], { sortLeaves: false }).root;

const all = records(total);
const figures: Record<string, { lean: Rate; openzeppelin: Rate; speedup: number }> = {};
lean(all.slice(0, 256)); // warm up both
oz(all.slice(0, 256));
for (const size of sizes) {
  const roots: string[] = [];
  const l = measure(all, size, lean, roots);
  const o = measure(all, size, oz, roots);
  figures[String(size)] = { lean: l, openzeppelin: o, speedup: Math.round((l.cpu / o.cpu) * 10) / 10 };
  console.log(
    `batch ${size}: lean ${l.wall} records/s (${l.cpu} per CPU second), @openzeppelin/merkle-tree ${o.wall} records/s (${o.cpu} per CPU second); same roots`,
  );
}
console.log(
  JSON.stringify({
    bench: "anchor-merkle",
    unit: "records/s (leaf hash + tree): wall clock and per CPU second",
    records: total,
    batches: figures,
  }),
);
