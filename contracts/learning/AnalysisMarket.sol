// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IAnalysisMarket} from "./IAnalysisMarket.sol";
import {IReputation} from "./IReputation.sol";

/**
 * @title AnalysisMarket
 * @notice Escrowed federated-learning analysis tasks between a data consumer, a data analyst and
 * the data owners, on one community chain. See {IAnalysisMarket}.
 * @dev Must hold `UPDATER_ROLE` on its {Reputation}, which {commitRound} feeds. The market holds,
 * for every task, exactly its price (until it is settled, cancelled or reclaimed) plus its bond
 * (from {accept} on, until then): every payout splits those two amounts and nothing else.
 */
contract AnalysisMarket is IAnalysisMarket, AccessControl, EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice The EIP-712 domain name.
    string public constant EIP712_NAME = "commchain AnalysisMarket";
    /// @notice The EIP-712 domain version.
    string public constant EIP712_VERSION = "1";
    /// @notice The EIP-712 type hash of {Join}.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant JOIN_TYPEHASH = keccak256(
        "Join(uint256 taskId,address owner,uint64 samples,bytes32 keysHash)"
    );
    /// @notice The EIP-712 type hash of {RoundAck}.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant ROUND_ACK_TYPEHASH = keccak256(
        "RoundAck(uint256 taskId,uint32 round,uint256 survivors,bytes32 aggregateHash,bytes32 modelHash)"
    );
    /// @notice The whole price, in basis points.
    uint256 public constant BPS = 10_000;
    /// @notice The highest analyst fee, in basis points of the price (half).
    uint16 public constant MAX_FEE_BPS = 5_000;
    /// @notice The analyst's bond, in basis points of the price (10 %).
    uint256 public constant BOND_BPS = 1_000;
    /// @notice The fewest owners a task trains on (secure aggregation hides nothing with one).
    uint256 public constant MIN_OWNERS = 2;
    /// @notice The most owners a task trains on: survivors are a bitmap of one word, and every
    /// round records each owner's reputation, so the bound also bounds a round's gas.
    uint256 public constant MAX_OWNERS = 128;
    /// @notice How long the consumer has, from delivery, before anyone may {finalize}.
    uint64 public constant REVIEW_PERIOD = 1 hours;

    IERC20 private immutable _TOKEN;
    IReputation private immutable _REPUTATION;

    mapping(uint256 taskId => Task task) private _tasks;
    mapping(uint256 taskId => address[] owners) private _owners;
    mapping(uint256 taskId => mapping(address owner => Member member)) private _members;
    uint256 private _taskCount;

    /// @param token_ the chain's data token
    /// @param reputation_ the owners' reputation; this contract needs its `UPDATER_ROLE`
    /// @param admin the holder of `DEFAULT_ADMIN_ROLE`
    constructor(IERC20 token_, IReputation reputation_, address admin) EIP712(EIP712_NAME, EIP712_VERSION) {
        if (address(token_) == address(0)) revert InvalidAddress(address(token_));
        if (address(reputation_) == address(0)) revert InvalidAddress(address(reputation_));
        if (admin == address(0)) revert InvalidAddress(admin);
        _TOKEN = token_;
        _REPUTATION = reputation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IAnalysisMarket
    function token() external view returns (IERC20) {
        return _TOKEN;
    }

    /// @inheritdoc IAnalysisMarket
    function reputation() external view returns (IReputation) {
        return _REPUTATION;
    }

    /// @inheritdoc IAnalysisMarket
    function request(
        address analyst,
        uint256 price,
        uint64 deadline,
        bytes32 specHash
    ) external nonReentrant returns (uint256 taskId) {
        if (analyst == address(0)) revert InvalidAddress(analyst);
        if (price == 0) revert ZeroPrice();
        // solhint-disable-next-line gas-strict-inequalities
        if (deadline <= block.timestamp) revert DeadlinePassed(block.timestamp, deadline);
        taskId = ++_taskCount;
        Task storage t = _tasks[taskId];
        t.consumer = msg.sender;
        t.analyst = analyst;
        t.deadline = deadline;
        t.price = price;
        t.specHash = specHash;
        t.state = TaskState.Requested;
        emit TaskRequested(taskId, msg.sender, analyst, price, deadline, specHash);
        _TOKEN.safeTransferFrom(msg.sender, address(this), price);
    }

    /// @inheritdoc IAnalysisMarket
    function cancel(uint256 taskId) external nonReentrant {
        Task storage t = _task(taskId);
        if (msg.sender != t.consumer) revert NotConsumer(taskId, msg.sender);
        _requireState(taskId, t, TaskState.Requested);
        uint256 refunded = t.price;
        t.state = TaskState.Cancelled;
        emit TaskCancelled(taskId, refunded);
        _TOKEN.safeTransfer(msg.sender, refunded);
    }

    /// @inheritdoc IAnalysisMarket
    function accept(uint256 taskId, uint16 feeBps) external nonReentrant {
        Task storage t = _analystTask(taskId, TaskState.Requested);
        if (feeBps > MAX_FEE_BPS) revert FeeTooHigh(feeBps, MAX_FEE_BPS);
        uint256 bond = Math.mulDiv(t.price, BOND_BPS, BPS);
        t.feeBps = feeBps;
        t.bond = bond;
        t.state = TaskState.Accepted;
        emit TaskAccepted(taskId, feeBps, bond);
        if (bond > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IAnalysisMarket
    function select(uint256 taskId, Join[] calldata joins, bytes[] calldata signatures) external nonReentrant {
        Task storage t = _analystTask(taskId, TaskState.Accepted);
        uint256 n = joins.length;
        if (n < MIN_OWNERS) revert TooFewOwners(n, MIN_OWNERS);
        if (n > MAX_OWNERS) revert TooManyOwners(n, MAX_OWNERS);
        if (signatures.length != n) revert SignatureCountMismatch(n, signatures.length);
        uint256 minTrust = _REPUTATION.MIN_TRUST();
        address[] memory owners = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            owners[i] = _admit(taskId, i, joins[i], signatures[i], minTrust);
        }
        // A majority of the selected: two disjoint survivor sets cannot both be acknowledged.
        uint256 threshold = n / 2 + 1;
        _owners[taskId] = owners;
        t.threshold = uint8(threshold);
        t.state = TaskState.Training;
        emit OwnersSelected(taskId, owners, threshold);
    }

    /// @inheritdoc IAnalysisMarket
    function commitRound(
        uint256 taskId,
        uint32 round,
        uint256 survivors,
        bytes32 aggregateHash,
        bytes32 modelHash,
        bytes[] calldata acks
    ) external nonReentrant {
        Task storage t = _analystTask(taskId, TaskState.Training);
        uint256 expected = uint256(t.rounds) + 1;
        if (round != expected) revert WrongRound(expected, round);
        address[] memory owners = _owners[taskId];
        _checkSurvivors(t, round, survivors, owners.length, acks.length);
        bytes32 digest = _roundAckDigest(
            RoundAck({
                taskId: taskId,
                round: round,
                survivors: survivors,
                aggregateHash: aggregateHash,
                modelHash: modelHash
            })
        );
        uint256 ack = 0;
        for (uint256 i = 0; i < owners.length; ++i) {
            if (_survived(survivors, i)) {
                if (!SignatureChecker.isValidSignatureNow(owners[i], digest, acks[ack])) {
                    revert BadAckSignature(owners[i]);
                }
                ++ack;
                ++_members[taskId][owners[i]].roundsSurvived;
            }
        }
        t.rounds = round;
        t.modelHash = modelHash;
        emit RoundCommitted(taskId, round, survivors, aggregateHash, modelHash);
        for (uint256 i = 0; i < owners.length; ++i) {
            _REPUTATION.record(owners[i], _survived(survivors, i));
        }
    }

    /// @inheritdoc IAnalysisMarket
    function deliver(uint256 taskId, bytes32 modelHash, bytes32 modelPointer) external nonReentrant {
        Task storage t = _analystTask(taskId, TaskState.Training);
        if (t.rounds == 0) revert NoRounds(taskId);
        if (modelHash != t.modelHash) revert ModelMismatch(t.modelHash, modelHash);
        uint64 reviewEnds = uint64(block.timestamp) + REVIEW_PERIOD;
        t.modelPointer = modelPointer;
        t.reviewEnds = reviewEnds;
        t.state = TaskState.Delivered;
        emit ModelDelivered(taskId, modelHash, modelPointer, reviewEnds);
    }

    /// @inheritdoc IAnalysisMarket
    function confirm(uint256 taskId) external nonReentrant {
        Task storage t = _task(taskId);
        if (msg.sender != t.consumer) revert NotConsumer(taskId, msg.sender);
        _requireState(taskId, t, TaskState.Delivered);
        _settle(taskId, t);
    }

    /// @inheritdoc IAnalysisMarket
    function finalize(uint256 taskId) external nonReentrant {
        Task storage t = _task(taskId);
        _requireState(taskId, t, TaskState.Delivered);
        if (block.timestamp < t.reviewEnds) revert ReviewNotOver(block.timestamp, t.reviewEnds);
        _settle(taskId, t);
    }

    /// @inheritdoc IAnalysisMarket
    function reclaim(uint256 taskId) external nonReentrant {
        Task storage t = _task(taskId);
        TaskState state = t.state;
        if (state != TaskState.Requested && state != TaskState.Accepted && state != TaskState.Training) {
            revert WrongState(taskId, state);
        }
        if (block.timestamp < t.deadline) revert DeadlineNotPassed(block.timestamp, t.deadline);
        uint256 bond = t.bond;
        // The owners who trained get the bond of an analyst who never delivered; with no round
        // committed nobody trained, and the consumer, kept waiting, gets it.
        address[] memory owners;
        uint256[] memory amounts;
        uint256 toOwners;
        if (t.rounds > 0) (owners, amounts, toOwners) = _shares(taskId, bond);
        uint256 refunded = t.price + bond - toOwners;
        address consumer = t.consumer;
        t.state = TaskState.Reclaimed;
        for (uint256 i = 0; i < owners.length; ++i) {
            emit OwnerPaid(taskId, owners[i], amounts[i]);
        }
        emit TaskReclaimed(taskId, refunded, toOwners);
        _payAll(owners, amounts);
        _TOKEN.safeTransfer(consumer, refunded);
    }

    /// @inheritdoc IAnalysisMarket
    function task(uint256 taskId) external view returns (Task memory) {
        return _task(taskId);
    }

    /// @inheritdoc IAnalysisMarket
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc IAnalysisMarket
    function ownersOf(uint256 taskId) external view returns (address[] memory) {
        return _owners[taskId];
    }

    /// @inheritdoc IAnalysisMarket
    function memberOf(uint256 taskId, address owner) external view returns (Member memory) {
        return _members[taskId][owner];
    }

    /// @inheritdoc IAnalysisMarket
    function roundsSurvived(uint256 taskId, address owner) external view returns (uint256) {
        return _members[taskId][owner].roundsSurvived;
    }

    /// @inheritdoc IAnalysisMarket
    function weightOf(uint256 taskId, address owner) external view returns (uint256) {
        return _weight(_members[taskId][owner]);
    }

    /// @inheritdoc IAnalysisMarket
    function paymentsPreview(uint256 taskId) external view returns (Payments memory p) {
        Task storage t = _task(taskId);
        if (t.rounds == 0) revert NoRounds(taskId);
        (p.analystFee, p.owners, p.amounts, p.ownersPaid) = _settlement(taskId, t);
        p.bond = t.bond;
    }

    /// @inheritdoc IAnalysisMarket
    function joinDigest(Join calldata join) external view returns (bytes32) {
        return _joinDigest(join);
    }

    /// @inheritdoc IAnalysisMarket
    function roundAckDigest(RoundAck calldata ack) external view returns (bytes32) {
        return _roundAckDigest(ack);
    }

    /// @dev Check join `i` of task `taskId` and record its owner as member `i`.
    function _admit(
        uint256 taskId,
        uint256 i,
        Join calldata join,
        bytes calldata signature,
        uint256 minTrust
    ) private returns (address owner) {
        owner = join.owner;
        if (join.taskId != taskId) revert WrongTask(taskId, join.taskId);
        if (join.samples == 0) revert ZeroSamples(owner);
        Member storage m = _members[taskId][owner];
        if (m.selected) revert DuplicateOwner(owner);
        if (!SignatureChecker.isValidSignatureNow(owner, _joinDigest(join), signature)) {
            revert BadJoinSignature(owner);
        }
        uint256 trust = _REPUTATION.trustOf(owner);
        if (trust < minTrust) revert LowReputation(owner, trust);
        m.selected = true;
        m.index = uint8(i); // i < MAX_OWNERS = 128
        m.samples = join.samples;
        m.keysHash = join.keysHash;
    }

    /// @dev A round's survivor bitmap names only selected owners, at least the threshold, one ack each.
    function _checkSurvivors(
        Task storage t,
        uint32 round,
        uint256 survivors,
        uint256 owners,
        uint256 acks
    ) private view {
        // owners ≤ 128, so the shift keeps every bit at or above the last owner's index.
        if (survivors >> owners != 0) revert SurvivorOutOfRange(survivors, owners);
        uint256 count = _popcount(survivors);
        if (count < t.threshold) revert TooFewAcks(round, count, t.threshold);
        if (acks != count) revert AckCountMismatch(count, acks);
    }

    /// @dev Pay out a delivered task: the owners' shares of the pool, then the analyst's fee, dust and bond.
    function _settle(uint256 taskId, Task storage t) private {
        (uint256 analystFee, address[] memory owners, uint256[] memory amounts, uint256 ownersPaid) = _settlement(
            taskId,
            t
        );
        uint256 bond = t.bond;
        address analyst = t.analyst;
        t.state = TaskState.Settled;
        for (uint256 i = 0; i < owners.length; ++i) {
            emit OwnerPaid(taskId, owners[i], amounts[i]);
        }
        emit TaskSettled(taskId, analystFee, ownersPaid, bond);
        _payAll(owners, amounts);
        _TOKEN.safeTransfer(analyst, analystFee + bond);
    }

    /// @dev The payment rule: the analyst's fee is rounded down, the owners split the rest by
    /// weight, each rounded down, and the analyst takes what the roundings left, so the payments
    /// add up to the price exactly.
    function _settlement(
        uint256 taskId,
        Task storage t
    ) private view returns (uint256 analystFee, address[] memory owners, uint256[] memory amounts, uint256 ownersPaid) {
        uint256 price = t.price;
        uint256 fee = Math.mulDiv(price, t.feeBps, BPS);
        (owners, amounts, ownersPaid) = _shares(taskId, price - fee);
        analystFee = price - ownersPaid;
    }

    /// @dev `amount` split among the owners of task `taskId` in proportion to their weights, each
    /// share rounded down; `paid` is their sum (≤ amount). Called only once a round was committed,
    /// so the total weight is positive: a round has t ≥ 2 survivors, each with samples > 0.
    function _shares(
        uint256 taskId,
        uint256 amount
    ) private view returns (address[] memory owners, uint256[] memory amounts, uint256 paid) {
        owners = _owners[taskId];
        uint256 n = owners.length;
        amounts = new uint256[](n);
        uint256[] memory weights = new uint256[](n);
        uint256 total = 0;
        for (uint256 i = 0; i < n; ++i) {
            weights[i] = _weight(_members[taskId][owners[i]]);
            total += weights[i];
        }
        for (uint256 i = 0; i < n; ++i) {
            amounts[i] = Math.mulDiv(amount, weights[i], total);
            paid += amounts[i];
        }
    }

    function _payAll(address[] memory owners, uint256[] memory amounts) private {
        for (uint256 i = 0; i < owners.length; ++i) {
            if (amounts[i] > 0) _TOKEN.safeTransfer(owners[i], amounts[i]);
        }
    }

    /// @dev Task `taskId`, called by its analyst, in state `expected`, before its deadline.
    function _analystTask(uint256 taskId, TaskState expected) private view returns (Task storage t) {
        t = _task(taskId);
        if (msg.sender != t.analyst) revert NotAnalyst(taskId, msg.sender);
        _requireState(taskId, t, expected);
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp >= t.deadline) revert DeadlinePassed(block.timestamp, t.deadline);
    }

    function _task(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.state == TaskState.None) revert UnknownTask(taskId);
    }

    function _requireState(uint256 taskId, Task storage t, TaskState expected) private view {
        if (t.state != expected) revert WrongState(taskId, t.state);
    }

    function _joinDigest(Join calldata join) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(JOIN_TYPEHASH, join.taskId, join.owner, join.samples, join.keysHash))
            );
    }

    function _roundAckDigest(RoundAck memory ack) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ROUND_ACK_TYPEHASH,
                        ack.taskId,
                        ack.round,
                        ack.survivors,
                        ack.aggregateHash,
                        ack.modelHash
                    )
                )
            );
    }

    function _weight(Member storage m) private view returns (uint256) {
        return uint256(m.samples) * m.roundsSurvived;
    }

    function _survived(uint256 survivors, uint256 i) private pure returns (bool) {
        return (survivors >> i) & 1 == 1;
    }

    function _popcount(uint256 bits) private pure returns (uint256 count) {
        while (bits != 0) {
            bits &= bits - 1;
            ++count;
        }
    }
}
