/**
 * Who may read an IoT unit's status data: the readers of each relationship's keyring (device,
 * provider, third parties) and their authorizations on the EPR's records. Adding a reader wraps
 * later snapshots for it; removing one rotates the key and queues a revoke for every record the
 * unit authorized it on, behind a durable intent (review L3: a crash loses no revocation); a
 * reader that moves its identity in the Register is followed (review M1); a mined record gets the
 * follow-ups its readers still need (`settle`).
 *
 * Every change runs under the sharing lock it shares with the status uploads.
 */
import { getAddress, toBeHex } from "ethers";
import type { ReaderKey } from "../../offchain";
import { readerKey } from "../../offchain";
import { eprInterface, registerInterface } from "../abi";
import { readContract } from "../chain-read";
import { IoTConfigError, UnregisteredReaderError } from "../errors";
import type { QueueEntry } from "../queue-file";
import type { ReaderChangedEvent, ReceiptEvents } from "../receipt-events";
import { isOutage } from "../transport";
import type { SettledEntry } from "../tx-queue";
import type { RevocationIntent } from "../unit-state";
import type { UnitContext } from "./context";
import type { SerialLock } from "./serial-lock";

export class ReaderAccess {
  constructor(
    private readonly ctx: UnitContext,
    private readonly lock: SerialLock,
  ) {}

  /**
   * Adds a third party as a reader of the status data shared through each relationship (or those
   * in `eprs`) from now on: later snapshots are wrapped for it and it is authorized on their
   * records. With a Register configured and the chain up, an unregistered reader is refused.
   */
  shareWith(publicKey: string, options: { eprs?: readonly string[] } = {}): Promise<ReaderKey> {
    const keyrings = this.ctx.requireKeyrings();
    const reader = readerKey(publicKey);
    return this.lock(async () => {
      const register = this.ctx.options.contracts.register;
      if (register !== undefined) {
        try {
          const [registered] = await readContract(this.ctx.transport, register, registerInterface, "isRegistered", [
            reader.address,
          ]);
          if (!registered) throw new UnregisteredReaderError(reader.address, register);
        } catch (error) {
          // While the chain is down the check waits for the authorization itself, which reverts
          // (and is reported) if the reader is not registered.
          if (!isOutage(error)) throw error;
        }
      }
      for (const epr of options.eprs ?? keyrings.eprs) {
        keyrings.keyring(epr).addReader(reader.publicKey);
        await keyrings.save(epr);
      }
      return reader;
    });
  }

  /**
   * Removes a reader: its keyring entry goes (the key rotates: nothing uploaded afterwards is
   * wrapped for it) and a revoke is queued for every record the unit authorized it on. Resolves
   * with the record ids whose revocation was queued, per EPR.
   *
   * Crash-safe: the revocation is written to `unit.json` as an intent (with the records it
   * concerns, taken off the authorizations in the same write) before the keyring changes or any
   * revoke is queued; a unit killed anywhere after that finishes it on its next open
   * (`resumeRevocations`), queueing each revoke that is not in the queue yet, so every revoke is
   * queued once.
   */
  stopSharingWith(address: string, options: { eprs?: readonly string[] } = {}): Promise<Record<string, number[]>> {
    const keyrings = this.ctx.requireKeyrings();
    const reader = getAddress(address);
    return this.lock(async () => {
      const revoked: Record<string, number[]> = {};
      for (const epr of (options.eprs ?? keyrings.eprs).map((e) => keyrings.relationship(e).epr)) {
        const keyring = keyrings.keyring(epr);
        if (!keyring.isReader(reader) && this.ctx.state.authorizationsOf(epr, reader).length === 0) {
          keyring.revokeReader(reader); // throws UnknownReaderError naming the reader
        }
        const intent = this.ctx.state.startRevocation(epr, reader);
        await this.ctx.state.save();
        revoked[epr] = await this.carryOut(intent);
      }
      return revoked;
    });
  }

  /**
   * Finishes every revocation intent left by a unit that stopped before it was done (run on open,
   * before the queue sends anything). Resolves with the intents finished.
   */
  async resumeRevocations(): Promise<RevocationIntent[]> {
    if (this.ctx.keyrings === undefined) return [];
    return this.lock(async () => {
      const intents = this.ctx.state.revocations();
      for (const intent of intents) {
        const queued = await this.carryOut(intent);
        this.ctx.emit("revocationResumed", { ...intent, queued });
      }
      return intents;
    });
  }

