// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IReputation} from "./IReputation.sol";

/**
 * @title IAnalysisMarket
 * @notice The data-analysis service of §3.2 on one community chain: a data consumer (DC) pays a
 * data analyst (DA) to train a model by horizontal federated learning over the data of data
 * owners (DOs), who keep their raw data and are paid by their contribution. The paper says only
 * that "DA pays the corresponding fees based on the contributions of DOs, and at the same time,
 * DA charges DCs"; the escrow, bond, acknowledgements and deadlines are this contract's:
 *
 * - `Requested`: the DC escrowed the price for a named DA ({request}); it may {cancel}.
 * - `Accepted`: the DA named its fee and bonded {BOND_BPS} of the price ({accept}).
 * - `Training`: the DA relayed the EIP-712 `Join`s of 2…{MAX_OWNERS} DOs whose trust is at least
 *   the reputation's `MIN_TRUST` ({select}); a majority threshold t = ⌊n/2⌋ + 1. Each
 *   {commitRound} carries the `RoundAck` signatures of its surviving DOs, at least t, so the DA
 *   cannot invent rounds or survivors; each round feeds every selected DO's reputation.
 * - `Delivered`: the DA delivered the last round's model before the deadline ({deliver}); the DC
 *   may {confirm} at once, anyone may {finalize} once {REVIEW_PERIOD} passed. Both settle
 *   (→ `Settled`): the DA gets its fee, the rounding dust and its bond back, each DO
 *   ⌊pool·w/Σw⌋ of the rest with w = samples × rounds survived.
 * - From the deadline on, a task not delivered can be reclaimed by anyone ({reclaim},
 *   → `Reclaimed`): the escrow back to the DC; a bond goes to the DOs by the same weights (they
 *   worked for a model that never came), or to the DC when no round was committed.
 *
 * Every deadline is exclusive for the party that must act by it and inclusive for the other: at
 * `deadline` the DA is late and anyone may reclaim; at `reviewEnds` anyone may finalize.
 *
 * @dev Joins and acks are signed by the DOs and relayed by the DA, so DOs on other community
 * chains need no gas (and no account) on this one. Signatures are checked with
 * OpenZeppelin's `SignatureChecker` (EOA or ERC-1271).
 */
interface IAnalysisMarket {
    /// @notice Where a task stands. `None` marks an id never issued.
    enum TaskState {
        None,
        Requested,
        Accepted,
        Training,
        Delivered,
        Settled,
        Cancelled,
        Reclaimed
    }

    /// @notice A task. Fields are zero until they are known.
    // Packed: consumer+deadline+feeBps+state+threshold and analyst+reviewEnds+rounds fill a word
    // each, so a request writes five words, a round one besides the members.
    struct Task {
        address consumer;
        uint64 deadline;
        uint16 feeBps;
        TaskState state;
        uint8 threshold;
        address analyst;
        uint64 reviewEnds;
        uint32 rounds;
        uint256 price;
        uint256 bond;
        bytes32 specHash;
        bytes32 modelHash;
        bytes32 modelPointer;
    }

    /**
     * @notice A DO's consent to take part in task `taskId` (EIP-712 `Join`, signed by `owner`).
     * @param taskId the task joined
     * @param owner the data owner, the signer
     * @param samples how many training samples it contributes (its weight per round survived)
     * @param keysHash the hash of its secure-aggregation public keys for this task
     */
    struct Join {
        uint256 taskId;
        address owner;
        uint64 samples;
        bytes32 keysHash;
    }

    /**
     * @notice A surviving DO's acknowledgement of a training round (EIP-712 `RoundAck`): it took
     * part, saw the survivor set and the aggregate, and updated to model `modelHash`.
     * @param taskId the task
     * @param round the round, 1, 2, …
     * @param survivors a bitmap over the indices of the selected owners ({ownersOf}): bit i set when owner i survived
     * @param aggregateHash the hash of the round's securely aggregated update
     * @param modelHash the hash of the model after the round
     */
    struct RoundAck {
        uint256 taskId;
        uint32 round;
        uint256 survivors;
        bytes32 aggregateHash;
        bytes32 modelHash;
    }

    /// @notice A selected DO of a task. All zero for an address not selected.
    struct Member {
        bool selected;
        uint8 index;
        uint64 samples;
        uint32 roundsSurvived;
        bytes32 keysHash;
    }

    /// @notice What settling a task pays (see {paymentsPreview}).
    struct Payments {
        /// @dev the DA's fee plus the rounding dust of the owners' shares
        uint256 analystFee;
        uint256 ownersPaid;
        uint256 bond;
        address[] owners;
        uint256[] amounts;
    }

