/**
 * The round keys of secure aggregation: an owner's account, where secrets come from, and the check
 * of a stage-1 message (its signature recovers to the owner's account, its keys are points), which
 * both every owner and the DA run on every advertised key.
 */
import { publicKeyOf, recoverMessageSigner } from "../../crypto/secp256k1";
import { SecAggMessageError } from "../errors";
import { keysStatement, readKeys, type KeysMessage } from "./messages";
import type { CheckedSession } from "./session";

/** An owner's account: what signs its keys (an ethers `Wallet` or `HDNodeWallet` is one). */
export interface SecAggAccount {
  readonly address: string;
  readonly privateKey: string;
}

/** Where the round's secrets come from (default: the OS's CSPRNG). Tests pass a seeded one. */
export type RandomBytes = (length: number) => Uint8Array;

/** A valid secp256k1 secret key from `random` (rejection: a draw is invalid with probability ~2^-128). */
export function secretKeyFrom(random: RandomBytes): Uint8Array {
  for (;;) {
    const key = random(32);
    try {
      publicKeyOf(key);
      return key;
    } catch {
      // out of range: draw again
    }
  }
}

/** Checks a stage-1 message's signature against the owner's account; returns its keys. */
export function verifyKeys(session: CheckedSession, bytes: Uint8Array, from: number): KeysMessage {
  const m = readKeys(bytes, from);
  if (m.owner >= session.owners) throw new SecAggMessageError(m.owner, "keys", `no such owner (n = ${session.owners})`);
  const statement = keysStatement(session.task, session.round, m.owner, m.encryptionKey, m.maskingKey);
  let signer: string;
  try {
    signer = recoverMessageSigner(statement, `0x${Buffer.from(m.signature).toString("hex")}`);
  } catch (error) {
    throw new SecAggMessageError(m.owner, "keys", `the signature is malformed (${(error as Error).message})`);
  }
  if (signer.toLowerCase() !== session.addresses[m.owner].toLowerCase())
    throw new SecAggMessageError(
      m.owner,
      "keys",
      `signed by ${signer}, not by its account ${session.addresses[m.owner]}`,
    );
  for (const [name, key] of [
    ["encryption", m.encryptionKey],
    ["masking", m.maskingKey],
  ] as const) {
    if (key[0] !== 0x04) throw new SecAggMessageError(m.owner, "keys", `its ${name} key is not an uncompressed point`);
  }
  return m;
}