  /**
   * Carries out a saved revocation intent: the keyring rotates (if the reader is still in it),
   * a revoke is queued for each of its records not queued already, and the intent is removed.
   * Resolves with the record ids whose revoke it queued or found queued.
   */
  private async carryOut(intent: RevocationIntent): Promise<number[]> {
    const keyrings = this.ctx.requireKeyrings();
    const keyring = keyrings.keyring(intent.epr);
    if (keyring.isReader(intent.reader)) {
      keyring.revokeReader(intent.reader);
      await keyrings.save(intent.epr);
    }
    const inQueue = new Set(
      this.ctx.queue
        .entries()
        .filter(
          (e) =>
            e.kind === "revoke" &&
            getAddress(e.meta.epr as string) === intent.epr &&
            getAddress(e.meta.reader as string) === intent.reader,
        )
        .map((e) => Number(e.meta.recordId)),
    );
    for (const recordId of intent.records) {
      if (inQueue.has(recordId)) continue;
      await this.ctx.queue.enqueue({
        kind: "revoke",
        to: intent.epr,
        data: eprInterface.encodeFunctionData("revoke", [recordId, intent.reader]),
        gasLimit: this.ctx.gas.revoke,
        meta: { epr: intent.epr, recordId, reader: intent.reader },
      });
    }
    this.ctx.state.finishRevocation(intent.epr, intent.reader);
    await this.ctx.state.save();
    return intent.records;
  }

  /**
   * Follows the Register's `AccountChanged` events since the last call: for each reader (a third
   * party of some EPR, or one the unit authorized) that moved its identity, the old key leaves the
   * keyrings (nothing sealed afterwards is wrapped for it), the new key joins them when
   * `sharing.readerKeyOf` knows it, and the authorizations are remembered under the new account
   * (the EPR authorizes identities, so on chain they followed already). Emits `readerMoved` for
   * each. Needs `contracts.register`; throws `ChainUnreachableError` while the chain is down.
   */
  async followIdentities(): Promise<{ previous: string; next: string }[]> {
    const register = this.ctx.options.contracts.register;
    const keyrings = this.ctx.keyrings;
    if (register === undefined || keyrings === undefined) return [];
    const latest = Number(await this.ctx.transport.request<string>("eth_blockNumber"));
    const from = this.ctx.state.identityCursor;
    if (latest < from) return [];
    const logs = await this.ctx.transport.request<{ topics: string[]; data: string }[]>("eth_getLogs", [
      {
        address: getAddress(register),
        topics: [registerInterface.getEvent("AccountChanged")!.topicHash],
        fromBlock: toBeHex(from),
        toBlock: toBeHex(latest),
      },
    ]);
    const moves: { previous: string; next: string }[] = [];
    for (const log of logs) {
      const parsed = registerInterface.parseLog(log);
      if (parsed === null) continue;
      const previous = getAddress(parsed.args.previousAccount as string);
      const next = getAddress(parsed.args.newAccount as string);
      if (!this.tracksReader(previous)) continue;
      await this.moveReader(previous, next);
      moves.push({ previous, next });
    }
    this.ctx.state.identityCursor = latest + 1;
    await this.ctx.state.save();
    return moves;
  }

  /** Whether `account` is a third-party reader of some EPR, or holds authorizations the unit made. */
  private tracksReader(account: string): boolean {
    const keyrings = this.ctx.requireKeyrings();
    return keyrings.eprs.some(
      (epr) =>
        keyrings.thirdParties(epr).some((r) => r.address === account) ||
        this.ctx.state.authorizationsOf(epr, account).length > 0,
    );
  }

  private async moveReader(previous: string, next: string): Promise<void> {
    const keyrings = this.ctx.requireKeyrings();
    const found = await this.ctx.options.sharing?.readerKeyOf?.(next);
    const newKey = found === undefined ? undefined : readerKey(found);
    if (newKey !== undefined && newKey.address !== next) {
      throw new IoTConfigError("sharing.readerKeyOf", `answered a public key of ${newKey.address} for account ${next}`);
    }
    const eprs: string[] = [];
    for (const epr of keyrings.eprs) {
      const keyring = keyrings.keyring(epr);
      if (!keyring.isReader(previous)) continue;
      keyring.revokeReader(previous);
      if (newKey !== undefined) keyring.addReader(newKey.publicKey);
      await keyrings.save(epr);
      eprs.push(epr);
    }
    this.ctx.state.moveReader(previous, next);
    await this.ctx.state.save();
    this.ctx.emit("readerMoved", { previous, next, eprs, rewrapped: newKey !== undefined && eprs.length > 0 });
  }

  /** `followIdentities` for callers that go on while the chain is down (an upload, say). */
  async followIdentitiesQuietly(operation: string): Promise<void> {
    try {
      await this.followIdentities();
    } catch (error) {
      if (!isOutage(error)) this.ctx.emit("failure", { operation, error: error as Error });
    }
  }

