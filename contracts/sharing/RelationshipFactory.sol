// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {DataToken} from "../token/DataToken.sol";
import {IRegister} from "../identity/IRegister.sol";
import {IEquipmentProviderRelationship} from "./IEquipmentProviderRelationship.sol";
import {IRelationshipFactory} from "./IRelationshipFactory.sol";
import {ISummary} from "./ISummary.sol";

/**
 * @title RelationshipFactory
 * @notice The wiring of BPIIoT data sharing (paper VI.B): creates the equipment-provider
 * relationship (EPR) between a registered device and a registered service provider, lists it in
 * both Summaries, names the verifiers ({VERIFIER_ROLE}) and is the single minter of the rewards
 * (paper VI.B.3) its EPRs pay when a verifier attests a record: the upload reward to the device,
 * the verification reward to the verifier.
 *
 * Minting is bounded three ways, so no account without a role can create tokens: an EPR pays only
 * for a record a {VERIFIER_ROLE} holder attested (with its signature over the object it fetched),
 * only while both parties' Summaries accept the relationship, and at most {rewardCap} per
 * relationship per period (whatever is left of the cap is paid, and {RewardCapped} says so).
 * Only the provider (or an admin) creates a relationship, and only the registrar makes an
 * account a provider, so a self-registered device cannot pair up with an account of its own.
 * @dev Each EPR is an OpenZeppelin {Clones} minimal proxy of one implementation, at an address
 * derived from the two participants' Summaries (one EPR per pair, for good). The factory must hold
 * the DataToken's `MINTER_ROLE` and the Register must name it as its relationship factory. The
 * EPR never names an amount: it asks for a reward by kind and the factory mints the amount set by
 * the admin, so a relationship cannot mint arbitrary tokens.
 */
