/**
 * The bytes of every secure-aggregation message, DO → DA and DA → DO. Messages cross as bytes
 * (counted per owner per round), so the DA sees exactly what an honest-but-curious server of a
 * real deployment would see. A message is a tag byte then big-endian fields; a reader rejects a
 * wrong tag, a short or over-long message with `SecAggMessageError`, naming the owner it came from.
 *
 *   1 keys        u:u16 c_pk:65 s_pk:65 sig:65           DO → DA, stage 1
 *   2 key list    count:u16 (keys message)*count        DA → every DO
 *   3 shares      u:u16 count:u16 (v:u16 len:u16 ECIES)*  DO → DA, stage 2 (one ciphertext per other owner)
 *   4 inbox       count:u16 (u:u16 len:u16 ECIES)*        DA → v: the ciphertexts addressed to v
 *   5 masked      u:u16 words:u32 y:4·words               DO → DA, stage 3
 *   7 request     count:u16 (u:u16)* count:u16 (u:u16)*  DA → DO, stage 4: b-shares of U2 (who sent input), s-shares of the rest
 *   8 unmask      u:u16 count:u16 (v:u16 share)* count:u16 (v:u16 share)*   DO → DA, stage 4
 *
 *   9 share pair  u:u16 v:u16 round:u32 s-share b-share  inside a stage-2 ciphertext (a share is a key + 1 byte)
 */
import { SecAggMessageError } from "../errors";