  /** The current readers of an EPR's status data (device, provider, third parties). */
  readers(epr?: string): ReaderKey[] {
    const keyrings = this.ctx.requireKeyrings();
    return keyrings.keyring(epr ?? keyrings.eprs[0]).readers();
  }

  /** The configured providers must be the EPRs' providers, and the unit their device. */
  async checkRelationships(): Promise<void> {
    if (this.ctx.keyrings === undefined) return;
    for (const epr of this.ctx.keyrings.eprs) {
      const [device] = await readContract(this.ctx.transport, epr, eprInterface, "device");
      const [provider] = await readContract(this.ctx.transport, epr, eprInterface, "serviceProvider");
      if (getAddress(device as string) !== this.ctx.address)
        throw new IoTConfigError(
          "sharing.relationships",
          `EPR ${epr} belongs to device ${device as string}, not to this unit (${this.ctx.address})`,
        );
      const configured = this.ctx.keyrings.relationship(epr).provider.address;
      if (getAddress(provider as string) !== configured) {
        throw new IoTConfigError(
          "sharing.relationships",
          `EPR ${epr}'s provider is ${provider as string}, but the public key given derives ${configured}`,
        );
      }
    }
  }

  /**
   * Settle handler: the readers a transaction authorized, revoked or skipped; for a record mined,
   * the follow-ups its readers need (`settleReaders`).
   */
  readonly settle = async ({ entry, status }: SettledEntry, events: ReceiptEvents): Promise<void> => {
    for (const e of events.authorized) this.ctx.emit("readerAuthorized", e);
    for (const e of events.revoked) this.ctx.emit("readerRevoked", e);
    for (const e of events.skipped) this.ctx.emit("readerSkipped", e);
    if (entry.kind === "record" && status === "applied")
      await this.settleReaders(entry, events.records[0]?.recordId, events.authorized);
  };

  /**
   * Brings a mined record's readers on chain in line with the keyring: every third party the
   * snapshot was sealed for (`meta.authorize`) ends authorized on the record if it is still a
   * reader, and not authorized if it was revoked since the upload.
   *
   * - authorized by the record's own transaction (`addRecordWithReaders`): remembered; if revoked
   *   in the meantime, a `revoke` is queued (it holds a wrapped key of this snapshot, but loses
   *   access on chain, as for its earlier records);
   * - not authorized by it (over the per-record bound, or a record queued as a plain `addRecord`
   *   by an earlier version of the unit): an `authorize` is queued if it is still a reader.
   *
   * A crash after queueing follow-ups and before the record is marked done makes this run again:
   * follow-ups already queued for this record (tagged with its nonce) are not queued twice.
   */
  private async settleReaders(
    entry: QueueEntry,
    recordId: bigint | undefined,
    authorizedEvents: readonly ReaderChangedEvent[],
  ): Promise<void> {
    const keyrings = this.ctx.keyrings;
    const epr = entry.meta.epr as string;
    const readers = (entry.meta.authorize as string[] | undefined) ?? [];
    if (keyrings === undefined || recordId === undefined || readers.length === 0) return;
    const authorized = new Set(
      authorizedEvents
        .filter((e) => e.epr === getAddress(epr) && e.recordId === recordId)
        .map((e) => getAddress(e.reader)),
    );
    await this.lock(async () => {
      const queued = new Set(
        this.ctx.queue
          .entries()
          .filter((e) => (e.kind === "authorize" || e.kind === "revoke") && e.meta.parent === entry.nonce)
          .map((e) => `${e.kind}:${e.meta.reader as string}`),
      );
      const keyring = keyrings.keyring(epr);
      const followUp = async (kind: "authorize" | "revoke", reader: string) => {
        if (queued.has(`${kind}:${reader}`)) return;
        await this.ctx.queue.enqueue({
          kind,
          to: epr,
          data: eprInterface.encodeFunctionData(kind, [recordId, reader]),
          gasLimit: kind === "authorize" ? this.ctx.gas.authorize : this.ctx.gas.revoke,
          meta: { epr, recordId: Number(recordId), reader, parent: entry.nonce },
        });
      };
      for (const reader of readers) {
        const stillReader = keyring.isReader(reader);
        if (authorized.has(getAddress(reader))) {
          if (stillReader) this.ctx.state.addAuthorization(epr, reader, Number(recordId));
          else await followUp("revoke", reader);
        } else if (stillReader) {
          await followUp("authorize", reader);
          this.ctx.state.addAuthorization(epr, reader, Number(recordId));
        }
      }
      await this.ctx.state.save();
    });
  }
}
