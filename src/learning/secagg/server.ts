/**
 * The data analyst's side of secure aggregation. It relays signed keys and encrypted shares it
 * cannot read, collects masked inputs, asks the owners still there for the shares that cancel the
 * masks, and returns only the sum. Its inputs are bytes: masked vectors, ciphertexts, and at the
 * end the b-shares of those who sent input and the s-shares of those who did not — never an x_u,
 * never both shares of one owner. Each stage needs t owners (`SecAggTooFewSurvivorsError`).
 */
import { recoverKey } from "../../crypto/key-shares";
import { publicKeyOf } from "../../crypto/secp256k1";
import { SecAggMessageError, SecAggTooFewSurvivorsError } from "../errors";
import { addWords, subtractWords } from "./encoding";
import {
  readMasked,
  readShares,
  readUnmask,
  writeInbox,
  writeKeyList,
  writeRequest,
  type Addressed,
  type KeysMessage,
  type UnmaskMessage,
} from "./messages";
import { maskWords, pairSeed } from "./prg";
import { verifyKeys } from "./keys";
import { checkSession, type CheckedSession, type SecAggSession } from "./session";

export class SecAggServer {
  readonly session: CheckedSession;
  private readonly keys = new Map<number, { bytes: Uint8Array; message: KeysMessage }>();
  /** U1: the owners in the key list. */
  private listed: number[] | undefined;
  /** Ciphertexts waiting for each owner, and who sent shares (the owners masks are paired with). */
  private readonly inboxes = new Map<number, Addressed[]>();
  private readonly sharers = new Set<number>();
  private readonly masked = new Map<number, Uint32Array>();
  /** U2, fixed when the unmask request goes out. */
  private inputs: number[] | undefined;
  private readonly answers = new Map<number, UnmaskMessage>();

  constructor(session: SecAggSession) {
    this.session = checkSession(session);
  }

  private fail(owner: number, stage: string, reason: string): never {
    throw new SecAggMessageError(owner, stage, reason);
  }

  private atLeastT(count: number): void {
    if (count < this.session.threshold)
      throw new SecAggTooFewSurvivorsError(this.session.round, count, this.session.threshold);
  }

  /** Stage 1: an owner's signed keys (the signature is checked here too, so a forgery goes no further). */
  receiveKeys(from: number, bytes: Uint8Array): void {
    if (this.listed !== undefined) this.fail(from, "keys", "arrived after the key list went out");
    const message = verifyKeys(this.session, bytes, from);
    if (message.owner !== from) this.fail(from, "keys", `carries the keys of owner ${message.owner}`);
    if (this.keys.has(from)) this.fail(from, "keys", "sent twice");
    this.keys.set(from, { bytes, message });
  }

  /** Stage 1 → 2: the list of every owner's signed keys, the same for all. */
  keyList(): Uint8Array {
    this.atLeastT(this.keys.size);
    this.listed = [...this.keys.keys()].sort((a, b) => a - b);
    return writeKeyList(this.listed.map((u) => this.keys.get(u)!.bytes));
  }

  /** Stage 2: an owner's ciphertexts, one for each other listed owner. */
  receiveShares(from: number, bytes: Uint8Array): void {
    const listed = this.listed ?? this.fail(from, "shares", "arrived before the key list");
    if (!this.keys.has(from)) this.fail(from, "shares", "is not in the key list");
    if (this.sharers.has(from)) this.fail(from, "shares", "sent twice");
    if (this.masked.size > 0) this.fail(from, "shares", "arrived after masked inputs");
    const { owner, out } = readShares(bytes, from);
    if (owner !== from) this.fail(from, "shares", `claims to come from owner ${owner}`);
    const peers = out.map((a) => a.peer).sort((a, b) => a - b);
    const expected = listed.filter((v) => v !== from);
    if (peers.length !== expected.length || peers.some((v, i) => v !== expected[i]))
      this.fail(from, "shares", `has ciphertexts for [${peers}], not one for each other listed owner [${expected}]`);
    for (const { peer, ciphertext } of out) {
      const inbox = this.inboxes.get(peer) ?? [];
      inbox.push({ peer: from, ciphertext });
      this.inboxes.set(peer, inbox);
    }
    this.sharers.add(from);
  }

