/**
 * Registers the member devices of a community in its chain's Register: identity = device id,
 * kind Device, account = the device's wallet. Devices already registered to their account are
 * skipped, so a re-run sends nothing. The rest go in batches: state is read and gas estimated in
 * parallel, the transactions are sent back to back with consecutive nonces (one registrar
 * account, so their order is fixed) and their receipts awaited together, rather than one
 * send-and-wait round trip per device.
 */
import { ZeroAddress, type Signer } from "ethers";
import type { Register } from "../../typechain-types";
import { describeError } from "../chains/revert";
import { deviceWallet, projectMnemonic } from "../chains/accounts";
import type { ChainEntry, DeviceId, Topology } from "../chains/topology";
import { MemberRegistrationError } from "./errors";

/** `IRegister.Kind.Device`: a data contributor (paper VI.B.2, "equipment nodes"). */
export const DEVICE_KIND = 0n;

/** Devices registered per batch: reads, estimates and receipts of a batch run in parallel. */
export const MEMBER_BATCH_SIZE = 32;

/** A member device and the account its identity maps to. */
export interface MemberAccount {
  readonly id: DeviceId;
  readonly account: string;
}

/** What {@link registerMembers} did. */
export interface MemberRegistration {
  /** Devices registered now, in member order. */
  readonly registered: readonly DeviceId[];
  /** Devices that were registered already. */
  readonly already: readonly DeviceId[];
  /** Registration transactions sent. */
  readonly transactions: number;
}

/** The members of `chain` with their device accounts (`deviceWallet(id, topology)`). */
export function memberAccounts(
  chain: Pick<ChainEntry, "members">,
  topology: Pick<Topology, "devices">,
  mnemonic: string = projectMnemonic(),
): MemberAccount[] {
  return chain.members.map((id) => ({ id, account: deviceWallet(id, topology, mnemonic).address }));
}

/**
 * Registers every member not yet registered. `register` must be connected to a signer holding
 * the Register's REGISTRAR_ROLE and a provider. Throws {@link MemberRegistrationError} for a
 * device whose id or account is taken by someone else, or whose registration reverts.
 */
export async function registerMembers(
  register: Register,
  chain: string,
  members: readonly MemberAccount[],
  options: { batchSize?: number; onProgress?: (message: string) => void } = {},
): Promise<MemberRegistration> {
  const signer = register.runner as Signer | null;
  if (signer === null || signer.provider === null || typeof signer.getNonce !== "function") {
    throw new MemberRegistrationError(
      chain,
      members[0]?.id ?? "",
      "cannot be registered: the Register is not connected to a signer with a provider",
    );
  }
  const batchSize = options.batchSize ?? MEMBER_BATCH_SIZE;
  const registered: DeviceId[] = [];
  const already: DeviceId[] = [];
  let transactions = 0;
  for (let start = 0; start < members.length; start += batchSize) {
    const batch = members.slice(start, start + batchSize);
    const states = await Promise.all(batch.map((member) => memberState(register, chain, member)));
    const pending = batch.filter((_, i) => !states[i]);
    already.push(...batch.filter((_, i) => states[i]).map((member) => member.id));
    if (pending.length === 0) continue;

    const gasLimits = await Promise.all(
      pending.map((member) =>
        attempt(chain, member, register, () => register.register.estimateGas(member.id, member.account, DEVICE_KIND)),
      ),
    );
    const fees = await signer.provider.getFeeData();
    let nonce = await signer.getNonce("pending");
    const sent = [];
    for (const [i, member] of pending.entries()) {
      const overrides = {
        nonce: nonce++,
        gasLimit: gasLimits[i],
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      };
      sent.push(
        await attempt(chain, member, register, () =>
          register.register(member.id, member.account, DEVICE_KIND, overrides),
        ),
      );
      transactions += 1;
    }
    await Promise.all(sent.map((tx, i) => attempt(chain, pending[i], register, () => tx.wait())));
    registered.push(...pending.map((member) => member.id));
    options.onProgress?.(
      `registered ${registered.length + already.length}/${members.length} member devices (${registered.length} now)`,
    );
  }
  return { registered, already, transactions };
}

/** True when the member is registered to its account as a device; false when it is free to register. */
async function memberState(register: Register, chain: string, member: MemberAccount): Promise<boolean> {
  const [holder, heldId] = await Promise.all([register.addressOf(member.id), register.idOf(member.account)]);
  if (holder.toLowerCase() === member.account.toLowerCase()) {
    const kind = await register.kindOf(member.account);
    if (kind !== DEVICE_KIND)
      throw new MemberRegistrationError(
        chain,
        member.id,
        `is registered with kind ${kind}, not Device (${DEVICE_KIND})`,
      );
    return true;
  }
  if (holder !== ZeroAddress) {
    throw new MemberRegistrationError(
      chain,
      member.id,
      `is registered to ${holder}, not to its device account ${member.account} (was COMMCHAIN_MNEMONIC changed?)`,
    );
  }
  if (heldId !== "")
    throw new MemberRegistrationError(
      chain,
      member.id,
      `cannot be registered: its account ${member.account} already holds the identity ${JSON.stringify(heldId)}`,
    );
  return false;
}

async function attempt<T>(
  chain: string,
  member: MemberAccount,
  register: Register,
  action: () => Promise<T>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new MemberRegistrationError(
      chain,
      member.id,
      `could not be registered to ${member.account}: ${describeError(error, register.interface)}`,
    );
  }
}
