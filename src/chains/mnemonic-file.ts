import { randomBytes } from "node:crypto";
import path from "node:path";
import { Mnemonic } from "ethers";
import { writeFileAtomicSync } from "../io/atomic-write";
import { MNEMONIC_FILE_ENV, SYSTEM_ROLES, systemWallet } from "./accounts";
import { MnemonicFileError } from "./errors";

/** Where `accounts:new` writes the mnemonic unless told otherwise, relative to the project. */
export const DEFAULT_MNEMONIC_FILE = path.join(".commchain", "mnemonic");

/** Phrase lengths BIP-39 defines that commchain writes: 128 or 256 bits of entropy. */
export const MNEMONIC_WORDS = [12, 24] as const;

/** What {@link writeNewMnemonic} wrote. */
export interface NewMnemonic {
  file: string;
  words: number;
  /** The system accounts of the new phrase, which must be funded on a real chain. */
  systemAccounts: { role: string; address: string }[];
}

/**
 * Writes a fresh BIP-39 mnemonic (entropy from node:crypto) to `file`, mode 0600 from its creation
 * (the temporary file is opened with it and renamed or linked into place, so the phrase is never
 * a moment readable by others; a umask can only drop bits), atomically, and never over an existing file unless
 * `force`: an overwritten phrase is every key of a deployment lost.
 */
export function writeNewMnemonic(file: string, options: { words?: number; force?: boolean } = {}): NewMnemonic {
  const words = options.words ?? 12;
  if (!(MNEMONIC_WORDS as readonly number[]).includes(words))
    throw new MnemonicFileError(file, `--words must be 12 or 24, not ${words}`);
  const phrase = Mnemonic.fromEntropy(randomBytes(words === 12 ? 16 : 32)).phrase;
  const target = path.resolve(file);
  try {
    writeFileAtomicSync(target, `${phrase}\n`, { mode: 0o600, exclusive: options.force !== true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new MnemonicFileError(
        target,
        "exists already; it may hold the keys of a deployment: move it away, or pass --force to replace it",
      );
    }
    throw error;
  }
  return {
    file: target,
    words,
    systemAccounts: SYSTEM_ROLES.map((role) => ({ role, address: systemWallet(role, phrase).address })),
  };
}

/** The instructions `accounts:new` prints after writing the file. */
export function newMnemonicHelp(result: NewMnemonic): string {
  return [
    `wrote a new ${result.words}-word mnemonic to ${result.file} (mode 0600); back it up offline: it is every key of the deployment`,
    "use it for every commchain command with:",
    `  export ${MNEMONIC_FILE_ENV}=${result.file}`,
    "fund these system accounts on each real chain before deploy:all (devices get theirs from the partition order):",
    ...result.systemAccounts.map((a) => `  ${a.role.padEnd(9)} ${a.address}`),
  ].join("\n");
}