  /** Stage 2 → 3: the ciphertexts for `to` from the owners who shared. */
  inbox(to: number): Uint8Array {
    this.atLeastT(this.sharers.size);
    return writeInbox((this.inboxes.get(to) ?? []).filter((a) => this.sharers.has(a.peer)));
  }

  /** Stage 3: an owner's masked input. */
  receiveMasked(from: number, bytes: Uint8Array): void {
    if (!this.sharers.has(from)) this.fail(from, "masked input", "this owner shared no keys");
    if (this.inputs !== undefined) this.fail(from, "masked input", "arrived after the unmask request");
    if (this.masked.has(from)) this.fail(from, "masked input", "sent twice");
    const { owner, words } = readMasked(bytes, from);
    if (owner !== from) this.fail(from, "masked input", `claims to come from owner ${owner}`);
    if (words.length !== this.session.dimension)
      this.fail(
        from,
        "masked input",
        `has ${words.length} words, the session's dimension is ${this.session.dimension}`,
      );
    this.masked.set(from, words);
  }

  /** Stage 3 → 4: b-shares of those who sent input (U2), s-shares of those who shared keys but sent none. */
  unmaskRequest(): Uint8Array {
    this.atLeastT(this.masked.size);
    this.inputs = [...this.masked.keys()].sort((a, b) => a - b);
    const sent = new Set(this.inputs);
    return writeRequest({
      selfMaskOf: this.inputs,
      maskingKeyOf: [...this.sharers].filter((v) => !sent.has(v)).sort((a, b) => a - b),
    });
  }

  /** Stage 4: an owner's shares. */
  receiveUnmask(from: number, bytes: Uint8Array): void {
    const inputs = this.inputs ?? this.fail(from, "unmask", "arrived before the unmask request");
    if (!inputs.includes(from)) this.fail(from, "unmask", "this owner sent no masked input");
    if (this.answers.has(from)) this.fail(from, "unmask", "sent twice");
    const m = readUnmask(bytes, from);
    if (m.owner !== from) this.fail(from, "unmask", `claims to come from owner ${m.owner}`);
    this.answers.set(from, m);
  }

  /** U2: the owners whose input is in the sum. */
  get contributors(): number[] {
    return [...(this.inputs ?? [])];
  }

  /** U3: the owners who answered the unmask request. */
  get responders(): number[] {
    return [...this.answers.keys()].sort((a, b) => a - b);
  }

  /** The sum of the contributors' inputs mod 2^32, once t owners have answered. */
  async aggregate(): Promise<Uint32Array> {
    const inputs = this.inputs ?? this.fail(-1, "aggregate", "no unmask request went out");
    this.atLeastT(this.answers.size);
    const { dimension, threshold, task, round } = this.session;
    const answers = [...this.answers.values()].slice(0, threshold);
    const sharesOf = (v: number, field: "selfMask" | "maskingKey"): Uint8Array[] =>
      answers.map(
        (a) =>
          a[field].find((s) => s.of === v)?.share ?? this.fail(a.owner, "unmask", `no ${field} share of owner ${v}`),
      );
    const sum = new Uint32Array(dimension);
    for (const u of inputs) addWords(sum, this.masked.get(u)!);
    for (const u of inputs) subtractWords(sum, maskWords(await recoverKey(sharesOf(u, "selfMask")), dimension));
    const sent = new Set(inputs);
    for (const v of [...this.sharers].filter((x) => !sent.has(x))) {
      const secret = await recoverKey(sharesOf(v, "maskingKey"));
      let publicKey: Uint8Array | undefined;
      try {
        publicKey = publicKeyOf(secret);
      } catch {
        publicKey = undefined;
      }
      if (publicKey === undefined || Buffer.compare(publicKey, this.keys.get(v)!.message.maskingKey) !== 0)
        this.fail(v, "unmask", "its masking key recovered from the shares does not match its advertised key");
      // y_u carries +PRG(s_uv) when v > u and −PRG(s_uv) when v < u: take that term back off.
      for (const u of inputs) {
        const mask = maskWords(pairSeed(secret, this.keys.get(u)!.message.maskingKey, task, round, v, u), dimension);
        (v > u ? subtractWords : addWords)(sum, mask);
      }
    }
    return sum;
  }
}
