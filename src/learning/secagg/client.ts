/**
 * A data owner's side of secure aggregation (Bonawitz et al. 2017, double masking, in the four
 * stages of Flower's SecAgg+ with every owner a neighbour of every other):
 *
 * 1. `advertiseKeys`: fresh secp256k1 key pairs c (encryption) and s (masking) for this round,
 *    signed by the owner's account.
 * 2. `shareKeys`: checks every owner's signed keys, then Shamir-splits its s^SK and its self-mask
 *    seed b among them (t shares recover each) and ECIES-encrypts each owner's pair of shares to
 *    that owner's c^PK; the DA relays ciphertexts it cannot read.
 * 3. `maskInput`: y = x + PRG(b) + Σ_{v>u} PRG(s_uv) − Σ_{v<u} PRG(s_uv) mod 2^32, over the owners
 *    whose shares reached it.
 * 4. `unmask`: the b-shares of the owners who sent input, the s-shares of those who did not —
 *    never both of one owner (`SecAggBothSharesRequestedError`): with both the DA would strip every
 *    mask off that owner's y and read its x.
 *
 * The secrets never leave this object except as shares; x enters only `maskInput`.
 */
import { randomBytes } from "node:crypto";
import { eciesDecrypt, eciesEncrypt } from "../../crypto/ecies";
import { splitKey } from "../../crypto/key-shares";
import { publicKeyOf, signMessageWith } from "../../crypto/secp256k1";
import { secretKeyFrom, verifyKeys, type RandomBytes, type SecAggAccount } from "./keys";
import {
  LearningConfigError,
  SecAggBothSharesRequestedError,
  SecAggMessageError,
  SecAggTooFewSurvivorsError,
} from "../errors";
import { addWords, subtractWords } from "./encoding";
import {
  keysStatement,
  readInbox,
  readKeyList,
  readRequest,
  readSharePair,
  writeKeys,
  writeMasked,
  writeSharePair,
  writeShares,
  writeUnmask,
  type KeysMessage,
  type OwnerShare,
} from "./messages";
import { maskWords, pairSeed, SEED_BYTES } from "./prg";
import { checkSession, type CheckedSession, type SecAggSession } from "./session";

export class SecAggClient {
  private readonly session: CheckedSession;
  private readonly encryptionSecret: Uint8Array;
  private readonly maskingSecret: Uint8Array;
  private readonly selfMaskSeed: Uint8Array;
  /** Keys of the owners in the DA's key list (U1), by owner. */
  private peers = new Map<number, KeysMessage>();
  /** The shares other owners gave this one (and its own), by owner. */
  private readonly held = new Map<number, { maskingShare: Uint8Array; selfMaskShare: Uint8Array }>();
  private stage: "keys" | "shares" | "input" | "unmask" | "done" = "keys";

  constructor(
    readonly owner: number,
    private readonly account: SecAggAccount,
    session: SecAggSession,
    random: RandomBytes = defaultRandom,
  ) {
    this.session = checkSession(session);
    if (!(Number.isSafeInteger(owner) && owner >= 0 && owner < this.session.owners))
      throw new LearningConfigError("owner", `must be an owner index in [0, ${this.session.owners}), got ${owner}`);
    if (account.address.toLowerCase() !== this.session.addresses[owner].toLowerCase())
      throw new LearningConfigError(
        "account",
        `${account.address} is not owner ${owner}'s ${this.session.addresses[owner]}`,
      );
    this.encryptionSecret = secretKeyFrom(random);
    this.maskingSecret = secretKeyFrom(random);
    this.selfMaskSeed = random(SEED_BYTES);
  }

  private enter(expected: SecAggClient["stage"], next: SecAggClient["stage"]): void {
    if (this.stage !== expected)
      throw new SecAggMessageError(
        this.owner,
        expected,
        `out of order: owner ${this.owner} is at stage "${this.stage}"`,
      );
    this.stage = next;
  }

  /** Stage 1: this round's public keys, signed by the account. */
  advertiseKeys(): Uint8Array {
    this.enter("keys", "shares");
    const encryptionKey = publicKeyOf(this.encryptionSecret);
    const maskingKey = publicKeyOf(this.maskingSecret);
    const statement = keysStatement(this.session.task, this.session.round, this.owner, encryptionKey, maskingKey);
    const signature = Buffer.from(signMessageWith(this.account.privateKey, statement).slice(2), "hex");
    return writeKeys({ owner: this.owner, encryptionKey, maskingKey, signature });
  }

