/**
 * Deploys the anchor contracts from TypeScript (tests, scripts, the chain runtime): a RecordLog
 * per community chain, one AnchorHub on the main chain. The deploying signer becomes the
 * contract's admin and grants the given writers or relayers their role.
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