export const Tag = {
  Keys: 1,
  KeyList: 2,
  Shares: 3,
  Inbox: 4,
  Masked: 5,
  Request: 7,
  Unmask: 8,
  /** The plaintext inside a stage-2 ciphertext. */
  SharePair: 9,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

export const POINT_BYTES = 65;
export const SIGNATURE_BYTES = 65;
/** A Shamir share of a 32-byte secret: the bytes plus the x coordinate. */
export const SHARE_BYTES = 33;
export const KEYS_BYTES = 1 + 2 + POINT_BYTES * 2 + SIGNATURE_BYTES;

/** Appends fields to a growing buffer. */
export class Writer {
  private bytes = new Uint8Array(256);
  private length = 0;

  constructor(tag: Tag) {
    this.u8(tag);
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  u8(x: number): this {
    this.room(1);
    this.bytes[this.length++] = x;
    return this;
  }

  u16(x: number): this {
    this.room(2);
    this.bytes[this.length++] = x >>> 8;
    this.bytes[this.length++] = x & 0xff;
    return this;
  }

  u32(x: number): this {
    this.room(4);
    new DataView(this.bytes.buffer).setUint32(this.length, x);
    this.length += 4;
    return this;
  }

  raw(data: Uint8Array): this {
    this.room(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** A u16 length, then the bytes. */
  chunk(data: Uint8Array): this {
    return this.u16(data.length).raw(data);
  }

  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Reads fields back, throwing `SecAggMessageError` (naming `owner` and `stage`) on anything amiss. */
export class Reader {
  private at = 1;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    tag: Tag,
    readonly owner: number,
    readonly stage: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    if (bytes.length === 0 || bytes[0] !== tag)
      this.fail(`expected a message of tag ${tag}, got ${bytes.length === 0 ? "no bytes" : `tag ${bytes[0]}`}`);
  }

  fail(reason: string): never {
    throw new SecAggMessageError(this.owner, this.stage, reason);
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length)
      this.fail(`truncated: ${n} more byte(s) needed at offset ${this.at} of ${this.bytes.length}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.at++];
  }

  u16(): number {
    this.need(2);
    const x = this.view.getUint16(this.at);
    this.at += 2;
    return x;
  }

  u32(): number {
    this.need(4);
    const x = this.view.getUint32(this.at);
    this.at += 4;
    return x;
  }

  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  chunk(): Uint8Array {
    return this.raw(this.u16());
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.at !== this.bytes.length) this.fail(`${this.bytes.length - this.at} trailing byte(s)`);
  }
}

/** A stage-1 message: an owner's encryption and masking public keys, signed by its account. */
export interface KeysMessage {
  owner: number;
  encryptionKey: Uint8Array;
  maskingKey: Uint8Array;
  signature: Uint8Array;
}

export function writeKeys(m: KeysMessage): Uint8Array {
  return new Writer(Tag.Keys).u16(m.owner).raw(m.encryptionKey).raw(m.maskingKey).raw(m.signature).done();
}

export function readKeys(bytes: Uint8Array, from: number): KeysMessage {
  const r = new Reader(bytes, Tag.Keys, from, "keys");
  const m = {
    owner: r.u16(),
    encryptionKey: r.raw(POINT_BYTES),
    maskingKey: r.raw(POINT_BYTES),
    signature: r.raw(SIGNATURE_BYTES),
  };
  r.end();
  return m;
}

/** What an owner's account signs in stage 1: the keys bound to the task, the round and the owner. */
export function keysStatement(task: string, round: number, owner: number, c: Uint8Array, s: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode(`commchain/secagg/keys|${task}|${round}|${owner}|`);
  const out = new Uint8Array(label.length + c.length + s.length);
  out.set(label);
  out.set(c, label.length);
  out.set(s, label.length + c.length);
  return out;
}

export function writeKeyList(keys: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(Tag.KeyList).u16(keys.length);
  for (const k of keys) w.raw(k);
  return w.done();
}

export function readKeyList(bytes: Uint8Array, reader: number): Uint8Array[] {
  const r = new Reader(bytes, Tag.KeyList, reader, "key list");
  const count = r.u16();
  const keys = Array.from({ length: count }, () => r.raw(KEYS_BYTES));
  r.end();
  return keys;
}

/** Ciphertexts between owners: to (stage 2) or from (inbox) each `peer`. */
export interface Addressed {
  peer: number;
  ciphertext: Uint8Array;
}

export function writeShares(owner: number, out: readonly Addressed[]): Uint8Array {
  const w = new Writer(Tag.Shares).u16(owner).u16(out.length);
  for (const { peer, ciphertext } of out) w.u16(peer).chunk(ciphertext);
  return w.done();
}

export function readShares(bytes: Uint8Array, from: number): { owner: number; out: Addressed[] } {
  const r = new Reader(bytes, Tag.Shares, from, "shares");
  const owner = r.u16();
  const out = Array.from({ length: r.u16() }, () => ({ peer: r.u16(), ciphertext: r.chunk() }));
  r.end();
  return { owner, out };
}

export function writeInbox(inbox: readonly Addressed[]): Uint8Array {
  const w = new Writer(Tag.Inbox).u16(inbox.length);
  for (const { peer, ciphertext } of inbox) w.u16(peer).chunk(ciphertext);
  return w.done();
}

export function readInbox(bytes: Uint8Array, reader: number): Addressed[] {
  const r = new Reader(bytes, Tag.Inbox, reader, "inbox");
  const inbox = Array.from({ length: r.u16() }, () => ({ peer: r.u16(), ciphertext: r.chunk() }));
  r.end();
  return inbox;
}

/** The plaintext of a stage-2 ciphertext: u's shares of its two secrets for v. */
export interface SharePair {
  from: number;
  to: number;
  round: number;
  maskingShare: Uint8Array;
  selfMaskShare: Uint8Array;
}

export function writeSharePair(p: SharePair): Uint8Array {
  return new Writer(Tag.SharePair).u16(p.from).u16(p.to).u32(p.round).raw(p.maskingShare).raw(p.selfMaskShare).done();
}

export function readSharePair(bytes: Uint8Array, sender: number): SharePair {
  const r = new Reader(bytes, Tag.SharePair, sender, "share ciphertext");
  const p = {
    from: r.u16(),
    to: r.u16(),
    round: r.u32(),
    maskingShare: r.raw(SHARE_BYTES),
    selfMaskShare: r.raw(SHARE_BYTES),
  };
  r.end();
  return p;
}

export function writeMasked(owner: number, words: Uint32Array): Uint8Array {
  const w = new Writer(Tag.Masked).u16(owner).u32(words.length);
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i], true);
  return w.raw(bytes).done();
}

export function readMasked(bytes: Uint8Array, from: number): { owner: number; words: Uint32Array } {
  const r = new Reader(bytes, Tag.Masked, from, "masked input");
  const owner = r.u16();
  const count = r.u32();
  const raw = r.raw(count * 4);
  r.end();
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = view.getUint32(i * 4, true);
  return { owner, words };
}

function writeOwners(w: Writer, owners: readonly number[]): Writer {
  w.u16(owners.length);
  for (const u of owners) w.u16(u);
  return w;
}

function readOwners(r: Reader): number[] {
  return Array.from({ length: r.u16() }, () => r.u16());
}

/** Stage 4's request: the self-mask shares of the owners who sent input, the masking-key shares of those who did not. */
export interface UnmaskRequest {
  selfMaskOf: number[];
  maskingKeyOf: number[];
}

export function writeRequest(q: UnmaskRequest): Uint8Array {
  return writeOwners(writeOwners(new Writer(Tag.Request), q.selfMaskOf), q.maskingKeyOf).done();
}

export function readRequest(bytes: Uint8Array, reader: number): UnmaskRequest {
  const r = new Reader(bytes, Tag.Request, reader, "unmask request");
  const q = { selfMaskOf: readOwners(r), maskingKeyOf: readOwners(r) };
  r.end();
  return q;
}

export interface OwnerShare {
  of: number;
  share: Uint8Array;
}

/** Stage 4's answer of owner `owner`. */
export interface UnmaskMessage {
  owner: number;
  selfMask: OwnerShare[];
  maskingKey: OwnerShare[];
}

export function writeUnmask(m: UnmaskMessage): Uint8Array {
  const w = new Writer(Tag.Unmask).u16(m.owner);
  for (const list of [m.selfMask, m.maskingKey]) {
    w.u16(list.length);
    for (const { of, share } of list) w.u16(of).raw(share);
  }
  return w.done();
}

export function readUnmask(bytes: Uint8Array, from: number): UnmaskMessage {
  const r = new Reader(bytes, Tag.Unmask, from, "unmask");
  const owner = r.u16();
  const list = () => Array.from({ length: r.u16() }, () => ({ of: r.u16(), share: r.raw(SHARE_BYTES) }));
  const m = { owner, selfMask: list(), maskingKey: list() };
  r.end();
  return m;
}
