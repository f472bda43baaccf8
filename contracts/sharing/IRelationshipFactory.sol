// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IRegister} from "../identity/IRegister.sol";

/**
 * @title IRelationshipFactory
 * @notice Creates the equipment-provider relationships (EPRs) between registered devices and
 * service providers, lists them in the participants' Summaries, and is the one minter of the
 * BPIIoT rewards (paper VI.B.3) the EPRs pay out.
 */
interface IRelationshipFactory {
    /// @notice Which reward a relationship asks the factory to mint.
    enum RewardKind {
        Upload,
        Verification
    }

    /// @notice The reward policy the factory is deployed with; the admin changes each part later.
    /// @param uploadReward minted to the device for each attested record (0 = none)
    /// @param verificationReward minted to the verifier of each attested record (0 = none)
    /// @param capPerPeriod the most DataToken minted for one relationship in one period
    /// @param period the length of a reward period, in seconds (periods are aligned to multiples of it)
    /// @param bonusRefundDelay seconds after a record was added before its unattested bonus may be refunded
    struct RewardParameters {
        uint256 uploadReward;
        uint256 verificationReward;
        uint256 capPerPeriod;
        uint64 period;
        uint64 bonusRefundDelay;
    }

    /// @notice A relationship was created between `device` and `provider`.
    /// @param device the device's account
    /// @param provider the provider's account
    /// @param relationship the new EPR contract
    /// @param deviceSummary the device's Summary
    /// @param providerSummary the provider's Summary
    event RelationshipCreated(
        address indexed device,
        address indexed provider,
        address indexed relationship,
        address deviceSummary,
        address providerSummary
    );

    /// @notice `relationship` was added to the Summary of `participant`, a reader it shares with.
    /// @param relationship the EPR contract
    /// @param participant the reader's account
    /// @param summary the reader's Summary
    event SummaryLinked(address indexed relationship, address indexed participant, address summary);

    /// @notice The amount minted for reward `kind` changed from `previousAmount` to `amount`.
    /// @param kind the reward
    /// @param previousAmount the amount before
    /// @param amount the amount now
    event RewardAmountSet(RewardKind indexed kind, uint256 previousAmount, uint256 amount);

    /// @notice The per-relationship reward cap changed to `capPerPeriod` DataToken every `period` seconds.
    /// @param previousCap the cap before
    /// @param capPerPeriod the cap now
    /// @param previousPeriod the period before, seconds
    /// @param period the period now, seconds
    event RewardCapSet(uint256 previousCap, uint256 capPerPeriod, uint64 previousPeriod, uint64 period);

    /// @notice The delay before an unattested bonus may be refunded changed.
    /// @param previousDelay the delay before, seconds
    /// @param delay the delay now, seconds
    event BonusRefundDelaySet(uint64 previousDelay, uint64 delay);

    /// @notice Reward `kind` for record `recordId` of `relationship` hit the relationship's cap:
    /// `requested` was due, `paid` (possibly 0) was minted.
    /// @param relationship the EPR that asked for the reward
    /// @param kind the reward
    /// @param recordId the record rewarded
    /// @param to the account credited
    /// @param requested the reward amount
    /// @param paid the amount minted, what was left of the cap in the period
    event RewardCapped(
        address indexed relationship,
        RewardKind indexed kind,
        uint256 indexed recordId,
        address to,
        uint256 requested,
        uint256 paid
    );

    /// @notice `amount` DataToken was minted to `to` as reward `kind` for record `recordId` of `relationship`.
    /// @param relationship the EPR that asked for the reward
    /// @param kind the reward
    /// @param recordId the record rewarded
    /// @param to the account credited
    /// @param amount the amount minted
    event RewardPaid(
        address indexed relationship,
        RewardKind indexed kind,
        uint256 indexed recordId,
        address to,
        uint256 amount
    );

