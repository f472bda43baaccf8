/**
 * Ignition module `CommunitySuite`: everything one community chain runs, wired.
 *
 * - the BPIIoT data-sharing contracts (paper VI.B.2) in the order their constructors need:
 *   DataToken → Summary implementation → Register(admin, summary) → EquipmentProviderRelationship
 *   implementation(register, token) → RelationshipFactory(admin, register, token, epr, rewards)
 *   → `register.setRelationshipFactory(factory)`;
 * - MaintenanceService(token, admin) (BPIIoT Table 1), paid in the DataToken; no REGISTRAR_ROLE
 *   granted, machines register themselves;
 * - RecordLog (the community's record batches, anchored on the main chain);
 * - the data market (digital-twin paper §4.2–4.6): OwnershipRegistry(DataToken, admin),
 *   StorageLedger(DataToken), DataAsset(OwnershipRegistry, admin) and
 *   DataTrade(DataToken, DataAsset, admin). Storage offers are not part of the deployment: the
 *   `cloud` account sets its own with `market:storage:offer`;
 * - federated-learning data sharing (IoT consensus paper §3.2): Reputation(admin) and
 *   AnalysisMarket(DataToken, Reputation, admin), the market holding Reputation's `UPDATER_ROLE`.
 *
 * Roles: the deployer (system account 0) is admin of everything and a registrar of the Register
 * (it registers every member device, and is the only one to give the ServiceProvider and
 * ThirdParty kinds); the RelationshipFactory mints rewards and the `minter`
 * system account mints the balances the main job seeds (DataToken `MINTER_ROLE`); the `writer`
 * system account appends record batches (RecordLog `WRITER_ROLE`); the verifiers given to
 * {@link communitySuiteModule} attest records (RelationshipFactory `VERIFIER_ROLE`). In the market,
 * the `orderer` system account sends registration batches (OwnershipRegistry `ORDERER_ROLE`), the
 * `cloud` system account audits stored data (DataAsset `AUDITOR_ROLE`), DataTrade records buyers'
 * access (DataAsset `TRADE_ROLE`) and the deployer arbitrates disputes (DataTrade `ARBITER_ROLE`,
 * which the admin may grant to others and revoke from itself).
 *
 * Accounts are Ignition's account list in the project's system-role order (`SYSTEM_ROLES`), as
 * `deploy:all` passes it and as every chain's Hardhat network (`--network community-1`) lists it,
 * so `hre.ignition.deploy(module)` on such a network deploys the same suite.
 *
 * Parameters (`CommunitySuite.<name>`): `uploadReward` and `verificationReward` (paid when a
 * verifier attests a record) and `rewardCap` (the most minted per relationship per period), in the
 * token's smallest unit; `rewardPeriod` and `bonusRefundDelay`, in seconds. Their defaults and the
 * machines' default part price are in `./defaults`.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import {
  COMMUNITY_SUITE_MODULE_ID,
  COMMUNITY_SUITE_PARAMETERS,
  DEFAULT_BONUS_REFUND_DELAY,
  DEFAULT_REWARD_CAP,
  DEFAULT_REWARD_PERIOD,
  DEFAULT_UPLOAD_REWARD,
  DEFAULT_VERIFICATION_REWARD,
} from "./defaults";
import { systemAccountIndex } from "./system-accounts";

export * from "./defaults";

/** What the module can be built with beyond its parameters. */
export interface CommunitySuiteOptions {
  /**
   * Accounts granted the RelationshipFactory's VERIFIER_ROLE. One future per account (an Ignition
   * parameter cannot fan out into calls), so adding an account later adds a grant to the journal;
   * removing one revokes nothing.
   */
  readonly verifiers?: readonly string[];
}