  /** Stage 2: checks the DA's key list, then one ciphertext of shares per other owner in it. */
  async shareKeys(keyList: Uint8Array): Promise<Uint8Array> {
    this.enter("shares", "input");
    const entries = readKeyList(keyList, this.owner);
    for (const bytes of entries) {
      const m = verifyKeys(this.session, bytes, this.owner);
      if (this.peers.has(m.owner)) throw new SecAggMessageError(m.owner, "key list", "listed twice");
      this.peers.set(m.owner, m);
    }
    const own = this.peers.get(this.owner);
    if (own === undefined || Buffer.compare(own.maskingKey, publicKeyOf(this.maskingSecret)) !== 0)
      throw new SecAggMessageError(this.owner, "key list", "the DA's list leaves out or replaces this owner's keys");
    if (this.peers.size < this.session.threshold)
      throw new SecAggTooFewSurvivorsError(this.session.round, this.peers.size, this.session.threshold);
    const listed = [...this.peers.keys()].sort((a, b) => a - b);
    // t shares recover each secret; key-shares counts t as the shares that reveal nothing.
    const maskingShares = await splitKey(this.maskingSecret, listed.length, this.session.threshold - 1);
    const selfMaskShares = await splitKey(this.selfMaskSeed, listed.length, this.session.threshold - 1);
    const out = [];
    for (const [i, v] of listed.entries()) {
      const pair = { maskingShare: maskingShares[i], selfMaskShare: selfMaskShares[i] };
      if (v === this.owner) {
        this.held.set(v, pair);
        continue;
      }
      const plaintext = writeSharePair({ from: this.owner, to: v, round: this.session.round, ...pair });
      out.push({ peer: v, ciphertext: eciesEncrypt(this.peers.get(v)!.encryptionKey, plaintext) });
    }
    return writeShares(this.owner, out);
  }

  /** Stage 3: the masked input, from the ciphertexts the DA relayed to this owner and the encoded input. */
  maskInput(inbox: Uint8Array, input: Uint32Array): Uint8Array {
    this.enter("input", "unmask");
    if (input.length !== this.session.dimension)
      throw new LearningConfigError(
        "input",
        `has ${input.length} words, the session's dimension is ${this.session.dimension}`,
      );
    for (const { peer, ciphertext } of readInbox(inbox, this.owner)) {
      if (!this.peers.has(peer) || peer === this.owner || this.held.has(peer))
        throw new SecAggMessageError(peer, "inbox", "not a listed other owner, or already heard from");
      let plaintext: Uint8Array;
      try {
        plaintext = eciesDecrypt(this.encryptionSecret, ciphertext);
      } catch (error) {
        throw new SecAggMessageError(peer, "inbox", `its ciphertext does not decrypt (${(error as Error).message})`);
      }
      const pair = readSharePair(plaintext, peer);
      if (pair.from !== peer || pair.to !== this.owner || pair.round !== this.session.round)
        throw new SecAggMessageError(peer, "inbox", `the shares are of ${pair.from} → ${pair.to}, round ${pair.round}`);
      this.held.set(peer, pair);
    }
    const y = Uint32Array.from(input);
    addWords(y, maskWords(this.selfMaskSeed, y.length));
    // Pairwise masks only with owners whose shares arrived: the DA masks with the same set.
    for (const v of this.held.keys()) {
      if (v === this.owner) continue;
      const seed = pairSeed(
        this.maskingSecret,
        this.peers.get(v)!.maskingKey,
        this.session.task,
        this.session.round,
        this.owner,
        v,
      );
      (v > this.owner ? addWords : subtractWords)(y, maskWords(seed, y.length));
    }
    return writeMasked(this.owner, y);
  }

  /** Stage 4: the shares the DA asks for, unless it asks for both of one owner or too few sent input. */
  unmask(requestBytes: Uint8Array): Uint8Array {
    this.enter("unmask", "done");
    const request = readRequest(requestBytes, this.owner);
    const selfMaskOf = new Set(request.selfMaskOf);
    for (const v of request.maskingKeyOf) if (selfMaskOf.has(v)) throw new SecAggBothSharesRequestedError(v);
    if (selfMaskOf.size < this.session.threshold)
      throw new SecAggTooFewSurvivorsError(this.session.round, selfMaskOf.size, this.session.threshold);
    const pick = (owners: readonly number[], field: "maskingShare" | "selfMaskShare"): OwnerShare[] =>
      owners.map((v) => {
        const held = this.held.get(v);
        if (held === undefined)
          throw new SecAggMessageError(v, "unmask request", `owner ${this.owner} holds no share of it`);
        return { of: v, share: held[field] };
      });
    if (!selfMaskOf.has(this.owner))
      throw new SecAggMessageError(
        this.owner,
        "unmask request",
        "this owner sent its input but is not listed as having sent it",
      );
    return writeUnmask({
      owner: this.owner,
      selfMask: pick(request.selfMaskOf, "selfMaskShare"),
      maskingKey: pick(request.maskingKeyOf, "maskingShare"),
    });
  }
}

function defaultRandom(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}