    /// @notice `caller` is neither the `provider` of the relationship asked for, nor an admin.
    error FactoryUnauthorized(address caller, address device, address provider);
    /// @notice A reward period of zero seconds was asked for.
    error FactoryZeroRewardPeriod();
    /// @notice `account` holds no identity in the Register.
    error FactoryNotRegistered(address account);
    /// @notice `account` is a participant of kind `actual`, `expected` was required.
    error FactoryWrongKind(address account, IRegister.Kind actual, IRegister.Kind expected);
    /// @notice `device` and `provider` already have the relationship `relationship`.
    error FactoryRelationshipExists(address device, address provider, address relationship);
    /// @notice `caller` is not a relationship created by this factory.
    error FactoryNotRelationship(address caller);
    /// @notice The relationship implementation uses `actual` for `what`, the factory `expected`.
    error FactoryImplementationMismatch(string what, address expected, address actual);
    /// @notice The constructor argument `what` is `account`, which has no code.
    error FactoryNotAContract(string what, address account);

    /**
     * @notice Create the relationship between a registered device and a registered provider; the
     * provider (or an admin) decides which devices it takes on.
     * @param device the device's account (kind Device)
     * @param provider the provider's account (kind ServiceProvider), the caller unless an admin calls
     * @return relationship the new EPR contract
     */
    function createRelationship(address device, address provider) external returns (address relationship);

    /**
     * @notice Add the calling relationship to `participant`'s Summary if it is not there yet.
     * @param participant a registered account the relationship shares a record with
     * @return summary the participant's Summary
     */
    function linkSummary(address participant) external returns (address summary);

    /**
     * @notice Mint reward `kind` to `to` for record `recordId`, within the calling relationship's
     * cap for the current period; only relationships created by this factory.
     * @param kind the reward
     * @param to the account credited
     * @param recordId the record rewarded
     * @return amount the amount minted (0 when that reward is switched off or the cap is used up)
     */
    function reward(RewardKind kind, address to, uint256 recordId) external returns (uint256 amount);

    /**
     * @notice Set the most DataToken minted for one relationship per period; admin only.
     * @param capPerPeriod the cap in the token's smallest unit (0 stops all rewards)
     * @param period the period in seconds, not zero
     */
    function setRewardCap(uint256 capPerPeriod, uint64 period) external;

    /**
     * @notice Set how long after a record was added its unattested bonus stays escrowed; admin only.
     * @param delay seconds
     */
    function setBonusRefundDelay(uint64 delay) external;

    /**
     * @notice The per-relationship reward cap.
     * @return capPerPeriod the most DataToken minted for one relationship per period
     * @return period the period, seconds
     */
    function rewardCap() external view returns (uint256 capPerPeriod, uint64 period);

    /**
     * @notice What `relationship` was minted in the current reward period.
     * @param relationship an EPR of this factory
     * @return periodIndex the current period (`block.timestamp / period`)
     * @return minted the DataToken minted for it in that period
     */
    function rewardUsage(address relationship) external view returns (uint256 periodIndex, uint256 minted);

    /**
     * @notice Seconds after a record was added before its unattested bonus may be refunded.
     * @return the delay
     */
    function bonusRefundDelay() external view returns (uint64);

    /**
     * @notice Set the amount minted for reward `kind`; admin only. Zero switches the reward off.
     * @param kind the reward
     * @param amount the amount in the token's smallest unit
     */
    function setRewardAmount(RewardKind kind, uint256 amount) external;

    /**
     * @notice The relationship between `device` and `provider`.
     * @param device the device's account
     * @param provider the provider's account
     * @return the EPR contract, or the zero address if there is none
     */
    function relationshipOf(address device, address provider) external view returns (address);

    /**
     * @notice Whether `relationship` was created by this factory.
     * @param relationship an address
     * @return true for an EPR of this factory
     */
    function isRelationship(address relationship) external view returns (bool);

    /**
     * @notice Whether `account` holds the verifier role.
     * @param account the account
     * @return true for a verifier
     */
    function isVerifier(address account) external view returns (bool);

    /**
     * @notice The amount minted for reward `kind`.
     * @param kind the reward
     * @return the amount in the token's smallest unit
     */
    function rewardAmount(RewardKind kind) external view returns (uint256);

    /**
     * @notice The Register participants are looked up in.
     * @return the Register's address
     */
    function register() external view returns (address);

    /**
     * @notice The DataToken this factory mints rewards in (it must hold the token's minter role).
     * @return the token's address
     */
    function token() external view returns (address);

    /**
     * @notice The EPR implementation every relationship is a minimal proxy (clone) of.
     * @return the implementation's address
     */
    function relationshipImplementation() external view returns (address);
}
