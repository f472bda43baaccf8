/**
 * Who plays which part of the data-sharing architecture (IoT consensus paper §3.2, Fig. 4) on a
 * topology: the data consumer (DC) is a community's third party (the lab that wants a model), the
 * data analyst (DA) is the `cloud` system account, which runs the analysis for every community,
 * and the candidate data owners (DOs) are devices of every community chain, taken in turn from each
 * chain so that the owners span communities. The task lives on the DC's community chain; owners of
 * other communities join it by signature, so they need no gas there.
 */
import type { HDNodeWallet } from "ethers";
import { deviceWallet, participantWallet, systemWallet } from "../../chains/accounts";
import type { ChainEntry, Topology } from "../../chains/topology";
import { LearningConfigError } from "../errors";

/** A candidate data owner: a device, its community chain and its account. */
export interface CandidateOwner {
  readonly device: string;
  readonly chain: string;
  readonly wallet: HDNodeWallet;
}

export interface ServiceRoles {
  /** The DC's community chain, where the task, its escrow and the reputations live. */
  readonly chain: ChainEntry;
  readonly consumer: HDNodeWallet;
  readonly analyst: HDNodeWallet;
  /** Every device, alternating between community chains (the DC's first). */
  readonly candidates: readonly CandidateOwner[];
}

/** The roles of a service run on `chainName` (default: the first community chain). */
export function serviceRoles(topology: Topology, mnemonic: string, chainName?: string): ServiceRoles {
  const communities = topology.communities;
  const at = chainName === undefined ? 0 : communities.findIndex((c) => c.name === chainName);
  if (at < 0)
    throw new LearningConfigError(
      "chain",
      `no community chain "${chainName}" in the topology (it has ${communities.map((c) => c.name).join(", ")})`,
    );
  const chain = communities[at];
  // The DC's chain first, then the others in order; one device of each in turn.
  const ordered = [chain, ...communities.filter((_, i) => i !== at)];
  const candidates: CandidateOwner[] = [];
  const longest = Math.max(...ordered.map((c) => c.members.length));
  for (let i = 0; i < longest; i++) {
    for (const community of ordered) {
      const device = community.members[i];
      if (device !== undefined)
        candidates.push({ device, chain: community.name, wallet: deviceWallet(device, topology.devices, mnemonic) });
    }
  }
  return {
    chain,
    consumer: participantWallet("thirdParty", at + 1, mnemonic),
    analyst: systemWallet("cloud", mnemonic),
    candidates,
  };
}