    /// @notice An address given to the constructor, or a request's analyst, is zero.
    error InvalidAddress(address given);
    /// @notice Task `taskId` was never requested.
    error UnknownTask(uint256 taskId);
    /// @notice `caller` is not the consumer of task `taskId`.
    error NotConsumer(uint256 taskId, address caller);
    /// @notice `caller` is not the analyst of task `taskId`.
    error NotAnalyst(uint256 taskId, address caller);
    /// @notice Task `taskId` is in state `state`, not one allowing this call.
    error WrongState(uint256 taskId, TaskState state);
    /// @notice A request's price is zero.
    error ZeroPrice();
    /// @notice The call was allowed only before `deadline`; it is `now`.
    error DeadlinePassed(uint256 now, uint256 deadline);
    /// @notice The call is allowed from `deadline` on; it is `now`.
    error DeadlineNotPassed(uint256 now, uint256 deadline);
    /// @notice The analyst's fee `feeBps` is above `maxBps` ({MAX_FEE_BPS}).
    error FeeTooHigh(uint256 feeBps, uint256 maxBps);
    /// @notice `count` joins, fewer than `min` ({MIN_OWNERS}).
    error TooFewOwners(uint256 count, uint256 min);
    /// @notice `count` joins, more than `max` ({MAX_OWNERS}).
    error TooManyOwners(uint256 count, uint256 max);
    /// @notice `joins` joins came with `signatures` signatures.
    error SignatureCountMismatch(uint256 joins, uint256 signatures);
    /// @notice `owner` joins twice.
    error DuplicateOwner(address owner);
    /// @notice `owner` joins with no samples.
    error ZeroSamples(address owner);
    /// @notice The join's signature is not `owner`'s.
    error BadJoinSignature(address owner);
    /// @notice A join for task `got` was relayed to task `expected`.
    error WrongTask(uint256 expected, uint256 got);
    /// @notice `owner`'s trust `trust` is below the reputation's `MIN_TRUST`.
    error LowReputation(address owner, uint256 trust);
    /// @notice The next round is `expected`, not `got`.
    error WrongRound(uint256 expected, uint256 got);
    /// @notice Survivor bitmap `survivors` has a bit at or above the `owners` selected.
    error SurvivorOutOfRange(uint256 survivors, uint256 owners);
    /// @notice Round `round` has `acks` survivors, fewer than the threshold `threshold`.
    error TooFewAcks(uint256 round, uint256 acks, uint256 threshold);
    /// @notice The bitmap names `survivors` survivors but `acks` acks came.
    error AckCountMismatch(uint256 survivors, uint256 acks);
    /// @notice The ack of survivor `owner` is not its signature of the round.
    error BadAckSignature(address owner);
    /// @notice The model delivered, `got`, is not the last round's, `expected`.
    error ModelMismatch(bytes32 expected, bytes32 got);
    /// @notice Task `taskId` has no committed round.
    error NoRounds(uint256 taskId);
    /// @notice The review period ends at `reviewEnds`; it is `now`.
    error ReviewNotOver(uint256 now, uint256 reviewEnds);

    /// @notice `consumer` escrowed `price` for `analyst` to deliver, before `deadline`, the analysis specified by `specHash`.
    event TaskRequested(
        uint256 indexed taskId,
        address indexed consumer,
        address indexed analyst,
        uint256 price,
        uint64 deadline,
        bytes32 specHash
    );
    /// @notice The consumer cancelled task `taskId` before it was accepted: `refunded` back to it.
    event TaskCancelled(uint256 indexed taskId, uint256 refunded);
    /// @notice The analyst accepted task `taskId` for a fee of `feeBps` of the price, bonding `bond`.
    event TaskAccepted(uint256 indexed taskId, uint16 feeBps, uint256 bond);
    /// @notice The analyst selected `owners` (bitmap index i is `owners[i]`); a round needs `threshold` acks.
    event OwnersSelected(uint256 indexed taskId, address[] owners, uint256 threshold);
    /// @notice Round `round` of task `taskId`: acknowledged by `survivors`, aggregate `aggregateHash`, model `modelHash`.
    event RoundCommitted(
        uint256 indexed taskId,
        uint32 round,
        uint256 survivors,
        bytes32 aggregateHash,
        bytes32 modelHash
    );
    /// @notice The analyst delivered model `modelHash`, stored at `modelPointer`; review until `reviewEnds`.
    event ModelDelivered(uint256 indexed taskId, bytes32 modelHash, bytes32 modelPointer, uint64 reviewEnds);
    /// @notice Data owner `owner` of task `taskId` was paid `amount` (its share of the pool, or of a reclaimed bond).
    event OwnerPaid(uint256 indexed taskId, address indexed owner, uint256 amount);
    /// @notice Task `taskId` settled: `analystFee` (fee and dust) and `bondReturned` to the analyst, `ownersPaid` to the owners.
    event TaskSettled(uint256 indexed taskId, uint256 analystFee, uint256 ownersPaid, uint256 bondReturned);
    /// @notice Task `taskId` was reclaimed after its deadline: `refunded` to the consumer, `bondToOwners` to the owners.
    event TaskReclaimed(uint256 indexed taskId, uint256 refunded, uint256 bondToOwners);

