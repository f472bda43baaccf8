import { SYSTEM_ROLES, type SystemRole } from "../../src/chains/accounts";

/**
 * Ignition's account index of a system role. The modules of this folder are deployed with the
 * system accounts as Ignition's account list, in `SYSTEM_ROLES` order: `deploy:all` passes them
 * so, and every chain's Hardhat network (`--network main`, `--network community-1`) lists them so.
 */
export function systemAccountIndex(role: SystemRole): number {
  return SYSTEM_ROLES.indexOf(role);
}
