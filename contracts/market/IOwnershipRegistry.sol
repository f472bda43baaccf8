// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IDataOwnership} from "./IDataOwnership.sol";

/**
 * @title IOwnershipRegistry
 * @notice Ownership of big digital twin data (BDTD) by its hash (paper §4.2): the owner registers
 * `Transaction(Hash, Timestamp, High, Fee, Sign_A)` and, once the hash is in a batch, it cannot be
 * falsified. The first registration of a hash wins.
 *
 * The three block rules are enforced per batch, on chain:
 * - **R1**, two levels: High (time-sensitive: sensor data) and Low (production tasks, equipment
 *   specifications, process plans). The owner picks the level.
 * - **R2**, fees: a High entry may carry a service fee in the data token, paid by the owner to the
 *   orderer that batches it; a Low entry carries none. High entries are signed by their owner
 *   (EIP-712 `Registration`), so the orderer cannot invent or alter one.
 * - **R3**, priority and quota: the High entries of a batch come in non-increasing fee order, and
 *   each batch takes Low entries from the on-chain FIFO queue: with `high` High entries,
 *   `lowTaken = min(lowPending, max(ceil(q * batchSize), batchSize - high))` are popped in the
 *   same transaction and `high + lowTaken <= batchSize` must hold. So whenever Low entries wait,
 *   at least `ceil(q * batchSize)` of them (or all) are in every batch: a Low entry waits at most
 *   its queue position, in batches.
 *
 * Low entries are sent by their owner to {enqueueLow}; the hash is claimed at once (a later
 * registration of it reverts) and registered when a batch pops it. Batch ids start at 1; a record
 * with batch id 0 is still waiting in the Low queue.
 */
interface IOwnershipRegistry is IDataOwnership {
    /// @notice R1's two levels. `Low` is 0 and `High` is 1, the `uint8 level` of a `Registration`.
    enum Level {
        Low,
        High
    }

    /// @notice The kind of a BDTD item (§2.1); optional metadata.
    enum DataKind {
        Unspecified,
        Physical,
        Virtual,
        ServiceSystem,
        Fused
    }

    /// @notice The lifecycle stage of the equipment a BDTD item comes from (§2.1); optional metadata.
    enum LifecycleStage {
        Unspecified,
        Design,
        Manufacturing,
        Integration,
        Using,
        Recycling
    }

    /// @notice The registration of one hash. Field order is the storage layout: one slot plus the fee.
    /// @param owner the data owner (address(0): the hash is unknown)
    /// @param timestamp the owner's timestamp of the data, Unix seconds
    /// @param batchId the batch that registered it; 0 while a Low entry waits in the queue
    /// @param level R1's level
    /// @param kind the data kind (metadata)
    /// @param stage the lifecycle stage (metadata)
    /// @param fee the service fee paid to the orderer, in the data token's smallest unit (High only)
    struct Record {
        address owner;
        uint40 timestamp;
        uint32 batchId;
        Level level;
        DataKind kind;
        LifecycleStage stage;
        uint256 fee;
    }

    /**
     * @notice A High entry as the orderer submits it; the owner signs the EIP-712
     * `Registration(bytes32 dataHash,uint64 timestamp,uint8 level,uint256 fee,address owner,uint256 nonce,uint64 deadline)`.
     * @dev `kind` and `stage` are not in the signed type (the type is fixed by the design); they
     * are the orderer's metadata, checked only for range. Fields follow the signed type's order
     * (the struct only lives in calldata, where packing saves nothing).
     */
    // solhint-disable-next-line gas-struct-packing
    struct HighEntry {
        bytes32 dataHash;
        uint64 timestamp;
        uint8 level;
        uint256 fee;
        address owner;
        uint256 nonce;
        uint64 deadline;
        DataKind kind;
        LifecycleStage stage;
    }

