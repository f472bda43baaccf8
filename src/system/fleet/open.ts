/**
 * Opening the fleet: one `IoTUnit` per device of the plan on its community chain, with its state
 * directory, its store, its relationship with the provider and the funding of its part orders.
 */
import path from "node:path";
import { getAddress } from "ethers";
import { DEFAULT_PART_PRICE } from "../../../ignition/modules/defaults";
import type { DeviceId } from "../../chains/topology";
import { IoTUnit, unitChainFromTopology } from "../../iot";
import { maxFires } from "../../iot/gas";
import { assertDeviceId } from "../../traffic/device-id";
import { maxPartOrders } from "../participants";
import type { FleetOptions, UnitRun } from "./model";

/** How often a unit's sender polls for the receipt of what it sent: the local chains mine at once. */
const RECEIPT_POLL_MS = 20;
/** A batch is sent when full; the delay only bounds a slow sensor, which the synthetic one is not. */
const BATCH_MAX_DELAY_MS = 60_000;

/**
 * The state directory of `device`'s unit under `stateDir`. The id is checked again although the
 * log reader and partition.json reader already did: a topology or plan built some other way must
 * not make `path.join` write a queue or keyring outside the run directory (`../../x`).
 */
export function unitStateDir(stateDir: string, device: DeviceId): string {
  return path.join(stateDir, assertDeviceId(device, `unit state directory under ${stateDir}`));
}

/**
 * How the units fund their part orders. Batches are signed (and their permits decided) well
 * before earlier ones are mined, against the allowance last seen: a permit covers every part the
 * run may order, and a new one is signed while the allowance still covers the parts one batch
 * can order.
 */
function partFunding(options: FleetOptions): { lowWater: bigint; target: bigint } {
  return {
    lowWater:
      DEFAULT_PART_PRICE *
      BigInt(maxFires(Math.min(options.readingBatch, options.readingsPerDevice), options.countThreshold)),
    target: DEFAULT_PART_PRICE * BigInt(maxPartOrders(options.readingsPerDevice, options.countThreshold)),
  };
}

/**
 * Opens every unit of the plan in parallel (each reads its chain a few times) and hands each to
 * `opened` as soon as it is open, so the caller can close those that opened even if another
 * failed to. Resolves with the units in plan order, whatever order they opened in; rejects with
 * the first failure once every unit has opened or failed.
 */
export async function openUnits(options: FleetOptions, opened: (run: UnitRun) => void): Promise<UnitRun[]> {
  const runs: UnitRun[] = [];
  // The public keys of every provider and third party: a reader that moves its identity to one of
  // these accounts gets later snapshots sealed for it.
  const participantKeys = new Map(
    options.plan.flatMap((p) => [p.provider, p.thirdParty]).map((p) => [p.address, p.publicKey]),
  );
  const funding = partFunding(options);
  const settled = await Promise.allSettled(
    options.plan.flatMap((plan) =>
      plan.devices.map(async (device) => {
        const resolved = unitChainFromTopology(options.chainsDir, device, {
          chain: plan.chain,
          mnemonic: options.mnemonic,
        });
        const epr = getAddress(options.eprs[device]);
        const unit = await IoTUnit.open({
          wallet: resolved.wallet,
          chain: resolved.rpc,
          chainId: resolved.chainId,
          contracts: resolved.contracts,
          machine: resolved.wallet.address,
          stateDir: unitStateDir(options.stateDir, device),
          batch: { size: options.readingBatch, maxDelayMs: BATCH_MAX_DELAY_MS },
          sharing: {
            store: options.stores.of(plan.chain).node.store,
            relationships: [{ epr, provider: plan.provider.publicKey }],
            readerKeyOf: (account) => participantKeys.get(account),
          },
          funding,
          queue: { pollIntervalMs: RECEIPT_POLL_MS },
        });
        const run: UnitRun = {
          device,
          chain: plan.chain,
          epr,
          unit,
          figures: {
            readings: 0,
            batches: 0,
            serviceRequests: 0,
            partOrders: 0,
            statusRecords: 0,
            authorizations: 0,
            revocations: 0,
            reverted: 0,
          },
          failures: [],
          writeMs: 0,
        };
        runs.push(run);
        opened(run);
      }),
    ),
  );
  const failed = settled.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const order = new Map(options.plan.flatMap((p) => p.devices).map((d, i) => [d, i]));
  return runs.sort((a, b) => order.get(a.device)! - order.get(b.device)!);
}
