import type { DeviceId } from "../../traffic/types";
import { chainIndex, type PairTable } from "../storage";

/** "No chain": the `into` or `from` of `estimateMove` when the move has no such step. */
export const NO_CHAIN = -1;
const NONE = NO_CHAIN;

/**
 * A mutable chain cover of the devices with the storage count of formula 1 kept up to date
 * incrementally, for local search.
 *
 * Changes are made inside a trial: `join`/`leave` record what they did; `trialDelta()` re-prices
 * exactly the pairs that touch a member of a changed chain (a chain whose size changes re-prices
 * the records stored on it, nothing else moves); `commit()` keeps the trial, `rollback()` undoes
 * it.
 *
 * `estimateMove()` is the cheap screen in front of that: it prices only the moving device's own
 * pairs exactly and adds the size effects from per-chain loads (the records whose price uses the
 * chain). A chain growing by one adds at most one per record it carries; a chain shrinking by one
 * takes exactly one off each record it carries, and possibly off records that tied with it. So
 * the estimate is an upper bound of the exact delta: a negative estimate is a sure improvement.
 */
// One class of about 340 lines on purpose: join, leave, the trial log and the incremental storage
// count share the per-chain loads and member lists, which must change together for the count of
// formula 1 to stay exact; the pricing of one pair is already apart (`storage.ts`).
export class ChainState {
  /** Members of each chain (device indexes); an empty chain is dissolved. */
  readonly members: number[][];
  /** The chains that hold each device. */
  readonly chainsOf: number[][];
  /** `members[c].length`, kept as a plain array because pricing reads sizes by chain index. */
  private readonly sizes: number[];
  /** Records whose current price uses each chain (intra on it, or cross with it as one end). */
  private readonly load: number[];
  /** Current cost of each pair, and the chains its price uses: `useA` always, `useB` only when cross-chain. */
  private readonly pairCost: Float64Array;
  private readonly useA: Int32Array;
  private readonly useB: Int32Array;
  /** Pairs of each device: `pairs[pairStart[d] .. pairStart[d + 1])`. */
  private readonly pairStart: Int32Array;
  private readonly pairs: Int32Array;
  count = 0;
  cross = 0;

  // Scratch per chain for `talkedTo` and `mergeGains`, reset after each use.
  private readonly tally: number[];
  private readonly tallied: number[] = [];

  // The trial's steps: device, chain and whether it joined (true) or left, in parallel arrays
  // because estimates push and pop them millions of times.
  private readonly journalDevice: number[] = [];
  private readonly journalChain: number[] = [];
  private readonly journalJoin: boolean[] = [];
  /** Chains changed by commits since the last `takeChangedChains()`. */
  private readonly changed = new Set<number>();
  private readonly stamp: Int32Array;
  private readonly affected: number[] = [];
  private epoch = 0;
  private readonly trialPairs: number[] = [];
  private readonly trialCost: number[] = [];
  private readonly trialUseA: number[] = [];
  private readonly trialUseB: number[] = [];
  // Output of `price`, in fields rather than a returned object: pricing is the hot loop.
  private priced = 0;
  private pricedA = NONE;
  private pricedB = NONE;

  constructor(
    readonly table: PairTable,
    groups: readonly (readonly DeviceId[])[],
  ) {
    const { size, chainsOf } = chainIndex(table, groups);
    this.chainsOf = chainsOf;
    this.sizes = size;
    this.members = size.map(() => []);
    chainsOf.forEach((held, d) => held.forEach((c) => this.members[c].push(d)));
    this.load = size.map(() => 0);
    this.tally = size.map(() => 0);

    const n = table.devices.length;
    const pairCount = table.u.length;
    const start = new Int32Array(n + 1);
    for (let p = 0; p < pairCount; p += 1) {
      start[table.u[p] + 1] += 1;
      start[table.v[p] + 1] += 1;
    }
    for (let d = 0; d < n; d += 1) start[d + 1] += start[d];
    this.pairStart = start;
    this.pairs = new Int32Array(2 * pairCount);
    const fill = start.slice(0, n);
    for (let p = 0; p < pairCount; p += 1) {
      this.pairs[fill[table.u[p]]++] = p;
      this.pairs[fill[table.v[p]]++] = p;
    }

    this.pairCost = new Float64Array(pairCount);
    this.useA = new Int32Array(pairCount);
    this.useB = new Int32Array(pairCount);
    for (let p = 0; p < pairCount; p += 1) {
      this.price(p);
      this.setPair(p, this.priced, this.pricedA, this.pricedB);
    }
    this.stamp = new Int32Array(n);
  }

  size(chain: number): number {
    return this.sizes[chain];
  }

