/**
 * Errors of the chain runtime. Every error names the input that is wrong (file, key, chain, port)
 * and what is wrong with it, so a user can act on the message alone.
 */

import { CommchainError } from "../errors";
import { NODE_SIGNING_METHODS } from "./node-signing";

/** Base class of every error raised by `src/chains`. */
export class ChainError extends CommchainError {}

/** topology.json is missing, does not parse, or a key holds a bad value. */
export class TopologyError extends ChainError {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}: ${key === "" ? "" : `${key}: `}${problem}`);
  }
}

/**
 * A chain does not answer: connection refused or reset, DNS failure, timeout, a reply that is not
 * JSON-RPC, or another chain on its port. Every layer that reaches a chain raises this one class:
 * the IoT queue treats it as an outage and retries, `records:send` and `deploy:all` stop and say
 * how to go on (`advice`).
 */
export class ChainUnreachableError extends ChainError {
  /** The chain's name in the topology, when the caller knows it. */
  readonly chain?: string;
  /** What to do about it, e.g. which task to run again. */
  readonly advice?: string;

  constructor(
    readonly rpc: string,
    readonly problem: string,
    options: { chain?: string; advice?: string; cause?: unknown } = {},
  ) {
    const where = options.chain === undefined ? `at ${rpc}` : `${options.chain} (${rpc})`;
    super(`chain ${where} is down: ${problem}${options.advice === undefined ? "" : `; ${options.advice}`}`, {
      cause: options.cause,
    });
    this.chain = options.chain;
    this.advice = options.advice;
  }

  /** The RPC URL (the IoT transport's name for it). */
  get endpoint(): string {
    return this.rpc;
  }

  /** What went wrong (the IoT transport's name for it). */
  get reason(): string {
    return this.problem;
  }
}

/** The partition file given to `chains:up` cannot be used to plan chains. */
export class PartitionFileError extends ChainError {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}: ${key === "" ? "" : `${key}: `}${problem}`);
  }
}

/** Chain data left in a directory that has no topology.json, which a new topology must not overwrite. */
export class StaleChainDataError extends ChainError {
  constructor(
    readonly file: string,
    readonly topologyFile: string,
  ) {
    super(
      `${file} exists but ${topologyFile} does not: chain data of an earlier run; remove its directory or use another --dir`,
    );
  }
}

/** A chain's port is already taken by a process that is not that chain. */
export class PortInUseError extends ChainError {
  constructor(
    readonly port: number,
    readonly chain: string,
  ) {
    super(`port ${port} of chain ${chain} is already in use on 127.0.0.1 (by a process that is not ${chain})`);
  }
}

/** A chain process exited or did not answer in time; the message carries the tail of its log. */
export class ChainStartError extends ChainError {
  constructor(
    readonly chain: string,
    readonly logFile: string | undefined,
    readonly problem: string,
  ) {
    super(`chain ${chain} failed to start: ${problem}${logFile === undefined ? "" : ` (log: ${logFile})`}`);
  }
}

/** An external chain is unreachable or answers with another chain id than the topology says. */
export class ExternalChainError extends ChainError {
  constructor(
    readonly chain: string,
    readonly rpc: string,
    readonly problem: string,
  ) {
    super(`external chain ${chain} at ${rpc}: ${problem}`);
  }
}

/** The block journal of a chain is corrupt somewhere other than a torn last line. */
export class JournalError extends ChainError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** A second writer of a chain journal: another live process holds its lock file. */
export class JournalLockedError extends ChainError {
  constructor(
    readonly file: string,
    readonly lockFile: string,
    readonly pid: number | undefined,
  ) {
    super(
      `${file} is locked by ${pid === undefined ? "another process" : `process ${pid}`} (${lockFile}): one process at a time runs a chain; ` +
        "stop that one first (chains:down), or remove the lock file if that pid is not a chain process",
    );
  }
}

/**
 * A journal append that did not reach the disk (ENOSPC, EIO). The request that mined the block
 * fails and the chain takes no more requests: it must be restarted, and replays the journal,
 * which holds nothing the failed request mined.
 */
export class JournalWriteError extends ChainError {
  readonly code = -32603;
  readonly _isProviderError = true;
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(
      `${file}: appending a block failed (${(cause as NodeJS.ErrnoException).code ?? cause.message}): nothing of this request was acknowledged; ` +
        "the chain refuses further requests until it is restarted (chains:down, free the disk, chains:up)",
      { cause },
    );
  }
}

