// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title IRecordLog
 * @notice The log of communication records of one community chain. Records are written in
 * batches: per batch the chain keeps the Merkle root of its record leaves, the range of record
 * sequence numbers it holds and a URI where its records can be fetched, so thousands of records
 * cost one transaction. A record's id is its chain-local sequence number.
 */
interface IRecordLog {
    /// @notice One batch of records as kept on chain.
    /// @param root Merkle root of the batch's record leaves
    /// @param firstSequence sequence number (record id) of the batch's first record
    /// @param count number of records in the batch
    /// @param location URI where the batch's records can be fetched (`file:`, `ipfs://<CID>`, ...)
    struct Batch {
        bytes32 root;
        uint64 firstSequence;
        uint32 count;
        string location;
    }

    /// @notice A batch was appended with an empty Merkle root, which marks "no batch" for provers.
    error RecordLogZeroRoot(uint256 batchId);
    /// @notice A batch was appended without records.
    error RecordLogEmptyBatch(uint256 batchId);
    /// @notice A batch's first sequence number is not the log's next one (another writer won the race).
    error RecordLogSequenceMismatch(uint256 expected, uint256 given);
    /// @notice A batch's location is empty or longer than the longest location accepted.
    error RecordLogInvalidLocation(uint256 length, uint256 maxLength);
    /// @notice No batch has this id yet.
    error RecordLogUnknownBatch(uint256 batchId, uint256 batchCount);
    /// @notice No record has this id yet.
    error RecordLogUnknownRecord(uint256 recordId, uint256 nextSequence);

    /// @notice A batch of records was appended.
    /// @param batchId the batch's id (0, 1, 2, ...)
    /// @param root Merkle root of the batch's record leaves
    /// @param firstSequence record id of the batch's first record
    /// @param count number of records in the batch
    /// @param location URI where the batch's records can be fetched
    /// @param writer the account that appended the batch
    event BatchAppended(
        uint256 indexed batchId,
        bytes32 indexed root,
        uint64 firstSequence,
        uint32 count,
        string location,
        address indexed writer
    );

    /**
     * @notice Append a batch of `count` records whose leaves have Merkle root `root`.
     * @dev Reverts with {RecordLogSequenceMismatch} unless `firstSequence` is {nextSequence} (the
     * writer built its leaves on these sequence numbers), {RecordLogEmptyBatch},
     * {RecordLogZeroRoot} and {RecordLogInvalidLocation}. Emits {BatchAppended}.
     * @param root Merkle root of the batch's record leaves
     * @param firstSequence record id of the batch's first record; must equal {nextSequence}
     * @param count number of records in the batch
     * @param location URI where the batch's records can be fetched
     * @return batchId the new batch's id
     */
    function appendBatch(
        bytes32 root,
        uint64 firstSequence,
        uint32 count,
        string calldata location
    ) external returns (uint256 batchId);

    /**
     * @notice The batch with id `batchId`.
     * @dev Reverts with {RecordLogUnknownBatch} for an id not appended yet.
     * @param batchId the batch's id
     * @return the batch's root, first record id, record count and location
     */
    function batch(uint256 batchId) external view returns (Batch memory);

    /**
     * @notice The id of the batch that holds record `recordId`.
     * @dev Reverts with {RecordLogUnknownRecord} for a record not written yet.
     * @param recordId the record's id (its sequence number)
     * @return batchId the batch's id
     */
    function batchOf(uint256 recordId) external view returns (uint256 batchId);

    /**
     * @notice Whether the record with id `recordId` and these fields is in its batch's tree.
     * @dev The leaf is computed from `recordId` and the fields (as {leafHash}), never taken as
     * given: a sorted-pair Merkle proof does not fix a leaf's position, so a caller-supplied leaf
     * of record A with A's proof would otherwise pass as any record B of the same batch. Reverts
     * with {RecordLogUnknownRecord} for a record not written yet.
     * @param recordId the record's id (its sequence number), bound into the leaf
     * @param timestamp the communication's time, Unix milliseconds
     * @param from the sending device's id
     * @param to the receiving device's id
     * @param size the bytes transferred
     * @param proof sibling hashes from the leaf up to the root
     * @return true if `proof` leads from the record's leaf to the root of the batch holding `recordId`
     */
    function verify(
        uint64 recordId,
        uint64 timestamp,
        string calldata from,
        string calldata to,
        uint64 size,
        bytes32[] calldata proof
    ) external view returns (bool);

    /**
     * @notice The Merkle leaf of a record, as the off-chain writer computes it:
     * `keccak256(bytes.concat(keccak256(abi.encode(sequence, timestamp, from, to, size))))`.
     * @param sequence the record's id (chain-local sequence number)
     * @param timestamp the communication's time, Unix milliseconds
     * @param from the sending device's id
     * @param to the receiving device's id
     * @param size the bytes transferred
     * @return the leaf hash
     */
    function leafHash(
        uint64 sequence,
        uint64 timestamp,
        string calldata from,
        string calldata to,
        uint64 size
    ) external pure returns (bytes32);

    /// @notice The id the next record will get; also the number of records written.
    /// @return the next sequence number
    function nextSequence() external view returns (uint256);

    /// @notice The number of batches appended; also the id the next batch will get.
    /// @return the batch count
    function batchCount() external view returns (uint256);
}
