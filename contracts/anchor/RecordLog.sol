// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRecordLog} from "./IRecordLog.sol";

/**
 * @title RecordLog
 * @notice The log of communication records of one community chain. Records are written in
 * batches: per batch the chain keeps the Merkle root of its record leaves, the range of record
 * sequence numbers it holds and a URI where its records can be fetched, so thousands of records
 * cost one transaction.
 * @dev A record's id is its chain-local sequence number. Batch `b` holds the records
 * `firstSequence .. firstSequence + count - 1`, leaf `i` of its tree being record
 * `firstSequence + i`. Leaves are `keccak256(bytes.concat(keccak256(abi.encode(sequence,
 * timestamp, from, to, size))))` (OpenZeppelin StandardMerkleTree style) and inner nodes hash
 * sorted pairs, as {MerkleProof} expects.
 *
 * State lives in an ERC-7201 namespace so that a light client can compute, without trusting
 * anyone, the storage slots it asks an untrusted node to prove with `eth_getProof`:
 * `batchSlot(b) = keccak256(abi.encode(b, RECORD_LOG_STORAGE_SLOT))` holds the root,
 * `batchSlot(b) + 1` packs `firstSequence` (bits 0-63) and `count` (bits 64-95), and
 * `RECORD_LOG_STORAGE_SLOT + 1` packs `nextSequence` (bits 0-63) and `batchCount` (bits 64-127).
 */
contract RecordLog is IRecordLog, AccessControl {
    /// @notice Role of the community's relay or gateway, the only accounts that append batches.
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");

    /// @notice Longest batch location URI accepted, in bytes; bounds the storage a batch costs.
    uint256 public constant MAX_LOCATION_LENGTH = 256;

    /// @notice Base slot of the contract's state:
    /// `keccak256(abi.encode(uint256(keccak256("commchain.storage.RecordLog")) - 1)) & ~bytes32(uint256(0xff))`.
    bytes32 public constant RECORD_LOG_STORAGE_SLOT =
        0x342c992932cf04a6278e44713ba6aac075ba528a96d799c2e66035121d76ca00;

    /// @custom:storage-location erc7201:commchain.storage.RecordLog
    struct RecordLogStorage {
        mapping(uint256 batchId => Batch) batches;
        uint64 nextSequence;
        uint64 batchCount;
    }

    /// @param admin the account that may grant and revoke {WRITER_ROLE}
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @inheritdoc IRecordLog
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {WRITER_ROLE}, otherwise as {IRecordLog-appendBatch}; a location is at most
     * {MAX_LOCATION_LENGTH} bytes long.
     */
    function appendBatch(
        bytes32 root,
        uint64 firstSequence,
        uint32 count,
        string calldata location
    ) external onlyRole(WRITER_ROLE) returns (uint256 batchId) {
        RecordLogStorage storage $ = _storage();
        batchId = $.batchCount;
        if (firstSequence != $.nextSequence) revert RecordLogSequenceMismatch($.nextSequence, firstSequence);
        if (count == 0) revert RecordLogEmptyBatch(batchId);
        if (root == bytes32(0)) revert RecordLogZeroRoot(batchId);
        uint256 length = bytes(location).length;
        if (length == 0 || length > MAX_LOCATION_LENGTH) {
            revert RecordLogInvalidLocation(length, MAX_LOCATION_LENGTH);
        }

        $.batches[batchId] = Batch({root: root, firstSequence: firstSequence, count: count, location: location});
        $.nextSequence = firstSequence + count;
        $.batchCount = uint64(batchId + 1);
        emit BatchAppended(batchId, root, firstSequence, count, location, msg.sender);
    }

    /// @inheritdoc IRecordLog
    function batch(uint256 batchId) external view returns (Batch memory) {
        RecordLogStorage storage $ = _storage();
        if (!(batchId < $.batchCount)) revert RecordLogUnknownBatch(batchId, $.batchCount);
        return $.batches[batchId];
    }

    /**
     * @inheritdoc IRecordLog
     * @dev Binary search over the batches' contiguous sequence ranges. Reverts with
     * {RecordLogUnknownRecord} for a record not written yet.
     */
    function batchOf(uint256 recordId) public view returns (uint256 batchId) {
        RecordLogStorage storage $ = _storage();
        if (!(recordId < $.nextSequence)) revert RecordLogUnknownRecord(recordId, $.nextSequence);
        uint256 low = 0;
        uint256 high = $.batchCount - 1;
        while (low < high) {
            uint256 mid = (low + high + 1) / 2;
            if (recordId < $.batches[mid].firstSequence) high = mid - 1;
            else low = mid;
        }
        return low;
    }

    /// @inheritdoc IRecordLog
    function verify(
        uint64 recordId,
        uint64 timestamp,
        string calldata from,
        string calldata to,
        uint64 size,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 root = _storage().batches[batchOf(recordId)].root;
        return MerkleProof.verifyCalldata(proof, root, _leaf(recordId, timestamp, from, to, size));
    }

    /// @inheritdoc IRecordLog
    function leafHash(
        uint64 sequence,
        uint64 timestamp,
        string calldata from,
        string calldata to,
        uint64 size
    ) external pure returns (bytes32) {
        return _leaf(sequence, timestamp, from, to, size);
    }

    /// @inheritdoc IRecordLog
    function nextSequence() external view returns (uint256) {
        return _storage().nextSequence;
    }

    /// @inheritdoc IRecordLog
    function batchCount() external view returns (uint256) {
        return _storage().batchCount;
    }

    function _leaf(
        uint64 sequence,
        uint64 timestamp,
        string calldata from,
        string calldata to,
        uint64 size
    ) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(sequence, timestamp, from, to, size))));
    }

    function _storage() private pure returns (RecordLogStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := RECORD_LOG_STORAGE_SLOT
        }
    }
}