  /** The other device and the record count of every pair of device `d`. */
  forEachPair(d: number, visit: (other: number, records: number) => void): void {
    const { u, v, count } = this.table;
    for (let i = this.pairStart[d]; i < this.pairStart[d + 1]; i += 1) {
      const p = this.pairs[i];
      visit(u[p] === d ? v[p] : u[p], count[p]);
    }
  }

  /**
   * The chains, other than those in `exclude`, that hold a device talking to one of `devices`,
   * ordered by the records exchanged with them (most first, then chain index).
   */
  talkedTo(devices: readonly number[], exclude: readonly number[]): number[] {
    const { u, v, count } = this.table;
    for (const d of devices) {
      for (let i = this.pairStart[d]; i < this.pairStart[d + 1]; i += 1) {
        const p = this.pairs[i];
        for (const c of this.chainsOf[u[p] === d ? v[p] : u[p]]) {
          if (exclude.includes(c)) continue;
          if (this.tally[c] === 0) this.tallied.push(c);
          this.tally[c] += count[p];
        }
      }
    }
    return this.drainTally().map((entry) => entry.chain);
  }

  /**
   * For each chain that merging `chain` into could help, an upper bound of what the merge can
   * save, best first. Only records that are cross-chain between the two chains can get cheaper
   * (they become intra-chain on the merged chain, of size ≥ the larger of the two); every other
   * record keeps its options or sees them grow. Chains with no possible saving are left out.
   */
  mergeGains(chain: number): { chain: number; tally: number }[] {
    const { u, v, count } = this.table;
    for (const d of this.members[chain]) {
      for (let i = this.pairStart[d]; i < this.pairStart[d + 1]; i += 1) {
        const p = this.pairs[i];
        if (this.useB[p] === NONE) continue;
        for (const c of this.chainsOf[u[p] === d ? v[p] : u[p]]) {
          if (c === chain) continue;
          const gain = this.pairCost[p] - count[p] * Math.max(this.sizes[chain], this.sizes[c]);
          if (gain <= 0) continue;
          if (this.tally[c] === 0) this.tallied.push(c);
          this.tally[c] += gain;
        }
      }
    }
    return this.drainTally();
  }

  /** The tallied chains with their tallies, largest first (then by index); resets the tally. */
  private drainTally(): { chain: number; tally: number }[] {
    const entries = this.tallied.map((chain) => ({ chain, tally: this.tally[chain] }));
    for (const c of this.tallied) this.tally[c] = 0;
    this.tallied.length = 0;
    return entries.sort((a, b) => b.tally - a.tally || a.chain - b.chain);
  }

  join(device: number, chain: number): void {
    this.members[chain].push(device);
    this.chainsOf[device].push(chain);
    this.sizes[chain] += 1;
    this.record(device, chain, true);
  }

  leave(device: number, chain: number): void {
    removeValue(this.members[chain], device);
    removeValue(this.chainsOf[device], chain);
    this.sizes[chain] -= 1;
    this.record(device, chain, false);
  }

  /**
   * Upper bound of the change of `count` if `device` joins chain `into` and/or leaves chain
   * `from` (NONE for no such step), without changing anything. Exact unless records tie.
   */
  estimateMove(device: number, into: number, from: number): number {
    if (into !== NONE) this.join(device, into);
    if (from !== NONE) this.leave(device, from);
    const count = this.table.count;
    let own = 0;
    let ownOnInto = 0;
    let ownOnFrom = 0;
    for (let i = this.pairStart[device]; i < this.pairStart[device + 1]; i += 1) {
      const p = this.pairs[i];
      const a = this.useA[p];
      const b = this.useB[p];
      if (a === into || b === into) ownOnInto += count[p];
      if (a === from || b === from) ownOnFrom += count[p];
      this.price(p);
      own += this.priced - this.pairCost[p];
    }
    this.rollback();
    let estimate = own;
    if (into !== NONE) estimate += this.load[into] - ownOnInto;
    if (from !== NONE) estimate -= this.load[from] - ownOnFrom;
    return estimate;
  }

