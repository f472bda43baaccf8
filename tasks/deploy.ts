import { formatEther } from "ethers";
import { types } from "hardhat/config";
import {
  DEFAULT_BONUS_REFUND_DELAY,
  DEFAULT_REWARD_CAP,
  DEFAULT_REWARD_PERIOD,
  DEFAULT_UPLOAD_REWARD,
  DEFAULT_VERIFICATION_REWARD,
} from "../ignition/modules/defaults";
import { parseAddressList, parseSeconds, parseTokenAmount } from "../src/deploy/arguments";
import { formatDeployProgress, formatDeploySummary } from "../src/deploy/summary";
import { chainsDirParam, commchainTask, deployModule, resolveChainsDir } from "./kit";

commchainTask(
  "deploy:all",
  "Deploys the contracts of every chain of topology.json with Hardhat Ignition (AnchorHub on main; DataToken, Register, RelationshipFactory, MaintenanceService, RecordLog on each community), registers every member device and each community's trust root; resumable, a re-run deploys nothing",
)
  .addOptionalParam(...chainsDirParam("topology.json; each chain's Ignition journal goes to <dir>/<chain>/ignition/"))
  .addOptionalParam(
    "verifiers",
    "Comma-separated accounts granted VERIFIER_ROLE on every community's RelationshipFactory",
    "",
    types.string,
  )
  .addOptionalParam(
    "uploadReward",
    "DataToken (whole tokens) minted to a device for each of its records a verifier attests",
    formatEther(DEFAULT_UPLOAD_REWARD),
    types.string,
  )
  .addOptionalParam(
    "verificationReward",
    "DataToken (whole tokens) minted to the verifier that attests a record",
    formatEther(DEFAULT_VERIFICATION_REWARD),
    types.string,
  )
  .addOptionalParam(
    "rewardCap",
    "The most DataToken (whole tokens) minted for one relationship per reward period",
    formatEther(DEFAULT_REWARD_CAP),
    types.string,
  )
  .addOptionalParam(
    "rewardPeriod",
    "Length of a reward period, in seconds",
    DEFAULT_REWARD_PERIOD.toString(),
    types.string,
  )
  .addOptionalParam(
    "bonusRefundDelay",
    "Seconds after a record was added before its unattested bonus may be refunded",
    DEFAULT_BONUS_REFUND_DELAY.toString(),
    types.string,
  )
  .setAction(
    async (
      args: {
        dir?: string;
        verifiers: string;
        uploadReward: string;
        verificationReward: string;
        rewardCap: string;
        rewardPeriod: string;
        bonusRefundDelay: string;
      },
      hre,
    ) => {
      const uploadReward = parseTokenAmount(args.uploadReward, "--upload-reward");
      const verificationReward = parseTokenAmount(args.verificationReward, "--verification-reward");
      const rewardCap = parseTokenAmount(args.rewardCap, "--reward-cap");
      const rewardPeriod = parseSeconds(args.rewardPeriod, "--reward-period");
      const bonusRefundDelay = parseSeconds(args.bonusRefundDelay, "--bonus-refund-delay");
      await hre.run("compile", { quiet: true });
      const { deployAll, DeployIncompleteError, ProjectArtifactResolver } = deployModule();
      try {
        const result = await deployAll({
          dir: resolveChainsDir(args.dir, hre),
          artifactResolver: new ProjectArtifactResolver(hre.artifacts),
          verifiers: parseAddressList(args.verifiers),
          uploadReward,
          verificationReward,
          rewardCap,
          rewardPeriod,
          bonusRefundDelay,
          onProgress: (progress) => console.log(formatDeployProgress(progress)),
        });
        console.log(`\n${formatDeploySummary(result.chains)}`);
        console.log(`AnchorHub ${result.hub}; topology: ${result.topologyFile}`);
        return result;
      } catch (error) {
        if (error instanceof DeployIncompleteError && error.completed.length > 0)
          console.log(`\n${formatDeploySummary(error.completed)}`);
        throw error;
      }
    },
  );
