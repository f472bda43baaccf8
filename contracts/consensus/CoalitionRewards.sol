// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICoalitionRewards} from "./ICoalitionRewards.sol";

/**
 * @title CoalitionRewards
 * @notice Rounds of the coalition consensus reward in native ETH: coalitions register with their
 * members' signatures, commit and reveal seeds, and one of them wins the round's reward with
 * probability ∝ D_S^γ, paid to its members by capacity. See {ICoalitionRewards}.
 * @dev Pull payments only: {draw} credits balances and {withdraw} is the one place ETH leaves.
 * {draw} loops over the round's coalitions and {register} over a coalition's members, so both are
 * bounded by {MAX_COALITIONS} and {MAX_MEMBERS}: a round can always be drawn within a block.
 */
contract CoalitionRewards is ICoalitionRewards, AccessControl, EIP712, ReentrancyGuard {
    /// @notice Role of the accounts that open (and fund) rounds.
    bytes32 public constant ROUND_ROLE = keccak256("ROUND_ROLE");
    /// @notice The EIP-712 domain name.
    string public constant EIP712_NAME = "commchain CoalitionRewards";
    /// @notice The EIP-712 domain version.
    string public constant EIP712_VERSION = "1";
    /// @notice The EIP-712 type hash of `Membership`.
    // solhint-disable gas-small-strings
    bytes32 public constant MEMBERSHIP_TYPEHASH = keccak256(
        "Membership(uint256 round,bytes32 membersHash,address miner,uint96 capacity)"
    );
    // solhint-enable gas-small-strings
    /// @notice γ = 1 in tenths: weight D.
    uint8 public constant GAMMA_1 = 10;
    /// @notice γ = 1.5 in tenths: weight D·√D.
    uint8 public constant GAMMA_1_5 = 15;
    /// @notice γ = 2 in tenths: weight D².
    uint8 public constant GAMMA_2 = 20;
    /// @notice The most members a coalition may have.
    uint256 public constant MAX_MEMBERS = 32;
    /// @notice The most coalitions a round may have, so that {draw} stays well within a block.
    uint256 public constant MAX_COALITIONS = 128;
    /// @notice The largest total capacity a coalition can reach, the domain of {weightOf}.
    uint256 public constant MAX_COALITION_CAPACITY = MAX_MEMBERS * type(uint96).max;
    /// @notice What γ = 1.5 scales the capacity by before its integer square root (√ of it is 10^9).
    uint256 public constant SQRT_SCALE = 1e18;

    mapping(uint256 roundId => Round) private _rounds;
    mapping(uint256 roundId => mapping(uint256 coalitionId => Coalition)) private _coalitions;
    mapping(uint256 roundId => mapping(uint256 coalitionId => Member[])) private _members;
    mapping(uint256 roundId => mapping(address miner => uint256 coalitionId)) private _coalitionOf;
    mapping(address account => uint256 amount) private _credits;
    uint256 private _roundCount;

    /// @param admin the account that grants {ROUND_ROLE}
    constructor(address admin) EIP712(EIP712_NAME, EIP712_VERSION) {
        if (admin == address(0)) revert RewardsInvalidAddress(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @inheritdoc ICoalitionRewards
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds {ROUND_ROLE},
     * otherwise as {ICoalitionRewards-openRound}.
     */
    function openRound(
        uint64 registerEnd,
        uint64 commitEnd,
        uint64 revealEnd,
        uint8 gamma
    ) external payable onlyRole(ROUND_ROLE) returns (uint256 roundId) {
        if (msg.value == 0) revert RewardsZeroReward();
        _checkGamma(gamma);
        if (!(block.timestamp < registerEnd && registerEnd < commitEnd && commitEnd < revealEnd)) {
            revert RewardsBadDeadlines(block.timestamp, registerEnd, commitEnd, revealEnd);
        }
        roundId = ++_roundCount;
        Round storage r = _rounds[roundId];
        r.reward = msg.value;
        r.opener = msg.sender;
        r.registerEnd = registerEnd;
        r.gamma = gamma;
        r.commitEnd = commitEnd;
        r.revealEnd = revealEnd;
        emit RoundOpened(roundId, msg.sender, msg.value, registerEnd, commitEnd, revealEnd, gamma);
    }

    /// @inheritdoc ICoalitionRewards
    function register(
        uint256 roundId,
        Member[] calldata members,
        bytes[] calldata signatures
    ) external returns (uint256 coalitionId) {
        Round storage r = _round(roundId);
        _before(roundId, r.registerEnd);
        uint256 count = members.length;
        if (signatures.length != count) revert RewardsSignatureCountMismatch(count, signatures.length);
        if (count == 0) revert RewardsEmptyCoalition(roundId);
        if (count > MAX_MEMBERS) revert RewardsTooManyMembers(count, MAX_MEMBERS);
        if (!(r.coalitionCount < MAX_COALITIONS)) revert RewardsTooManyCoalitions(roundId, MAX_COALITIONS);

        coalitionId = r.coalitionCount + 1;
        r.coalitionCount = uint32(coalitionId);
        bytes32 hash = keccak256(abi.encode(members));
        uint256 total = _enrol(roundId, coalitionId, hash, members, signatures);
        Coalition storage c = _coalitions[roundId][coalitionId];
        c.membersHash = hash;
        c.totalCapacity = uint128(total);
        c.memberCount = uint32(count);
        emit CoalitionRegistered(roundId, coalitionId, hash, total);
    }

    /// @inheritdoc ICoalitionRewards
    function commit(uint256 roundId, uint256 coalitionId, bytes32 commitment) external {
        Round storage r = _round(roundId);
        _before(roundId, r.commitEnd);
        Coalition storage c = _coalition(roundId, r, coalitionId);
        if (_coalitionOf[roundId][msg.sender] != coalitionId) {
            revert RewardsNotMember(roundId, coalitionId, msg.sender);
        }
        if (commitment == bytes32(0)) revert RewardsZeroCommitment(roundId, coalitionId);
        if (c.commitment != bytes32(0)) revert RewardsAlreadyCommitted(roundId, coalitionId);
        c.commitment = commitment;
        emit SeedCommitted(roundId, coalitionId, msg.sender, commitment);
    }

    /// @inheritdoc ICoalitionRewards
    function reveal(uint256 roundId, uint256 coalitionId, bytes32 seed) external {
        Round storage r = _round(roundId);
        _from(roundId, r.commitEnd);
        _before(roundId, r.revealEnd);
        Coalition storage c = _coalition(roundId, r, coalitionId);
        bytes32 expected = c.commitment;
        if (expected == bytes32(0)) revert RewardsNoCommitment(roundId, coalitionId);
        if (c.revealed) revert RewardsAlreadyRevealed(roundId, coalitionId);
        bytes32 computed = _commitmentOf(roundId, coalitionId, seed);
        if (computed != expected) revert RewardsCommitmentMismatch(roundId, coalitionId, expected, computed);
        c.revealed = true;
        c.seed = seed;
        emit SeedRevealed(roundId, coalitionId, seed);
    }

    /// @inheritdoc ICoalitionRewards
    function draw(uint256 roundId) external {
        Round storage r = _round(roundId);
        _from(roundId, r.revealEnd);
        if (r.drawn) revert RewardsAlreadyDrawn(roundId);
        r.drawn = true;
        (uint256 winner, bytes32 randomness) = _pick(roundId, r.coalitionCount, r.gamma);
        r.winner = uint32(winner);
        r.randomness = randomness;
        emit RoundDrawn(roundId, winner, randomness);
        if (winner == 0) _credit(roundId, r.opener, r.reward);
        else _pay(roundId, winner, r.reward);
    }

    /// @inheritdoc ICoalitionRewards
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert RewardsNothingToWithdraw(msg.sender);
        _credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert RewardsWithdrawFailed(msg.sender, amount);
    }

    /// @inheritdoc ICoalitionRewards
    function weightOf(uint256 capacity, uint8 gamma) external pure returns (uint256) {
        _checkGamma(gamma);
        if (capacity > MAX_COALITION_CAPACITY) revert RewardsCapacityTooLarge(capacity, MAX_COALITION_CAPACITY);
        return _weight(capacity, gamma);
    }

    /// @inheritdoc ICoalitionRewards
    function round(uint256 id) external view returns (Round memory) {
        return _round(id);
    }

    /// @inheritdoc ICoalitionRewards
    function roundCount() external view returns (uint256) {
        return _roundCount;
    }

    /// @inheritdoc ICoalitionRewards
    function coalition(uint256 roundId, uint256 coalitionId) external view returns (Coalition memory) {
        return _coalition(roundId, _round(roundId), coalitionId);
    }

    /// @inheritdoc ICoalitionRewards
    function membersOf(uint256 roundId, uint256 coalitionId) external view returns (Member[] memory) {
        _coalition(roundId, _round(roundId), coalitionId);
        return _members[roundId][coalitionId];
    }

    /// @inheritdoc ICoalitionRewards
    function coalitionOf(uint256 roundId, address miner) external view returns (uint256) {
        return _coalitionOf[roundId][miner];
    }

    /// @inheritdoc ICoalitionRewards
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc ICoalitionRewards
    function hashMembers(Member[] calldata members) external pure returns (bytes32) {
        return keccak256(abi.encode(members));
    }

    /// @inheritdoc ICoalitionRewards
    function commitmentOf(uint256 roundId, uint256 coalitionId, bytes32 seed) external pure returns (bytes32) {
        return _commitmentOf(roundId, coalitionId, seed);
    }

    /// @inheritdoc ICoalitionRewards
    function membershipDigest(
        uint256 roundId,
        bytes32 membersHash,
        address miner,
        uint96 capacity
    ) external view returns (bytes32) {
        return _membershipDigest(roundId, membersHash, miner, capacity);
    }

    /// @dev Checks every member and records it; returns D_S. Kept apart from {register} for the stack.
    function _enrol(
        uint256 roundId,
        uint256 coalitionId,
        bytes32 hash,
        Member[] calldata members,
        bytes[] calldata signatures
    ) private returns (uint256 total) {
        Member[] storage stored = _members[roundId][coalitionId];
        mapping(address => uint256) storage coalitionOf_ = _coalitionOf[roundId];
        // Starting from the zero address makes the order check refuse it too.
        address previous = address(0);
        for (uint256 i = 0; i < members.length; ++i) {
            Member calldata m = members[i];
            if (!(m.miner > previous)) revert RewardsMembersNotSorted(previous, m.miner);
            if (m.capacity == 0) revert RewardsZeroCapacity(m.miner);
            uint256 taken = coalitionOf_[m.miner];
            if (taken != 0) revert RewardsAlreadyInCoalition(roundId, m.miner, taken);
            bytes32 digest = _membershipDigest(roundId, hash, m.miner, m.capacity);
            if (!SignatureChecker.isValidSignatureNow(m.miner, digest, signatures[i])) {
                revert RewardsBadSignature(m.miner);
            }
            coalitionOf_[m.miner] = coalitionId;
            stored.push(m);
            total += m.capacity;
            previous = m.miner;
        }
    }

    /// @dev The winner among the revealing coalitions (0 if none) and the randomness (0 if none).
    function _pick(
        uint256 roundId,
        uint256 coalitionCount,
        uint8 gamma
    ) private view returns (uint256 winner, bytes32 randomness) {
        mapping(uint256 => Coalition) storage coalitions = _coalitions[roundId];
        uint256 revealed = 0;
        // Coalition ids run from 1 to coalitionCount.
        for (uint256 i = 0; i < coalitionCount; ++i) {
            if (coalitions[i + 1].revealed) ++revealed;
        }
        if (revealed == 0) return (0, bytes32(0));

        bytes32[] memory seeds = new bytes32[](revealed);
        uint256[] memory ids = new uint256[](revealed);
        uint256[] memory cumulative = new uint256[](revealed);
        uint256 total = 0;
        uint256 k = 0;
        for (uint256 i = 0; i < coalitionCount; ++i) {
            Coalition storage c = coalitions[i + 1];
            if (!c.revealed) continue;
            total += _weight(c.totalCapacity, gamma);
            seeds[k] = c.seed;
            ids[k] = i + 1;
            cumulative[k] = total;
            ++k;
        }
        // A bytes32[] is abi.encodePacked as its elements back to back: the seeds' concatenation.
        randomness = keccak256(abi.encodePacked(seeds));
        // total < 2^210 (128 coalitions of at most 32·2^96 squared), so the modulo bias is below 2^-46.
        uint256 ticket = uint256(randomness) % total;
        for (k = 0; !(ticket < cumulative[k]); ++k) {}
        winner = ids[k];
    }

    /// @dev Credits `reward` to the members of `coalitionId` by capacity, the rounding dust to the first.
    function _pay(uint256 roundId, uint256 coalitionId, uint256 reward) private {
        Member[] storage ms = _members[roundId][coalitionId];
        uint256 total = _coalitions[roundId][coalitionId].totalCapacity;
        uint256 count = ms.length;
        uint256[] memory shares = new uint256[](count);
        uint256 others = 0;
        for (uint256 i = 1; i < count; ++i) {
            shares[i] = Math.mulDiv(reward, ms[i].capacity, total);
            others += shares[i];
        }
        shares[0] = reward - others;
        for (uint256 i = 0; i < count; ++i) {
            _credit(roundId, ms[i].miner, shares[i]);
        }
    }

    function _credit(uint256 roundId, address account, uint256 amount) private {
        _credits[account] += amount;
        emit RewardCredited(roundId, account, amount);
    }

    function _round(uint256 roundId) private view returns (Round storage r) {
        r = _rounds[roundId];
        // Every opened round has a reward > 0.
        if (r.reward == 0) revert RewardsUnknownRound(roundId);
    }

    function _coalition(
        uint256 roundId,
        Round storage r,
        uint256 coalitionId
    ) private view returns (Coalition storage) {
        if (coalitionId == 0 || coalitionId > r.coalitionCount) revert RewardsUnknownCoalition(roundId, coalitionId);
        return _coalitions[roundId][coalitionId];
    }

    /// @dev Reverts unless it is before `by`.
    function _before(uint256 roundId, uint256 by) private view {
        if (!(block.timestamp < by)) revert RewardsTooLate(roundId, block.timestamp, by);
    }

    /// @dev Reverts unless it is `at` or later.
    function _from(uint256 roundId, uint256 at) private view {
        if (block.timestamp < at) revert RewardsTooEarly(roundId, block.timestamp, at);
    }

    function _membershipDigest(
        uint256 roundId,
        bytes32 membersHash,
        address miner,
        uint96 capacity
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(MEMBERSHIP_TYPEHASH, roundId, membersHash, miner, capacity)));
    }

    function _commitmentOf(uint256 roundId, uint256 coalitionId, bytes32 seed) private pure returns (bytes32) {
        return keccak256(abi.encode(roundId, coalitionId, seed));
    }

    function _weight(uint256 capacity, uint8 gamma) private pure returns (uint256) {
        if (gamma == GAMMA_1) return capacity;
        if (gamma == GAMMA_1_5) return capacity * Math.sqrt(capacity * SQRT_SCALE);
        return capacity * capacity;
    }

    function _checkGamma(uint8 gamma) private pure {
        if (gamma != GAMMA_1 && gamma != GAMMA_1_5 && gamma != GAMMA_2) revert RewardsBadGamma(gamma);
    }
}
