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

    /// @notice `caller` is neither `device`, `provider`, nor an admin.
    error FactoryUnauthorized(address caller, address device, address provider);
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
     * @notice Create the relationship between a registered device and a registered provider.
     * @param device the device's account (kind Device)
     * @param provider the provider's account (kind ServiceProvider)
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
     * @notice Mint reward `kind` to `to` for record `recordId`; only relationships created by this factory.
     * @param kind the reward
     * @param to the account credited
     * @param recordId the record rewarded
     * @return amount the amount minted (0 when that reward is switched off)
     */
    function reward(RewardKind kind, address to, uint256 recordId) external returns (uint256 amount);

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
