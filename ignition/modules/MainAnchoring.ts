/**
 * Ignition module `MainAnchoring`: the AnchorHub of the main chain, administered by the deployer
 * (system account 0, who registers each community's trust root), with the `relayer` system
 * account allowed to anchor checkpoints (`RELAYER_ROLE`); and CoalitionRewards, the consensus
 * reward of the miners' coalition game (IoT consensus paper §3.3), whose rounds the deployer
 * opens (`ROUND_ROLE`). Accounts are Ignition's account list in
 * `SYSTEM_ROLES` order, as `deploy:all` and `--network main` give them.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { MAIN_ANCHORING_MODULE_ID } from "./defaults";
import { systemAccountIndex } from "./system-accounts";

/** Builds the `MainAnchoring` module. */
export function mainAnchoringModule() {
  return buildModule(MAIN_ANCHORING_MODULE_ID, (m) => {
    const admin = m.getAccount(systemAccountIndex("deployer"));
    const relayer = m.getAccount(systemAccountIndex("relayer"));
    const AnchorHub = m.contract("AnchorHub", [admin]);
    const relayerRole = m.staticCall(AnchorHub, "RELAYER_ROLE");
    m.call(AnchorHub, "grantRole", [relayerRole, relayer], { id: "grantRelayerToRelayer" });
    const CoalitionRewards = m.contract("CoalitionRewards", [admin]);
    const roundRole = m.staticCall(CoalitionRewards, "ROUND_ROLE");
    m.call(CoalitionRewards, "grantRole", [roundRole, admin], { id: "grantRoundToDeployer" });
    return { AnchorHub, CoalitionRewards };
  });
}

/** The module, for `hre.ignition.deploy(MainAnchoring)`. */
export default mainAnchoringModule();
