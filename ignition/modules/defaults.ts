/**
 * The defaults and parameter names of the Ignition modules of this folder, apart from the modules
 * so that Hardhat tasks can show them in their help without loading Ignition.
 */
import { parseEther } from "ethers";

/** Module id of the community suite; also the prefix of its future ids (`CommunitySuite#Register`). */
export const COMMUNITY_SUITE_MODULE_ID = "CommunitySuite";

/** Module id of the main chain's anchoring; also the prefix of its future ids (`MainAnchoring#AnchorHub`). */
export const MAIN_ANCHORING_MODULE_ID = "MainAnchoring";

/** Parameters of `CommunitySuite`, set as `{ CommunitySuite: { uploadReward: …, … } }`. */
export const COMMUNITY_SUITE_PARAMETERS = {
  uploadReward: "uploadReward",
  verificationReward: "verificationReward",
  rewardCap: "rewardCap",
  rewardPeriod: "rewardPeriod",
  bonusRefundDelay: "bonusRefundDelay",
} as const;

/** DataToken minted to a device for each of its records a verifier attests, unless `uploadReward` is set. */
export const DEFAULT_UPLOAD_REWARD = parseEther("10");

/** DataToken minted to the verifier of a record unless `verificationReward` is set. */
export const DEFAULT_VERIFICATION_REWARD = parseEther("2");

/**
 * The most DataToken minted for one relationship per reward period unless `rewardCap` is set:
 * the rewards of about eight attested records a day, far more than a device's status snapshots.
 */
export const DEFAULT_REWARD_CAP = parseEther("100");

/** The reward period in seconds unless `rewardPeriod` is set: one day. */
export const DEFAULT_REWARD_PERIOD = 86_400n;

/** Seconds before an unattested bonus may be refunded unless `bonusRefundDelay` is set: one week. */
export const DEFAULT_BONUS_REFUND_DELAY = 7n * 86_400n;

/**
 * The price a machine's spare part is registered with when its owner names none. The
 * MaintenanceService takes no price at deployment (each machine has its own, set in
 * `registerMachine`), so this is the default for whoever registers machines, not a module
 * parameter.
 */
export const DEFAULT_PART_PRICE = parseEther("50");