    /**
     * @notice An optional EIP-2612 permit of the data token, owner → this registry, for one entry's
     * fee; `deadline == 0` means none. A failing permit is ignored (it may have been front-run):
     * the fee is then paid from the allowance there is.
     */
    struct FeePermit {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice `dataHash` is already registered (or waiting in the Low queue) by `owner`: the first registration wins.
    error OwnershipAlreadyRegistered(bytes32 dataHash, address owner);
    /// @notice Entry `index` is Low level yet carries fee `fee` (R2: Low data carries none).
    error OwnershipLowLevelFee(uint256 index, uint256 fee);
    /// @notice Entry `index` is Low level without a fee: Low entries go through {enqueueLow}.
    error OwnershipLowLevelInBatch(uint256 index);
    /// @notice Entry `index` has level `level`, neither Low (0) nor High (1).
    error OwnershipInvalidLevel(uint256 index, uint8 level);
    /// @notice Entry `index` has fee `fee`, above the fee `prev` of the entry before it (R3: non-increasing fees).
    error OwnershipFeeOrder(uint256 index, uint256 fee, uint256 prev);
    /// @notice `high` High entries plus the `lowTaken` Low entries R3 takes exceed `batchSize`.
    error OwnershipBatchTooLarge(uint256 high, uint256 lowTaken, uint256 batchSize);
    /// @notice A batch without High entries while the Low queue is empty.
    error OwnershipEmptyBatch();
    /// @notice `timestamp` of `dataHash` is more than {MAX_FUTURE} ahead of or {MAX_AGE} behind `nowTs`.
    error OwnershipTimestampOutOfRange(bytes32 dataHash, uint64 timestamp, uint256 nowTs);
    /// @notice The signature of entry `index` is not one of `owner` (or of its ERC-1271 contract).
    error OwnershipInvalidSignature(uint256 index, address owner);
    /// @notice The signature of entry `index` expired at `deadline`.
    error OwnershipExpiredSignature(uint256 index, uint64 deadline);
    /// @notice `owner` already used `nonce` in a registration.
    error OwnershipNonceUsed(address owner, uint256 nonce);
    /// @notice The entry and signature arrays differ in length.
    error OwnershipLengthMismatch(uint256 entries, uint256 signatures);
    /// @notice The data hash is zero, which marks "no data".
    error OwnershipZeroHash();
    /// @notice A batch size of `size`, outside 1..`max`.
    error OwnershipInvalidBatchSize(uint256 size, uint256 max);
    /// @notice A Low quota of `bps` basis points, outside 1..10000.
    error OwnershipInvalidQuota(uint256 bps);
    /// @notice The token or admin address given to the constructor is zero.
    error OwnershipInvalidAddress(address token, address admin);

    /// @notice `dataHash` was registered by `owner` in batch `batchId`.
    /// @param dataHash the data's hash
    /// @param owner the data owner
    /// @param batchId the batch
    /// @param level R1's level
    /// @param fee the fee paid to the orderer (0 for Low)
    /// @param timestamp the owner's timestamp
    /// @param kind the data kind
    /// @param stage the lifecycle stage
    event OwnershipRegistered(
        bytes32 indexed dataHash,
        address indexed owner,
        uint256 indexed batchId,
        Level level,
        uint256 fee,
        uint64 timestamp,
        DataKind kind,
        LifecycleStage stage
    );

    /// @notice `dataHash` of `owner` joined the Low queue at `position` (0-based since the first enqueue).
    /// @param dataHash the data's hash
    /// @param owner the data owner
    /// @param position the entry's position in the queue, counted since deployment
    event LowEnqueued(bytes32 indexed dataHash, address indexed owner, uint256 position);

    /// @notice Batch `batchId` registered `high` High and `low` Low entries; the orderer got `fees`.
    /// @param batchId the batch
    /// @param orderer the account that sent it (and received the fees)
    /// @param high the High entries
    /// @param low the Low entries popped from the queue
    /// @param fees the sum of the High entries' fees
    event BatchRegistered(uint256 indexed batchId, address indexed orderer, uint256 high, uint256 low, uint256 fees);

    /// @notice The batch size changed.
    /// @param previous the old size
    /// @param size the new size
    event BatchSizeSet(uint256 previous, uint256 size);

    /// @notice R3's Low quota changed.
    /// @param previous the old quota, basis points
    /// @param bps the new quota, basis points
    event QuotaSet(uint256 previous, uint256 bps);

    /**
     * @notice Put `dataHash` in the Low queue as the caller's, with no fee. The hash is claimed at
     * once; it is registered when a batch pops it.
     * @dev Reverts with {OwnershipZeroHash}, {OwnershipAlreadyRegistered} (naming the first owner)
     * and {OwnershipTimestampOutOfRange}. Emits {LowEnqueued}.
     * @param dataHash the data's hash
     * @param timestamp the owner's timestamp of the data, Unix seconds
     * @param kind the data kind
     * @param stage the lifecycle stage
     * @return position the entry's position in the queue
     */
    function enqueueLow(
        bytes32 dataHash,
        uint64 timestamp,
        DataKind kind,
        LifecycleStage stage
    ) external returns (uint256 position);

