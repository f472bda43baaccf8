/**
 * The record router of `records:send`: for a record between two devices, the community chains it
 * is written to. It is formula 1 of the storage model (`placeRecord` of src/partition/storage.ts)
 * over the chains that run, so records land exactly where the storage model prices them.
 *
 * Devices in no community (uncovered or exempt) count as a chain of their own in formula 1, but no
 * chain runs for them. Their copy of a record is therefore not written anywhere; it is counted as
 * `hostless`. A record between such a device and a community device goes on the community
 * device's chain only; a record between two such devices goes on no chain (`chains` is empty).
 */
import type { DeviceId } from "../traffic/types";
import { chainIndex, placeRecord, placementCost, type ChainIndex } from "../partition/storage";
import { RecordsError } from "./errors";

/** Where one record goes. */
export interface RecordRoute {
  /** Community chains (indexes into the communities) that get a copy, in formula 1's order. */
  readonly chains: readonly number[];
  /** Formula 1 stores it on two chains (no community holds both endpoints). */
  readonly cross: boolean;
  /** Copies formula 1 puts on a device's own chain (a device in no community): not written. */
  readonly hostless: number;
  /** Formula 1's cost of the record: the sizes of every chain holding it, own chains included. */
  readonly cost: number;
}

/** Routes records between the devices of a partition onto its community chains. */
export class RecordRouter {
  private readonly index: Map<DeviceId, number>;
  private readonly chains: ChainIndex;
  private readonly routes = new Map<string, RecordRoute>();

  /**
   * @param devices every device of the partition (graph.nodes, topology.json `devices`)
   * @param communities the members of each community chain, in chain order
   */
  constructor(
    readonly devices: readonly DeviceId[],
    readonly communities: readonly (readonly DeviceId[])[],
  ) {
    // chainIndex numbers non-empty groups only; an empty community would shift every later chain.
    const empty = communities.findIndex((members) => members.length === 0);
    if (empty >= 0)
      throw new RecordsError(`community chain ${empty + 1} has no members: no record can be placed on it`);
    this.index = new Map(devices.map((device, i) => [device, i]));
    this.chains = chainIndex({ devices: [...devices], index: this.index }, communities);
  }

  /** The router of a topology: its devices and its community chains' members. */
  static fromTopology(topology: {
    devices: readonly DeviceId[];
    communities: readonly { members: readonly DeviceId[] }[];
  }): RecordRouter {
    return new RecordRouter(
      topology.devices,
      topology.communities.map((chain) => chain.members),
    );
  }

  /** Whether the device is a device of the partition. */
  knows(device: DeviceId): boolean {
    return this.index.has(device);
  }

  /** Devices that are in no community, so no chain runs for them. */
  get chainless(): DeviceId[] {
    const count = this.communities.length;
    return this.devices.filter((_, d) => this.chains.chainsOf[d].every((c) => c >= count));
  }

  /** Size of community chain `chain` (its members). */
  chainSize(chain: number): number {
    return this.chains.size[chain];
  }

  /**
   * Where a record from `from` to `to` goes; undefined when either device is not a device of the
   * partition. Routes are cached per ordered pair: a log names few pairs many times.
   */
  route(from: DeviceId, to: DeviceId): RecordRoute | undefined {
    const key = `${from}\u0000${to}`;
    let route = this.routes.get(key);
    if (route !== undefined) return route;
    const a = this.index.get(from);
    const b = this.index.get(to);
    if (a === undefined || b === undefined) return undefined;
    const { size, chainsOf } = this.chains;
    const placement = placeRecord(chainsOf[a], chainsOf[b], size);
    const running = placement.chains.filter((c) => c < this.communities.length);
    route = {
      chains: running,
      cross: placement.cross,
      hostless: placement.chains.length - running.length,
      cost: placementCost(placement, size),
    };
    this.routes.set(key, route);
    return route;
  }
}