  /** The exact change of `count` made by the trial so far (also prepares `commit`). */
  trialDelta(): number {
    this.epoch += 1;
    const epoch = this.epoch;
    const affected = this.affected;
    affected.length = 0;
    const touched: number[] = [];
    for (let i = 0; i < this.journalDevice.length; i += 1) {
      const device = this.journalDevice[i];
      if (this.stamp[device] !== epoch) {
        this.stamp[device] = epoch;
        affected.push(device);
      }
      if (!touched.includes(this.journalChain[i])) touched.push(this.journalChain[i]);
    }
    for (const chain of touched) {
      for (const d of this.members[chain]) {
        if (this.stamp[d] !== epoch) {
          this.stamp[d] = epoch;
          affected.push(d);
        }
      }
    }

    this.trialPairs.length = 0;
    this.trialCost.length = 0;
    this.trialUseA.length = 0;
    this.trialUseB.length = 0;
    let delta = 0;
    const { u, v } = this.table;
    for (const d of affected) {
      for (let i = this.pairStart[d]; i < this.pairStart[d + 1]; i += 1) {
        const p = this.pairs[i];
        const other = u[p] === d ? v[p] : u[p];
        // a pair between two affected devices is priced once, from its smaller endpoint
        if (this.stamp[other] === epoch && other < d) continue;
        this.price(p);
        delta += this.priced - this.pairCost[p];
        this.trialPairs.push(p);
        this.trialCost.push(this.priced);
        this.trialUseA.push(this.pricedA);
        this.trialUseB.push(this.pricedB);
      }
    }
    return delta;
  }

  /** Keeps the trial; `trialDelta()` must have been called after its last change. */
  commit(): void {
    for (let i = 0; i < this.trialPairs.length; i += 1) {
      this.unsetPair(this.trialPairs[i]);
      this.setPair(this.trialPairs[i], this.trialCost[i], this.trialUseA[i], this.trialUseB[i]);
    }
    for (const chain of this.journalChain) this.changed.add(chain);
    this.clearJournal();
    this.trialPairs.length = 0;
  }

  /** Undoes every change since the last commit. */
  rollback(): void {
    for (let i = this.journalDevice.length - 1; i >= 0; i -= 1) {
      const device = this.journalDevice[i];
      const chain = this.journalChain[i];
      if (this.journalJoin[i]) {
        removeValue(this.members[chain], device);
        removeValue(this.chainsOf[device], chain);
        this.sizes[chain] -= 1;
      } else {
        this.members[chain].push(device);
        this.chainsOf[device].push(chain);
        this.sizes[chain] += 1;
      }
    }
    this.clearJournal();
    this.trialPairs.length = 0;
  }

  /** The chains changed by commits since the last call, in index order. */
  takeChangedChains(): number[] {
    const chains = [...this.changed].sort((a, b) => a - b);
    this.changed.clear();
    return chains;
  }

  private record(device: number, chain: number, join: boolean): void {
    this.journalDevice.push(device);
    this.journalChain.push(chain);
    this.journalJoin.push(join);
  }

  private clearJournal(): void {
    this.journalDevice.length = 0;
    this.journalChain.length = 0;
    this.journalJoin.length = 0;
  }

  /** The chains as device-id groups (empty chains left out). */
  groups(): DeviceId[][] {
    return this.members.filter((m) => m.length > 0).map((m) => m.map((d) => this.table.devices[d]));
  }

  private setPair(p: number, cost: number, a: number, b: number): void {
    const records = this.table.count[p];
    this.pairCost[p] = cost;
    this.useA[p] = a;
    this.useB[p] = b;
    this.count += cost;
    this.load[a] += records;
    if (b !== NONE) {
      this.cross += cost;
      this.load[b] += records;
    }
  }

  private unsetPair(p: number): void {
    const records = this.table.count[p];
    const cost = this.pairCost[p];
    this.count -= cost;
    this.load[this.useA[p]] -= records;
    if (this.useB[p] !== NONE) {
      this.cross -= cost;
      this.load[this.useB[p]] -= records;
    }
  }

  /**
   * Formula 1 for pair p in the current state, into `priced`/`pricedA`/`pricedB`: the smallest
   * chain holding both ends, else the smallest chain of each end (see storage.ts).
   */
  private price(p: number): void {
    const chainsA = this.chainsOf[this.table.u[p]];
    const chainsB = this.chainsOf[this.table.v[p]];
    const sizes = this.sizes;
    let shared = NONE;
    let smallestA = NONE;
    for (const c of chainsA) {
      if (smallestA === NONE || sizes[c] < sizes[smallestA]) smallestA = c;
      if ((shared === NONE || sizes[c] < sizes[shared]) && chainsB.includes(c)) shared = c;
    }
    const records = this.table.count[p];
    if (shared !== NONE) {
      this.priced = sizes[shared] * records;
      this.pricedA = shared;
      this.pricedB = NONE;
      return;
    }
    let smallestB = NONE;
    for (const c of chainsB) if (smallestB === NONE || sizes[c] < sizes[smallestB]) smallestB = c;
    this.priced = (sizes[smallestA] + sizes[smallestB]) * records;
    this.pricedA = smallestA;
    this.pricedB = smallestB;
  }
}

function removeValue(list: number[], value: number): void {
  const i = list.indexOf(value);
  list[i] = list[list.length - 1];
  list.pop();
}