    /**
     * @notice Ask `analyst` for the analysis specified by `specHash`, delivered before `deadline`,
     * escrowing `price` from the caller (the DC; it approves this contract for it).
     * @dev Reverts with {InvalidAddress} for a zero analyst, {ZeroPrice} and {DeadlinePassed} for
     * a deadline not in the future. Emits {TaskRequested}.
     * @return taskId the new task's id (1, 2, …)
     */
    function request(
        address analyst,
        uint256 price,
        uint64 deadline,
        bytes32 specHash
    ) external returns (uint256 taskId);

    /// @notice Withdraw requested task `taskId` (its DC) before the analyst accepted it: the escrow
    /// back. Emits {TaskCancelled}.
    function cancel(uint256 taskId) external;

    /// @notice Accept requested task `taskId` (its analyst) before its deadline for a fee of
    /// `feeBps` (≤ {MAX_FEE_BPS}) of the price, bonding {BOND_BPS} of the price (the analyst
    /// approves this contract for it). Emits {TaskAccepted}.
    function accept(uint256 taskId, uint16 feeBps) external;

    /**
     * @notice Select the DOs of accepted task `taskId` (its analyst, before the deadline) by
     * relaying their signed joins; `signatures[i]` is `joins[i].owner`'s EIP-712 signature of `joins[i]`.
     * @dev Reverts with {TooFewOwners}, {TooManyOwners}, {SignatureCountMismatch}, and per join
     * {WrongTask}, {ZeroSamples}, {DuplicateOwner}, {BadJoinSignature} and {LowReputation}.
     * The owners' order is the bitmap order of every round. Emits {OwnersSelected}.
     */
    function select(uint256 taskId, Join[] calldata joins, bytes[] calldata signatures) external;

    /**
     * @notice Commit training round `round` (the last + 1) of task `taskId` (its analyst, while
     * training, before the deadline). `acks[j]` is the EIP-712 `RoundAck` signature of the owner
     * of the j-th set bit of `survivors`, lowest bit first.
     * @dev Reverts with {WrongRound}, {SurvivorOutOfRange}, {TooFewAcks} (fewer than the
     * threshold survivors), {AckCountMismatch} and {BadAckSignature}. Counts a round survived for
     * each survivor and records every selected owner's round on the reputation (acked or
     * dropped). Emits {RoundCommitted}.
     */
    function commitRound(
        uint256 taskId,
        uint32 round,
        uint256 survivors,
        bytes32 aggregateHash,
        bytes32 modelHash,
        bytes[] calldata acks
    ) external;

    /// @notice Deliver the model of task `taskId` (its analyst, before the deadline): `modelHash`
    /// must be the last round's ({NoRounds}, {ModelMismatch}); `modelPointer` says where the DC
    /// fetches it. Starts the review period. Emits {ModelDelivered}.
    function deliver(uint256 taskId, bytes32 modelHash, bytes32 modelPointer) external;

    /// @notice Accept the delivered model of task `taskId` (its DC) and settle at once. Emits
    /// {OwnerPaid} per owner and {TaskSettled}.
    function confirm(uint256 taskId) external;

    /// @notice Settle delivered task `taskId` (anyone) once its review period is over
    /// ({ReviewNotOver}). Emits {OwnerPaid} per owner and {TaskSettled}.
    function finalize(uint256 taskId) external;

    /// @notice Unwind task `taskId`, not delivered (Requested, Accepted or Training), from its
    /// deadline on (anyone): the escrow to the DC; the bond to the owners by weight (the dust to
    /// the DC) once a round was committed, else to the DC. Emits {OwnerPaid} per owner paid a share
    /// of the bond and {TaskReclaimed}.
    function reclaim(uint256 taskId) external;

    /// @notice The data token prices and bonds are paid in.
    function token() external view returns (IERC20);

    /// @notice The reputation the market reads at {select} and feeds at {commitRound}.
    function reputation() external view returns (IReputation);

    /// @notice Task `taskId`. Reverts with {UnknownTask} for an id never issued.
    function task(uint256 taskId) external view returns (Task memory);

    /// @notice The number of tasks requested so far (the last task id).
    function taskCount() external view returns (uint256);

    /// @notice The selected owners of task `taskId`, in bitmap order (empty before {select}).
    function ownersOf(uint256 taskId) external view returns (address[] memory);

    /// @notice What task `taskId` records of `owner` (all zero if it was not selected).
    function memberOf(uint256 taskId, address owner) external view returns (Member memory);

    /// @notice The rounds of task `taskId` that `owner` survived.
    function roundsSurvived(uint256 taskId, address owner) external view returns (uint256);

    /// @notice `owner`'s weight in task `taskId`: samples × rounds survived.
    function weightOf(uint256 taskId, address owner) external view returns (uint256);

    /// @notice What settling task `taskId` would pay now (the analyst's fee with the dust, each
    /// owner's share, the bond). Reverts with {UnknownTask} and {NoRounds}.
    function paymentsPreview(uint256 taskId) external view returns (Payments memory);

    /// @notice The EIP-712 digest a DO signs for `join`.
    function joinDigest(Join calldata join) external view returns (bytes32);

    /// @notice The EIP-712 digest a surviving DO signs for `ack`.
    function roundAckDigest(RoundAck calldata ack) external view returns (bytes32);
}