contract RelationshipFactory is IRelationshipFactory, AccessControl {
    /// @dev What one relationship was minted in its latest reward period.
    struct Usage {
        uint256 periodIndex;
        uint256 minted;
    }

    /// @notice Role of the accounts that attest record hashes (and earn the verification reward).
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");

    IRegister private immutable _REGISTER;
    DataToken private immutable _TOKEN;
    address private immutable _RELATIONSHIP_IMPLEMENTATION;

    mapping(RewardKind kind => uint256 amount) private _rewardAmounts;
    uint256 private _capPerPeriod;
    uint64 private _period;
    uint64 private _bonusRefundDelay;
    mapping(address relationship => Usage) private _usage;
    mapping(address deviceSummary => mapping(address providerSummary => address relationship)) private _relationships;
    mapping(address relationship => bool created) private _created;

    /**
     * @param admin the account granted {DEFAULT_ADMIN_ROLE} (grants verifiers, sets the reward
     * policy, creates relationships for any pair)
     * @param register_ the Register participants are looked up in
     * @param token_ the DataToken rewards are minted in
     * @param relationshipImplementation_ the EPR implementation, built for the same Register and token
     * @param rewards the reward amounts, the per-relationship cap and its period, and the bonus
     * refund delay; reverts with {FactoryZeroRewardPeriod} for a period of zero
     */
    constructor(
        address admin,
        IRegister register_,
        DataToken token_,
        address relationshipImplementation_,
        RewardParameters memory rewards
    ) {
        _requireContract("register", address(register_));
        _requireContract("token", address(token_));
        _requireContract("implementation", relationshipImplementation_);
        IEquipmentProviderRelationship implementation = IEquipmentProviderRelationship(relationshipImplementation_);
        if (implementation.register() != address(register_)) {
            revert FactoryImplementationMismatch("register", address(register_), implementation.register());
        }
        if (implementation.token() != address(token_)) {
            revert FactoryImplementationMismatch("token", address(token_), implementation.token());
        }
        _REGISTER = register_;
        _TOKEN = token_;
        _RELATIONSHIP_IMPLEMENTATION = relationshipImplementation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setRewardAmount(RewardKind.Upload, rewards.uploadReward);
        _setRewardAmount(RewardKind.Verification, rewards.verificationReward);
        _setRewardCap(rewards.capPerPeriod, rewards.period);
        _setBonusRefundDelay(rewards.bonusRefundDelay);
    }

    /**
     * @inheritdoc IRelationshipFactory
     * @dev The caller must be `provider` or an admin ({FactoryUnauthorized}): a relationship lands
     * in the provider's Summary, so nobody else may fill it with relationships (and a device
     * could otherwise pair with any provider it likes). Reverts with {FactoryNotRegistered},
     * {FactoryWrongKind} or {FactoryRelationshipExists}. Emits {RelationshipCreated}; both
     * Summaries emit {ISummary-RelationshipAdded}.
     */
    function createRelationship(address device, address provider) external returns (address relationship) {
        if (msg.sender != provider && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert FactoryUnauthorized(msg.sender, device, provider);
        }
        address deviceSummary = _summaryOfKind(device, IRegister.Kind.Device);
        address providerSummary = _summaryOfKind(provider, IRegister.Kind.ServiceProvider);
        address existing = _relationships[deviceSummary][providerSummary];
        if (existing != address(0)) revert FactoryRelationshipExists(device, provider, existing);

        // Summaries are never reused, so the pair of Summaries is a unique salt, and the EPR's
        // address is known (and recorded) before the clone is created.
        bytes32 salt = keccak256(abi.encode(deviceSummary, providerSummary));
        relationship = Clones.predictDeterministicAddress(_RELATIONSHIP_IMPLEMENTATION, salt);
        _relationships[deviceSummary][providerSummary] = relationship;
        _created[relationship] = true;
        emit RelationshipCreated(device, provider, relationship, deviceSummary, providerSummary);

        Clones.cloneDeterministic(_RELATIONSHIP_IMPLEMENTATION, salt);
        IEquipmentProviderRelationship(relationship).initialize(deviceSummary, providerSummary);
        ISummary(deviceSummary).addRelationship(relationship);
        ISummary(providerSummary).addRelationship(relationship);
    }

    /**
     * @inheritdoc IRelationshipFactory
     * @dev Only relationships of this factory ({FactoryNotRelationship}); `participant` must be
     * registered ({FactoryNotRegistered}). Emits {SummaryLinked} when the relationship is added.
     */
    function linkSummary(address participant) external returns (address summary) {
        if (!_created[msg.sender]) revert FactoryNotRelationship(msg.sender);
        summary = _REGISTER.summaryOf(participant);
        if (summary == address(0)) revert FactoryNotRegistered(participant);
        if (ISummary(summary).statusOf(msg.sender) == ISummary.Status.None) {
            emit SummaryLinked(msg.sender, participant, summary);
            ISummary(summary).addRelationship(msg.sender);
        }
    }

    /**
     * @inheritdoc IRelationshipFactory
     * @dev Only relationships of this factory ({FactoryNotRelationship}). A new period starts the
     * relationship's count at zero. Emits {RewardCapped} when less than the reward amount is left
     * of the cap, and {RewardPaid} and mints when the amount paid is non-zero; the token emits
     * `RewardMinted` with this factory as minter.
     */
    function reward(RewardKind kind, address to, uint256 recordId) external returns (uint256 amount) {
        if (!_created[msg.sender]) revert FactoryNotRelationship(msg.sender);
        uint256 requested = _rewardAmounts[kind];
        if (requested == 0) return 0;
        Usage storage usage = _usage[msg.sender];
        uint256 periodIndex = block.timestamp / _period;
        if (usage.periodIndex != periodIndex) {
            usage.periodIndex = periodIndex;
            usage.minted = 0;
        }
        uint256 left = usage.minted < _capPerPeriod ? _capPerPeriod - usage.minted : 0;
        amount = requested < left ? requested : left;
        usage.minted += amount;
        if (amount < requested) emit RewardCapped(msg.sender, kind, recordId, to, requested, amount);
        if (amount == 0) return 0;
        emit RewardPaid(msg.sender, kind, recordId, to, amount);
        _TOKEN.mint(to, amount);
    }

    /**
     * @inheritdoc IRelationshipFactory
     * @dev Emits {RewardAmountSet}.
     */
    function setRewardAmount(RewardKind kind, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRewardAmount(kind, amount);
    }

    /**
     * @inheritdoc IRelationshipFactory
     * @dev Reverts with {FactoryZeroRewardPeriod} for a period of zero. Emits {RewardCapSet}.
     */
    function setRewardCap(uint256 capPerPeriod, uint64 period) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRewardCap(capPerPeriod, period);
    }

    /**
     * @inheritdoc IRelationshipFactory
     * @dev Emits {BonusRefundDelaySet}.
     */
    function setBonusRefundDelay(uint64 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setBonusRefundDelay(delay);
    }

    /// @inheritdoc IRelationshipFactory
    function rewardCap() external view returns (uint256 capPerPeriod, uint64 period) {
        return (_capPerPeriod, _period);
    }

    /// @inheritdoc IRelationshipFactory
    function rewardUsage(address relationship) external view returns (uint256 periodIndex, uint256 minted) {
        periodIndex = block.timestamp / _period;
        Usage storage usage = _usage[relationship];
        minted = usage.periodIndex == periodIndex ? usage.minted : 0;
    }

    /// @inheritdoc IRelationshipFactory
    function bonusRefundDelay() external view returns (uint64) {
        return _bonusRefundDelay;
    }

    /// @inheritdoc IRelationshipFactory
    function relationshipOf(address device, address provider) external view returns (address) {
        address deviceSummary = _REGISTER.summaryOf(device);
        address providerSummary = _REGISTER.summaryOf(provider);
        return _relationships[deviceSummary][providerSummary];
    }

    /// @inheritdoc IRelationshipFactory
    function isRelationship(address relationship) external view returns (bool) {
        return _created[relationship];
    }

    /// @inheritdoc IRelationshipFactory
    function isVerifier(address account) external view returns (bool) {
        return hasRole(VERIFIER_ROLE, account);
    }

    /// @inheritdoc IRelationshipFactory
    function rewardAmount(RewardKind kind) external view returns (uint256) {
        return _rewardAmounts[kind];
    }

    /// @inheritdoc IRelationshipFactory
    function register() external view returns (address) {
        return address(_REGISTER);
    }

    /// @inheritdoc IRelationshipFactory
    function token() external view returns (address) {
        return address(_TOKEN);
    }

    /// @inheritdoc IRelationshipFactory
    function relationshipImplementation() external view returns (address) {
        return _RELATIONSHIP_IMPLEMENTATION;
    }

    function _setRewardAmount(RewardKind kind, uint256 amount) private {
        uint256 previousAmount = _rewardAmounts[kind];
        _rewardAmounts[kind] = amount;
        emit RewardAmountSet(kind, previousAmount, amount);
    }

    function _setRewardCap(uint256 capPerPeriod, uint64 period) private {
        if (period == 0) revert FactoryZeroRewardPeriod();
        emit RewardCapSet(_capPerPeriod, capPerPeriod, _period, period);
        _capPerPeriod = capPerPeriod;
        _period = period;
    }

    function _setBonusRefundDelay(uint64 delay) private {
        emit BonusRefundDelaySet(_bonusRefundDelay, delay);
        _bonusRefundDelay = delay;
    }

    function _summaryOfKind(address account, IRegister.Kind expected) private view returns (address summary) {
        summary = _REGISTER.summaryOf(account);
        if (summary == address(0)) revert FactoryNotRegistered(account);
        IRegister.Kind actual = _REGISTER.kindOf(account);
        if (actual != expected) revert FactoryWrongKind(account, actual, expected);
    }

    function _requireContract(string memory what, address account) private view {
        if (account.code.length == 0) revert FactoryNotAContract(what, account);
    }
}
