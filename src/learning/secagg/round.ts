/**
 * One round of secure aggregation, start to end, with the owners and the DA in one process: every
 * message crosses between them as bytes, counted per owner. Dropouts come in Bonawitz's two kinds:
 * before sending their masked input (their pairwise masks are cancelled from their s-shares, their
 * input is not in the sum), and after (their input is in the sum; they just do not help unmask).
 * The round survives any n − t of them; one more raises `SecAggTooFewSurvivorsError`.
 */
import { LearningConfigError } from "../errors";
import { SecAggClient } from "./client";
import type { RandomBytes, SecAggAccount } from "./keys";
import { SecAggServer } from "./server";
import { checkSession, type SecAggSession } from "./session";

export interface SecAggRoundOptions extends Omit<SecAggSession, "addresses" | "dimension"> {
  /** Each owner's encoded input, by owner index (all of one length). */
  inputs: readonly Uint32Array[];
  /** Each owner's account, by owner index. */
  accounts: readonly SecAggAccount[];
  /** Owners that drop out before sending their masked input. */
  dropBeforeInput?: readonly number[];
  /** Owners that drop out after sending their masked input, before unmasking. */
  dropAfterInput?: readonly number[];
  /** Where the owners' secrets come from (default: the OS's CSPRNG). */
  random?: RandomBytes;
}

/** Bytes each owner sent to and received from the DA over the round, by owner index. */
export interface RoundTraffic {
  sent: number[];
  received: number[];
}

export interface SecAggRoundResult {
  /** The sum of the contributors' inputs mod 2^32. */
  sum: Uint32Array;
  /** U2: the owners whose input is in the sum (they sent it; some may have left after). */
  contributors: number[];
  /** U3: the owners who answered the unmask request. */
  responders: number[];
  traffic: RoundTraffic;
  /** The masked inputs the DA received, by owner (for tests of what the DA sees). */
  masked: Map<number, Uint8Array>;
}

export async function runSecAggRound(options: SecAggRoundOptions): Promise<SecAggRoundResult> {
  const { inputs, accounts } = options;
  const dimension = inputs[0]?.length ?? 0;
  const session = checkSession({
    task: options.task,
    round: options.round,
    threshold: options.threshold,
    encoding: options.encoding,
    addresses: accounts.map((a) => a.address),
    dimension,
  });
  const n = session.owners;
  if (inputs.length !== n) throw new LearningConfigError("inputs", `${inputs.length} inputs for ${n} accounts`);
  inputs.forEach((x, u) => {
    if (x.length !== dimension)
      throw new LearningConfigError(`inputs[${u}]`, `has ${x.length} words, inputs[0] has ${dimension}`);
  });
  const before = new Set(options.dropBeforeInput ?? []);
  const after = new Set(options.dropAfterInput ?? []);
  for (const u of [...before, ...after]) {
    if (!(Number.isSafeInteger(u) && u >= 0 && u < n))
      throw new LearningConfigError("dropouts", `owner ${u} is not an owner index in [0, ${n})`);
    if (before.has(u) && after.has(u)) throw new LearningConfigError("dropouts", `owner ${u} drops out twice`);
  }
  const traffic: RoundTraffic = { sent: new Array<number>(n).fill(0), received: new Array<number>(n).fill(0) };
  const up = (u: number, bytes: Uint8Array) => {
    traffic.sent[u] += bytes.length;
    return bytes;
  };
  const down = (u: number, bytes: Uint8Array) => {
    traffic.received[u] += bytes.length;
    return bytes;
  };
  const server = new SecAggServer({ ...session });
  const clients = accounts.map((account, u) => new SecAggClient(u, account, session, options.random));
  const owners = clients.map((_, u) => u);

  for (const u of owners) server.receiveKeys(u, up(u, clients[u].advertiseKeys()));
  const keyList = server.keyList();
  for (const u of owners) server.receiveShares(u, up(u, await clients[u].shareKeys(down(u, keyList))));
  const senders = owners.filter((u) => !before.has(u));
  const masked = new Map<number, Uint8Array>();
  for (const u of senders) {
    const y = up(u, clients[u].maskInput(down(u, server.inbox(u)), inputs[u]));
    masked.set(u, y);
    server.receiveMasked(u, y);
  }
  const request = server.unmaskRequest();
  for (const u of senders.filter((v) => !after.has(v)))
    server.receiveUnmask(u, up(u, clients[u].unmask(down(u, request))));
  const sum = await server.aggregate();
  return {
    sum,
    contributors: server.contributors,
    responders: server.responders,
    traffic,
    masked,
  };
}