/** Builds the `CommunitySuite` module (the id is the same whatever the options, so journals resume). */
export function communitySuiteModule(options: CommunitySuiteOptions = {}) {
  return buildModule(COMMUNITY_SUITE_MODULE_ID, (m) => {
    const admin = m.getAccount(systemAccountIndex("deployer"));
    const writer = m.getAccount(systemAccountIndex("writer"));
    const minter = m.getAccount(systemAccountIndex("minter"));
    const orderer = m.getAccount(systemAccountIndex("orderer"));
    const cloud = m.getAccount(systemAccountIndex("cloud"));
    const uploadReward = m.getParameter(COMMUNITY_SUITE_PARAMETERS.uploadReward, DEFAULT_UPLOAD_REWARD);
    const verificationReward = m.getParameter(
      COMMUNITY_SUITE_PARAMETERS.verificationReward,
      DEFAULT_VERIFICATION_REWARD,
    );
    const rewardCap = m.getParameter(COMMUNITY_SUITE_PARAMETERS.rewardCap, DEFAULT_REWARD_CAP);
    const rewardPeriod = m.getParameter(COMMUNITY_SUITE_PARAMETERS.rewardPeriod, DEFAULT_REWARD_PERIOD);
    const bonusRefundDelay = m.getParameter(COMMUNITY_SUITE_PARAMETERS.bonusRefundDelay, DEFAULT_BONUS_REFUND_DELAY);

    const DataToken = m.contract("DataToken", [admin]);
    const SummaryImplementation = m.contract("Summary", [], { id: "SummaryImplementation" });
    const Register = m.contract("Register", [admin, SummaryImplementation]);
    const RelationshipImplementation = m.contract("EquipmentProviderRelationship", [Register, DataToken], {
      id: "RelationshipImplementation",
    });
    const rewards = {
      uploadReward,
      verificationReward,
      capPerPeriod: rewardCap,
      period: rewardPeriod,
      bonusRefundDelay,
    };
    const RelationshipFactory = m.contract("RelationshipFactory", [
      admin,
      Register,
      DataToken,
      RelationshipImplementation,
      rewards,
    ]);
    m.call(Register, "setRelationshipFactory", [RelationshipFactory]);

    // Role ids are read from the contracts rather than recomputed here, so a renamed role
    // cannot silently grant the wrong one.
    const minterRole = m.staticCall(DataToken, "MINTER_ROLE");
    m.call(DataToken, "grantRole", [minterRole, RelationshipFactory], { id: "grantMinterToFactory" });
    m.call(DataToken, "grantRole", [minterRole, minter], { id: "grantMinterToMinter" });
    const registrarRole = m.staticCall(Register, "REGISTRAR_ROLE");
    m.call(Register, "grantRole", [registrarRole, admin], { id: "grantRegistrarToDeployer" });
    const verifierRole = m.staticCall(RelationshipFactory, "VERIFIER_ROLE");
    for (const verifier of new Set((options.verifiers ?? []).map((address) => address.toLowerCase()))) {
      m.call(RelationshipFactory, "grantRole", [verifierRole, verifier], { id: `grantVerifier_${verifier}` });
    }

    // No REGISTRAR_ROLE is granted: every machine registers itself (or is registered with its signature).
    const MaintenanceService = m.contract("MaintenanceService", [DataToken, admin]);

    const RecordLog = m.contract("RecordLog", [admin]);
    const writerRole = m.staticCall(RecordLog, "WRITER_ROLE");
    m.call(RecordLog, "grantRole", [writerRole, writer], { id: "grantWriterToWriter" });

    // The data market.
    const OwnershipRegistry = m.contract("OwnershipRegistry", [DataToken, admin]);
    const StorageLedger = m.contract("StorageLedger", [DataToken]);
    const DataAsset = m.contract("DataAsset", [OwnershipRegistry, admin]);
    const DataTrade = m.contract("DataTrade", [DataToken, DataAsset, admin]);
    const ordererRole = m.staticCall(OwnershipRegistry, "ORDERER_ROLE");
    m.call(OwnershipRegistry, "grantRole", [ordererRole, orderer], { id: "grantOrdererToOrderer" });
    const auditorRole = m.staticCall(DataAsset, "AUDITOR_ROLE");
    m.call(DataAsset, "grantRole", [auditorRole, cloud], { id: "grantAuditorToCloud" });
    const tradeRole = m.staticCall(DataAsset, "TRADE_ROLE");
    m.call(DataAsset, "grantRole", [tradeRole, DataTrade], { id: "grantTradeToDataTrade" });
    const arbiterRole = m.staticCall(DataTrade, "ARBITER_ROLE");
    m.call(DataTrade, "grantRole", [arbiterRole, admin], { id: "grantArbiterToDeployer" });

    // Federated-learning data sharing (IoT consensus paper §3.2): the market escrows analysis
    // tasks and is the only updater of the data owners' reputation.
    const Reputation = m.contract("Reputation", [admin]);
    const AnalysisMarket = m.contract("AnalysisMarket", [DataToken, Reputation, admin]);
    const updaterRole = m.staticCall(Reputation, "UPDATER_ROLE");
    m.call(Reputation, "grantRole", [updaterRole, AnalysisMarket], { id: "grantUpdaterToAnalysisMarket" });

    return {
      DataToken,
      SummaryImplementation,
      Register,
      RelationshipImplementation,
      RelationshipFactory,
      MaintenanceService,
      RecordLog,
      OwnershipRegistry,
      StorageLedger,
      DataAsset,
      DataTrade,
      Reputation,
      AnalysisMarket,
    };
  });
}

/** The suite without verifiers, for `hre.ignition.deploy(CommunitySuite)`. */
export default communitySuiteModule();