    /**
     * @notice Register a batch: the owner-signed High `entries` (fees non-increasing) and the Low
     * entries R3 takes from the queue; each High fee is paid owner → caller in the data token.
     * @dev Reverts with {OwnershipLengthMismatch}, {OwnershipEmptyBatch}, {OwnershipBatchTooLarge},
     * {OwnershipInvalidLevel}, {OwnershipLowLevelFee}, {OwnershipLowLevelInBatch},
     * {OwnershipFeeOrder}, {OwnershipZeroHash}, {OwnershipExpiredSignature},
     * {OwnershipTimestampOutOfRange}, {OwnershipInvalidSignature}, {OwnershipNonceUsed},
     * {OwnershipAlreadyRegistered}, and the token's errors when a fee cannot be paid
     * (`ERC20InsufficientAllowance`, `ERC20InsufficientBalance`). Emits {OwnershipRegistered} per
     * entry (High first, then Low in queue order) and {BatchRegistered}.
     * @param entries the High entries, fees non-increasing
     * @param signatures each entry's EIP-712 `Registration` signature by its owner
     * @return batchId the batch's id
     */
    function registerBatch(
        HighEntry[] calldata entries,
        bytes[] calldata signatures
    ) external returns (uint256 batchId);

    /**
     * @notice {registerBatch}, first applying each entry's optional fee permit (`permits[i].deadline == 0`: none).
     * @dev Reverts as {registerBatch}, with {OwnershipLengthMismatch} also for `permits`.
     * @param entries the High entries, fees non-increasing
     * @param signatures each entry's EIP-712 `Registration` signature by its owner
     * @param permits each entry's optional EIP-2612 permit of its fee
     * @return batchId the batch's id
     */
    function registerBatchWithPermits(
        HighEntry[] calldata entries,
        bytes[] calldata signatures,
        FeePermit[] calldata permits
    ) external returns (uint256 batchId);

    /**
     * @notice Set the batch size, 1..{MAX_BATCH_SIZE}.
     * @dev Reverts with {OwnershipInvalidBatchSize}. Emits {BatchSizeSet}.
     * @param size the new batch size
     */
    function setBatchSize(uint256 size) external;

    /**
     * @notice Set R3's Low quota q, in basis points (1..10000).
     * @dev Reverts with {OwnershipInvalidQuota}. Emits {QuotaSet}.
     * @param bps the new quota
     */
    function setQuota(uint256 bps) external;

    /// @notice The record of `dataHash` (all zero when unknown; batch id 0 while it waits in the Low queue).
    /// @param dataHash the data's hash
    /// @return the record
    function registration(bytes32 dataHash) external view returns (Record memory);

    /// @notice Low entries waiting in the queue.
    /// @return the count
    function lowPending() external view returns (uint256);

    /// @notice The hash at 0-based `offset` from the head of the Low queue (`offset < lowPending()`).
    /// @param offset distance from the head
    /// @return the data hash (zero past the tail)
    function lowAt(uint256 offset) external view returns (bytes32);

    /**
     * @notice How many Low entries a batch with `high` High entries takes:
     * `min(lowPending, max(ceil(q * batchSize), batchSize - high))` (`batchSize - high` floored at 0).
     * @param high the High entries of the batch
     * @return the Low entries taken
     */
    function lowTaken(uint256 high) external view returns (uint256);

    /// @notice Whether `owner` used registration nonce `nonce`.
    /// @param owner the data owner
    /// @param nonce the nonce
    /// @return true once used
    function nonceUsed(address owner, uint256 nonce) external view returns (bool);

    /// @notice The batch size (the paper's Fabric `MaxMessageCount`, 5 by default).
    /// @return the size
    function batchSize() external view returns (uint256);

    /// @notice R3's Low quota q, basis points (2000 = 0.2 by default).
    /// @return the quota
    function quotaBps() external view returns (uint256);

    /// @notice The number of batches registered; also the id of the latest (ids start at 1).
    /// @return the count
    function batchCount() external view returns (uint256);
}
