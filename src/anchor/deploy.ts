/**
 * Deploys a single anchor contract with a signer, for in-process test chains and benchmarks: a
 * RecordLog or an AnchorHub administered by the signer, with the given writers or relayers. The
 * chains of a topology are never set up with these: `deploy:all` deploys them with the Ignition
 * modules of `deploy/`, resumably, and records them in topology.json.
 */
import type { Signer } from "ethers";
import { AnchorHub__factory, RecordLog__factory, type AnchorHub, type RecordLog } from "../../typechain-types";

/** Deploys a RecordLog administered by `signer`, granting WRITER_ROLE to `writers`. */
export async function deployRecordLog(signer: Signer, writers: readonly string[] = []): Promise<RecordLog> {
  const log = await new RecordLog__factory(signer).deploy(await signer.getAddress());
  await log.waitForDeployment();
  const role = await log.WRITER_ROLE();
  for (const writer of writers) await (await log.grantRole(role, writer)).wait();
  return log;
}

/** Deploys an AnchorHub administered by `signer`, granting RELAYER_ROLE to `relayers`. */
export async function deployAnchorHub(signer: Signer, relayers: readonly string[] = []): Promise<AnchorHub> {
  const hub = await new AnchorHub__factory(signer).deploy(await signer.getAddress());
  await hub.waitForDeployment();
  const role = await hub.RELAYER_ROLE();
  for (const relayer of relayers) await (await hub.grantRole(role, relayer)).wait();
  return hub;
}
