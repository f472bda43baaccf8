// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IDataOwnership} from "./IDataOwnership.sol";
import {IOwnershipRegistry} from "./IOwnershipRegistry.sol";

/**
 * @title OwnershipRegistry
 * @notice Ownership of big digital twin data by its hash, with the paper's three block rules
 * (§4.2) checked per batch on chain: levels (R1), owner-signed fees paid to the orderer (R2), fee
 * priority and a Low quota (R3). See {IOwnershipRegistry}.
 * @dev The orderer service (`src/market/orderer.ts`) cuts batches off chain; this contract only
 * accepts batches that obey the rules, so a misbehaving orderer cannot starve the Low queue, alter
 * an owner's entry or charge a fee nobody signed. Fee priority among the High entries *submitted*
 * is checked (non-increasing fees); that no better-paying entry was left out is the orderer's
 * property, since the contract never sees the entries the orderer holds back.
 *
 * Storage per hash is one packed slot ({Entry}) plus, for High entries with a fee, one fee slot.
 * Registration nonces are unordered (a bitmap per owner, 256 nonces a word), since the orderer
 * reorders entries by fee.
 */
contract OwnershipRegistry is IOwnershipRegistry, AccessControl, EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Role of the orderer service, the only accounts that register batches.
    bytes32 public constant ORDERER_ROLE = keccak256("ORDERER_ROLE");

    /// @notice The EIP-712 type the owner of a High entry signs.
    bytes32 public constant REGISTRATION_TYPEHASH = // solhint-disable-next-line gas-small-strings
    keccak256(
        "Registration(bytes32 dataHash,uint64 timestamp,uint8 level,uint256 fee,address owner,uint256 nonce,uint64 deadline)"
    );

    /// @notice The EIP-712 domain name.
    string public constant EIP712_NAME = "commchain OwnershipRegistry";
    /// @notice The EIP-712 domain version.
    string public constant EIP712_VERSION = "1";

    /// @notice Default batch size: the paper's Fabric `MaxMessageCount = 5`.
    uint256 public constant DEFAULT_BATCH_SIZE = 5;
    /// @notice Default Low quota, basis points: q = 0.2 (1 of 5).
    uint256 public constant DEFAULT_QUOTA_BPS = 2000;
    /// @notice Largest batch size accepted; bounds a batch's gas.
    uint256 public constant MAX_BATCH_SIZE = 64;
    /// @notice Basis points of a whole.
    uint256 public constant BPS = 10_000;
    /// @notice How far ahead of the block time a timestamp may be.
    uint256 public constant MAX_FUTURE = 300;
    /// @notice How far behind the block time a timestamp may be.
    uint256 public constant MAX_AGE = 1 days;

    /// @notice The data token fees are paid in.
    IERC20 public immutable TOKEN;

    /// @dev The packed slot of a record (see {IOwnershipRegistry-Record}, without the fee).
    struct Entry {
        address owner;
        uint40 timestamp;
        uint32 batchId;
        Level level;
        DataKind kind;
        LifecycleStage stage;
    }

    mapping(bytes32 dataHash => Entry) private _entries;
    mapping(bytes32 dataHash => uint256) private _fees;
    mapping(address owner => mapping(uint256 word => uint256 bits)) private _nonces;
    mapping(uint256 position => bytes32 dataHash) private _lowQueue;
    uint256 private _lowHead;
    uint256 private _lowTail;
    uint256 private _batchCount;
    uint256 private _batchSize;
    uint256 private _quotaBps;

    /// @param token the data token fees are paid in (ERC-20, with EIP-2612 permit for {registerBatchWithPermits})
    /// @param admin the account that may grant {ORDERER_ROLE} and set the parameters
    constructor(IERC20 token, address admin) EIP712(EIP712_NAME, EIP712_VERSION) {
        if (address(token) == address(0) || admin == address(0)) revert OwnershipInvalidAddress(address(token), admin);
        TOKEN = token;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _batchSize = DEFAULT_BATCH_SIZE;
        _quotaBps = DEFAULT_QUOTA_BPS;
        emit BatchSizeSet(0, DEFAULT_BATCH_SIZE);
        emit QuotaSet(0, DEFAULT_QUOTA_BPS);
    }

    /// @inheritdoc IOwnershipRegistry
    function enqueueLow(
        bytes32 dataHash,
        uint64 timestamp,
        DataKind kind,
        LifecycleStage stage
    ) external returns (uint256 position) {
        if (dataHash == bytes32(0)) revert OwnershipZeroHash();
        _checkUnclaimed(dataHash);
        _checkTimestamp(dataHash, timestamp);
        _entries[dataHash] = Entry({
            owner: msg.sender,
            timestamp: uint40(timestamp),
            batchId: 0,
            level: Level.Low,
            kind: kind,
            stage: stage
        });
        position = _lowTail;
        _lowTail = position + 1;
        _lowQueue[position] = dataHash;
        emit LowEnqueued(dataHash, msg.sender, position);
    }

    /**
     * @inheritdoc IOwnershipRegistry
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds {ORDERER_ROLE}.
     */
    function registerBatch(
        HighEntry[] calldata entries,
        bytes[] calldata signatures
    ) external onlyRole(ORDERER_ROLE) nonReentrant returns (uint256 batchId) {
        return _registerBatch(entries, signatures);
    }

    /**
     * @inheritdoc IOwnershipRegistry
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds {ORDERER_ROLE}.
     * The permits are applied first (each `try`: a front-run permit already set the allowance).
     */
    function registerBatchWithPermits(
        HighEntry[] calldata entries,
        bytes[] calldata signatures,
        FeePermit[] calldata permits
    ) external onlyRole(ORDERER_ROLE) nonReentrant returns (uint256 batchId) {
        if (permits.length != entries.length) revert OwnershipLengthMismatch(entries.length, permits.length);
        for (uint256 i = 0; i < permits.length; ++i) {
            FeePermit calldata p = permits[i];
            if (p.deadline == 0) continue;
            try
                IERC20Permit(address(TOKEN)).permit(entries[i].owner, address(this), p.value, p.deadline, p.v, p.r, p.s)
            {} catch {}
        }
        return _registerBatch(entries, signatures);
    }

    /**
     * @inheritdoc IOwnershipRegistry
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds {DEFAULT_ADMIN_ROLE}.
     */
    function setBatchSize(uint256 size) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (size == 0 || size > MAX_BATCH_SIZE) revert OwnershipInvalidBatchSize(size, MAX_BATCH_SIZE);
        emit BatchSizeSet(_batchSize, size);
        _batchSize = size;
    }

    /**
     * @inheritdoc IOwnershipRegistry
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds {DEFAULT_ADMIN_ROLE}.
     */
    function setQuota(uint256 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps == 0 || bps > BPS) revert OwnershipInvalidQuota(bps);
        emit QuotaSet(_quotaBps, bps);
        _quotaBps = bps;
    }

    /// @inheritdoc IDataOwnership
    /// @dev The owner is named once a batch registered the hash; address(0) while it waits in the Low queue.
    function ownerOf(bytes32 dataHash) external view returns (address) {
        Entry storage e = _entries[dataHash];
        return e.batchId == 0 ? address(0) : e.owner;
    }

    /// @inheritdoc IOwnershipRegistry
    function registration(bytes32 dataHash) external view returns (Record memory) {
        Entry memory e = _entries[dataHash];
        return
            Record({
                owner: e.owner,
                timestamp: e.timestamp,
                batchId: e.batchId,
                level: e.level,
                kind: e.kind,
                stage: e.stage,
                fee: _fees[dataHash]
            });
    }

    /// @inheritdoc IOwnershipRegistry
    function lowPending() external view returns (uint256) {
        return _lowTail - _lowHead;
    }

    /// @inheritdoc IOwnershipRegistry
    function lowAt(uint256 offset) external view returns (bytes32) {
        return _lowQueue[_lowHead + offset];
    }

    /// @inheritdoc IOwnershipRegistry
    function lowTaken(uint256 high) public view returns (uint256) {
        uint256 size = _batchSize;
        uint256 quota = (_quotaBps * size + BPS - 1) / BPS;
        uint256 room = high < size ? size - high : 0;
        uint256 wanted = quota > room ? quota : room;
        uint256 pending = _lowTail - _lowHead;
        return pending < wanted ? pending : wanted;
    }

    /// @inheritdoc IOwnershipRegistry
    function nonceUsed(address owner, uint256 nonce) external view returns (bool) {
        return _nonces[owner][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IOwnershipRegistry
    function batchSize() external view returns (uint256) {
        return _batchSize;
    }

    /// @inheritdoc IOwnershipRegistry
    function quotaBps() external view returns (uint256) {
        return _quotaBps;
    }

    /// @inheritdoc IOwnershipRegistry
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @notice The EIP-712 domain separator of the `Registration` signatures.
    /// @return the separator
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _registerBatch(
        HighEntry[] calldata entries,
        bytes[] calldata signatures
    ) private returns (uint256 batchId) {
        uint256 high = entries.length;
        if (signatures.length != high) revert OwnershipLengthMismatch(high, signatures.length);
        uint256 taken = lowTaken(high);
        if (high + taken > _batchSize) revert OwnershipBatchTooLarge(high, taken, _batchSize);
        if (high + taken == 0) revert OwnershipEmptyBatch();
        batchId = ++_batchCount;

        // Checks and effects of the High entries; the fees move last.
        uint256 fees = 0;
        uint256 prev = type(uint256).max;
        for (uint256 i = 0; i < high; ++i) {
            HighEntry calldata e = entries[i];
            _checkEntry(i, e, prev, signatures[i]);
            prev = e.fee;
            fees += e.fee;
            _entries[e.dataHash] = Entry({
                owner: e.owner,
                timestamp: uint40(e.timestamp),
                batchId: uint32(batchId),
                level: Level.High,
                kind: e.kind,
                stage: e.stage
            });
            if (e.fee != 0) _fees[e.dataHash] = e.fee;
            emit OwnershipRegistered(e.dataHash, e.owner, batchId, Level.High, e.fee, e.timestamp, e.kind, e.stage);
        }

        // R3: the Low quota, popped in queue order.
        uint256 head = _lowHead;
        for (uint256 k = 0; k < taken; ++k) {
            bytes32 dataHash = _lowQueue[head + k];
            delete _lowQueue[head + k];
            Entry storage low = _entries[dataHash];
            low.batchId = uint32(batchId);
            emit OwnershipRegistered(dataHash, low.owner, batchId, Level.Low, 0, low.timestamp, low.kind, low.stage);
        }
        _lowHead = head + taken;
        emit BatchRegistered(batchId, msg.sender, high, taken, fees);

        // R2: each fee owner → orderer.
        for (uint256 i = 0; i < high; ++i) {
            uint256 fee = entries[i].fee;
            if (fee != 0) TOKEN.safeTransferFrom(entries[i].owner, msg.sender, fee);
        }
    }

    /// @dev Every check of High entry `i` (fee before it `prev`), and marks its nonce used.
    function _checkEntry(uint256 i, HighEntry calldata e, uint256 prev, bytes calldata signature) private {
        if (e.level > uint8(Level.High)) revert OwnershipInvalidLevel(i, e.level);
        if (e.level == uint8(Level.Low)) {
            if (e.fee != 0) revert OwnershipLowLevelFee(i, e.fee);
            revert OwnershipLowLevelInBatch(i);
        }
        if (e.fee > prev) revert OwnershipFeeOrder(i, e.fee, prev);
        if (e.dataHash == bytes32(0)) revert OwnershipZeroHash();
        if (block.timestamp > e.deadline) revert OwnershipExpiredSignature(i, e.deadline);
        _checkTimestamp(e.dataHash, e.timestamp);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(REGISTRATION_TYPEHASH, e.dataHash, e.timestamp, e.level, e.fee, e.owner, e.nonce, e.deadline)
            )
        );
        if (!SignatureChecker.isValidSignatureNow(e.owner, digest, signature)) {
            revert OwnershipInvalidSignature(i, e.owner);
        }
        _useNonce(e.owner, e.nonce);
        _checkUnclaimed(e.dataHash);
    }

    function _useNonce(address owner, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = _nonces[owner][nonce >> 8];
        if (bits & bit != 0) revert OwnershipNonceUsed(owner, nonce);
        _nonces[owner][nonce >> 8] = bits | bit;
    }

    function _checkUnclaimed(bytes32 dataHash) private view {
        address first = _entries[dataHash].owner;
        if (first != address(0)) revert OwnershipAlreadyRegistered(dataHash, first);
    }

    function _checkTimestamp(bytes32 dataHash, uint64 timestamp) private view {
        if (timestamp > block.timestamp + MAX_FUTURE || uint256(timestamp) + MAX_AGE < block.timestamp) {
            revert OwnershipTimestampOutOfRange(dataHash, timestamp, block.timestamp);
        }
    }
}