/** Replaying the journal produced a block that differs from the journaled one. */
export class ReplayMismatchError extends ChainError {
  constructor(
    readonly file: string,
    readonly blockNumber: number,
    readonly field: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `${file}: replaying block ${blockNumber} gave ${field} ${actual}, the journal has ${expected}; ` +
        "the chain's genesis, mnemonic or Hardhat version changed since the block was mined",
    );
  }
}

/** The genesis file of a chain is missing, malformed, or does not match the project mnemonic. */
export class GenesisError extends ChainError {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}: ${key === "" ? "" : `${key}: `}${problem}`);
  }
}

/** A device id is not in the device list accounts are derived from. */
export class UnlistedDeviceError extends ChainError {
  constructor(readonly deviceId: string) {
    super(`device ${JSON.stringify(deviceId)} is not in the partition's device list (graph.nodes)`);
  }
}

/** A system role has no account. */
export class UnknownRoleError extends ChainError {
  constructor(
    readonly role: string,
    readonly known: readonly string[],
  ) {
    super(`system role ${JSON.stringify(role)} is unknown; the roles are ${known.join(", ")}`);
  }
}

/** A participant account was asked for with an unknown kind or a community number that is not ≥ 1. */
export class UnknownParticipantError extends ChainError {
  constructor(
    readonly kind: string,
    readonly community: number,
    readonly problem: string,
  ) {
    super(`participant ${JSON.stringify(kind)} of community ${community}: ${problem}`);
  }
}

/**
 * The public development mnemonic was about to be used where its keys could hold value: an
 * external chain, or a chain `chains:up` did not create.
 */
export class DevelopmentMnemonicError extends ChainError {
  constructor(readonly problem: string) {
    super(
      `${problem}, and no project mnemonic is set: the development mnemonic is public, so anyone could take its accounts there. ` +
        "Create your own with `npx hardhat accounts:new` (writes .commchain/mnemonic, mode 0600), then set " +
        'COMMCHAIN_MNEMONIC_FILE=.commchain/mnemonic (or COMMCHAIN_MNEMONIC="<the 12 or 24 words>") and fund the new accounts',
    );
  }
}

/** COMMCHAIN_MNEMONIC_FILE names a file that cannot be used. */
export class MnemonicFileError extends ChainError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file} (COMMCHAIN_MNEMONIC_FILE): ${problem}`);
  }
}

/** COMMCHAIN_MNEMONIC is set but is not a valid BIP-39 phrase. */
export class MnemonicError extends ChainError {
  constructor(readonly source: string) {
    super(`${source} is not a valid BIP-39 mnemonic`);
  }
}

/**
 * A JSON-RPC method a persistent chain refuses: one it cannot journal, or one that would sign with
 * a key the node holds. It carries `code` and the flag Hardhat's JSON-RPC server uses to recognise
 * provider errors, so clients get this message and code rather than a generic internal error.
 */
export class RefusedMethodError extends ChainError {
  /** EIP-1474 "method not supported". */
  readonly code = -32004;
  readonly _isProviderError = true;
  constructor(
    readonly method: string,
    readonly chain: string,
  ) {
    super(
      NODE_SIGNING_METHODS.has(method)
        ? `${method} is refused on persistent chain ${chain}: the node does not sign for anyone (it would be a signing oracle ` +
            "for every local process and web page); sign locally with the account's key (an ethers Wallet, COMMCHAIN_MNEMONIC) " +
            "and send eth_sendRawTransaction"
        : `${method} is refused on persistent chain ${chain}: its effect cannot be replayed from the block journal ` +
            "(snapshots, impersonation, direct state edits and manual mining modes are off on commchain chains)",
    );
  }
}

/** A `hardhat_mine` of more blocks than a persistent chain mines in one call. */
export class MineCapError extends ChainError {
  /** EIP-1474 "invalid params". */
  readonly code = -32602;
  readonly _isProviderError = true;
  constructor(
    readonly count: bigint,
    readonly cap: number,
    readonly chain: string,
  ) {
    super(
      `hardhat_mine of ${count} blocks is refused on persistent chain ${chain}: at most ${cap} blocks per call (MAX_MINE_BLOCKS); mine in several calls`,
    );
  }
}
