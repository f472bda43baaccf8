import type { DeviceId } from "../../trust/types";
import { chainIndex, sharedChainSize, smallestChainSize, type PairTable } from "../storage";

/**
 * A mutable chain cover of the devices with the storage count of formula 1 kept up to date
 * incrementally, for local search. Changes are made inside a trial: `join`/`leave` record what
 * they did, `trialDelta()` re-prices only the pairs that touch a member of a changed chain (a chain
 * whose size changes re-prices every record stored on it, nothing else), then `commit()` keeps the
 * trial and `rollback()` undoes it. A full re-evaluation costs every pair; a trial costs the pairs
 * of the changed chains' members.
 */
export class ChainState {
  /** Members of each chain (device indexes); an empty chain is dissolved. */
  readonly members: number[][];
  /** The chains that hold each device. */
  readonly chainsOf: number[][];
  /** `members[c].length`, as a plain array because formula 1 reads sizes by chain index. */
  private readonly sizes: number[];
  /** Current cost (count × unit cost) and cross flag of each pair of the table. */
  private readonly pairCost: Float64Array;
  private readonly pairCross: Uint8Array;
  /** Pairs of each device: `pairs.slice(pairStart[d], pairStart[d + 1])`. */
  private readonly pairStart: Int32Array;
  private readonly pairs: Int32Array;
  count = 0;
  cross = 0;

  private readonly journal: { join: boolean; device: number; chain: number }[] = [];
  private readonly stamp: Int32Array;
  private epoch = 0;
  private readonly trialPairs: number[] = [];
  private readonly trialCost: number[] = [];
  private readonly trialIsCross: boolean[] = [];
  private trialCross = 0;

  constructor(
    readonly table: PairTable,
    groups: readonly (readonly DeviceId[])[],
  ) {
    const { size, chainsOf } = chainIndex(table, groups);
    this.chainsOf = chainsOf;
    this.sizes = size;
    this.members = size.map(() => []);
    chainsOf.forEach((held, d) => held.forEach((c) => this.members[c].push(d)));

    const n = table.devices.length;
    const degree = new Int32Array(n + 1);
    for (let p = 0; p < table.u.length; p += 1) {
      degree[table.u[p] + 1] += 1;
      degree[table.v[p] + 1] += 1;
    }
    for (let d = 0; d < n; d += 1) degree[d + 1] += degree[d];
    this.pairStart = degree;
    this.pairs = new Int32Array(2 * table.u.length);
    const fill = degree.slice(0, n);
    for (let p = 0; p < table.u.length; p += 1) {
      this.pairs[fill[table.u[p]]++] = p;
      this.pairs[fill[table.v[p]]++] = p;
    }

    this.pairCost = new Float64Array(table.u.length);
    this.pairCross = new Uint8Array(table.u.length);
    for (let p = 0; p < table.u.length; p += 1) {
      const [cost, cross] = this.price(p);
      this.pairCost[p] = cost;
      this.pairCross[p] = cross ? 1 : 0;
      this.count += cost;
      if (cross) this.cross += cost;
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

  /** A new empty chain (to move devices into). */
  newChain(): number {
    this.members.push([]);
    this.sizes.push(0);
    return this.members.length - 1;
  }

  join(device: number, chain: number): void {
    this.members[chain].push(device);
    this.sizes[chain] += 1;
    this.chainsOf[device].push(chain);
    this.journal.push({ join: true, device, chain });
  }

  leave(device: number, chain: number): void {
    removeValue(this.members[chain], device);
    this.sizes[chain] -= 1;
    removeValue(this.chainsOf[device], chain);
    this.journal.push({ join: false, device, chain });
  }

  /** The change of `count` made by the trial so far (also prepares `commit`). */
  trialDelta(): number {
    this.epoch += 1;
    const epoch = this.epoch;
    const affected: number[] = [];
    const mark = (d: number) => {
      if (this.stamp[d] !== epoch) {
        this.stamp[d] = epoch;
        affected.push(d);
      }
    };
    const touched = new Set<number>();
    for (const step of this.journal) {
      mark(step.device);
      touched.add(step.chain);
    }
    for (const chain of touched) for (const d of this.members[chain]) mark(d);

    this.trialPairs.length = 0;
    this.trialCost.length = 0;
    this.trialIsCross.length = 0;
    this.trialCross = 0;
    let delta = 0;
    const { u, v } = this.table;
    for (const d of affected) {
      for (let i = this.pairStart[d]; i < this.pairStart[d + 1]; i += 1) {
        const p = this.pairs[i];
        const other = u[p] === d ? v[p] : u[p];
        // a pair between two affected devices is priced once, from its smaller endpoint
        if (this.stamp[other] === epoch && other < d) continue;
        const [cost, cross] = this.price(p);
        delta += cost - this.pairCost[p];
        this.trialCross += (cross ? cost : 0) - (this.pairCross[p] === 1 ? this.pairCost[p] : 0);
        this.trialPairs.push(p);
        this.trialCost.push(cost);
        this.trialIsCross.push(cross);
      }
    }
    return delta;
  }

  /** Keeps the trial; `trialDelta()` must have been called after its last change. */
  commit(): void {
    for (let i = 0; i < this.trialPairs.length; i += 1) {
      const p = this.trialPairs[i];
      this.count += this.trialCost[i] - this.pairCost[p];
      this.pairCost[p] = this.trialCost[i];
      this.pairCross[p] = this.trialIsCross[i] ? 1 : 0;
    }
    this.cross += this.trialCross;
    this.journal.length = 0;
    this.trialPairs.length = 0;
  }

  /** Undoes every change since the last commit. */
  rollback(): void {
    for (let i = this.journal.length - 1; i >= 0; i -= 1) {
      const { join, device, chain } = this.journal[i];
      if (join) {
        removeValue(this.members[chain], device);
        removeValue(this.chainsOf[device], chain);
        this.sizes[chain] -= 1;
      } else {
        this.members[chain].push(device);
        this.chainsOf[device].push(chain);
        this.sizes[chain] += 1;
      }
    }
    this.journal.length = 0;
    this.trialPairs.length = 0;
  }

  /** The chains as device-id groups (empty chains left out). */
  groups(): DeviceId[][] {
    return this.members.filter((m) => m.length > 0).map((m) => m.map((d) => this.table.devices[d]));
  }

  private price(p: number): [cost: number, cross: boolean] {
    const a = this.chainsOf[this.table.u[p]];
    const b = this.chainsOf[this.table.v[p]];
    const records = this.table.count[p];
    const sizes = this.sizes;
    const shared = sharedChainSize(a, b, sizes);
    if (shared !== Infinity) return [shared * records, false];
    return [(smallestChainSize(a, sizes) + smallestChainSize(b, sizes)) * records, true];
  }
}

function removeValue(list: number[], value: number): void {
  const i = list.indexOf(value);
  list[i] = list[list.length - 1];
  list.pop();
}
