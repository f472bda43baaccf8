// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IRegister} from "../identity/IRegister.sol";
import {IEquipmentProviderRelationship} from "./IEquipmentProviderRelationship.sol";
import {IRelationshipFactory} from "./IRelationshipFactory.sol";
import {ISummary} from "./ISummary.sol";

/**
 * @title EquipmentProviderRelationship
 * @notice The Equipment Provider Relationship (EPR) of BPIIoT (paper VI.B.2–3) between one device
 * and one service provider. Either party adds data pointers (query string, keccak-256 of the data
 * subset it returns, storage URI): the provider for data it holds about the device, the device for
 * status data it uploads itself (its IoT unit puts the pointer in straight after the upload). The
 * device decides which other registered participants may read each record; every change notifies
 * the Summaries of the device, the provider and the reader concerned. Incentives: the device earns
 * the upload reward for every record added, whoever adds it (it is the device's data); the first
 * verifier to attest a record's hash earns the verification reward and the bonus the record's
 * adder escrowed with it. Rewards are minted by the factory, the single minter.
 * @dev A minimal proxy (clone) created by the {RelationshipFactory}. The device and the provider
 * are identified by their Summaries, whose owners follow the Register, so a participant that moves
 * its identity to a new account keeps its place in the relationship. Every state change is made
 * before any call out (to the token, the factory or a Summary), and every function that calls the
 * token is `nonReentrant` (transient-storage guard) although the token is our own: it is treated as
 * an external contract.
 */
contract EquipmentProviderRelationship is IEquipmentProviderRelationship, Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice The longest query string accepted, in bytes.
    uint256 public constant MAX_QUERY_LENGTH = 1024;
    /// @notice The longest storage URI accepted, in bytes (a CIDv1 with a gateway prefix fits easily).
    uint256 public constant MAX_URI_LENGTH = 256;
    /**
     * @notice The most readers {addRecordWithReaders} authorizes at once. Each costs a Register
     * lookup, a set entry and three Summary notifications (and the first time a Summary link):
     * 16 stay far below a block's gas; more are authorized one by one with {authorize}.
     */
    uint256 public constant MAX_READERS_PER_RECORD = 16;

    IRegister private immutable _REGISTER;
    IERC20 private immutable _TOKEN;

    IRelationshipFactory private _factory;
    ISummary private _deviceSummary;
    ISummary private _providerSummary;
    DataPointer[] private _records;
    mapping(uint256 recordId => EnumerableSet.AddressSet) private _readers;

    /**
     * @dev Shared by every clone (immutables live in the implementation's code); the factory checks
     * they match its own Register and token. The implementation itself is never initialized.
     * @param register_ the Register readers are looked up in
     * @param token_ the DataToken bonuses are escrowed in
     */
    constructor(IRegister register_, IERC20 token_) {
        _REGISTER = register_;
        _TOKEN = token_;
        _disableInitializers();
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function initialize(address deviceSummary_, address providerSummary_) external initializer {
        _factory = IRelationshipFactory(msg.sender);
        _deviceSummary = ISummary(deviceSummary_);
        _providerSummary = ISummary(providerSummary_);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device or provider only ({RelationshipNotParty}). Reverts with {RelationshipEmptyQuery},
     * {RelationshipZeroContentHash}, {RelationshipEmptyUri} or {RelationshipFieldTooLong}, and with
     * the token's error when the bonus exceeds the caller's allowance or balance. Emits
     * {RecordAdded}; mints the upload reward to the device.
     */
    function addRecord(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        uint256 bonus
    ) external nonReentrant returns (uint256 recordId) {
        _onlyParty();
        recordId = _addRecord(query, contentHash, uri, bonus);
        if (bonus > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bonus);
        _afterRecordAdded(recordId);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev As {addRecord}, with the allowance set from the caller's EIP-2612 signature first. A
     * permit can be front-run (its signature is public once sent), which spends it; the allowance it
     * set is then in place all the same, so a failed permit is ignored and the transfer decides.
     */
    function addRecordWithPermit(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        uint256 bonus,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 recordId) {
        _onlyParty();
        recordId = _addRecord(query, contentHash, uri, bonus);
        try IERC20Permit(address(_TOKEN)).permit(msg.sender, address(this), bonus, deadline, v, r, s) {} catch {}
        if (bonus > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bonus);
        _afterRecordAdded(recordId);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device only ({RelationshipNotDevice}); at most {MAX_READERS_PER_RECORD} readers
     * ({RelationshipTooManyReaders}). Reverts as {addRecord} for the record and as {authorize} for
     * each reader, so nothing is added unless every reader can be authorized. Every check and
     * state change (the record, then the readers) comes before the first call out (the bonus
     * transfer, the notifications, the reward, the readers' Summaries). Emits {RecordAdded}, then
     * {ReaderAuthorized} once per reader in the order given.
     */
    function addRecordWithReaders(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        uint256 bonus,
        address[] calldata readers
    ) external nonReentrant returns (uint256 recordId) {
        address device_;
        (recordId, device_) = _addRecordAndReaders(query, contentHash, uri, bonus, readers);
        _afterRecordAndReaders(recordId, bonus, readers, device_);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev As {addRecordWithReaders}, with the allowance set from the device's EIP-2612 signature
     * before the bonus is pulled; a failed permit is ignored as in {addRecordWithPermit}.
     */
    function addRecordWithReadersAndPermit(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        uint256 bonus,
        address[] calldata readers,
        PermitSignature calldata permit
    ) external nonReentrant returns (uint256 recordId) {
        address device_;
        (recordId, device_) = _addRecordAndReaders(query, contentHash, uri, bonus, readers);
        try
            IERC20Permit(address(_TOKEN)).permit(
                msg.sender,
                address(this),
                bonus,
                permit.deadline,
                permit.v,
                permit.r,
                permit.s
            )
        {} catch {}
        _afterRecordAndReaders(recordId, bonus, readers, device_);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev The caller must hold the factory's verifier role ({RelationshipNotVerifier}) and be
     * independent of the relationship: neither its device, its provider, nor the account that
     * added the record ({RelationshipPartyCannotAttest}). The hash must equal the record's
     * ({RelationshipHashMismatch}). A record is attested once: a second attestation reverts with
     * {RelationshipAlreadyAttested}, so no reward is paid twice. Emits {RecordAttested}.
     */
    function attest(uint256 recordId, bytes32 contentHash) external nonReentrant {
        if (!_factory.isVerifier(msg.sender)) revert RelationshipNotVerifier(msg.sender);
        DataPointer storage pointer = _record(recordId);
        if (pointer.attestedBy != address(0)) revert RelationshipAlreadyAttested(recordId, pointer.attestedBy);
        if (msg.sender == pointer.addedBy || msg.sender == device() || msg.sender == serviceProvider()) {
            revert RelationshipPartyCannotAttest(recordId, msg.sender);
        }
        if (contentHash != pointer.contentHash) {
            revert RelationshipHashMismatch(recordId, pointer.contentHash, contentHash);
        }

        pointer.attestedBy = msg.sender;
        // A uint64 of seconds outlasts the chain by billions of years.
        pointer.attestedAt = uint64(block.timestamp);
        uint256 bonus = pointer.bonus;
        emit RecordAttested(recordId, msg.sender, contentHash, bonus);

        if (bonus > 0) _TOKEN.safeTransfer(msg.sender, bonus);
        _factory.reward(IRelationshipFactory.RewardKind.Verification, msg.sender, recordId);
        _notifyParties(ISummary.Topic.RecordAttested, recordId, msg.sender);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device only ({RelationshipNotDevice}). Reverts with {RelationshipUnknownRecord},
     * {RelationshipReaderNotRegistered}, {RelationshipReaderIsParty} or
     * {RelationshipAlreadyAuthorized}. Emits {ReaderAuthorized}; the relationship is added to the
     * reader's Summary (if not there yet) so the reader learns of it, and all three Summaries are
     * notified.
     */
    function authorize(uint256 recordId, address reader) external nonReentrant {
        address device_ = _onlyDevice();
        _record(recordId);
        _grantReader(recordId, reader, device_, serviceProvider());
        _afterReaderAuthorized(recordId, reader, device_);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device only ({RelationshipNotDevice}). Reverts with {RelationshipUnknownRecord} or
     * {RelationshipNotAuthorized}. Emits {ReaderRevoked}; notifies the device's and provider's
     * Summaries, and the reader's if the reader still holds the identity it was authorized under.
     */
    function revoke(uint256 recordId, address reader) external nonReentrant {
        address device_ = _onlyDevice();
        _record(recordId);
        if (!_readers[recordId].remove(reader)) revert RelationshipNotAuthorized(recordId, reader);
        emit ReaderRevoked(recordId, reader);

        _notifyParties(ISummary.Topic.ReaderRevoked, recordId, device_);
        // A reader that moved its identity to another account has no Summary under this address
        // any more, and an account registered anew under it has a Summary without this relationship.
        address readerSummary = _REGISTER.summaryOf(reader);
        if (readerSummary != address(0) && ISummary(readerSummary).statusOf(address(this)) != ISummary.Status.None) {
            ISummary(readerSummary).notify(ISummary.Topic.ReaderRevoked, recordId, device_);
        }
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function canRead(uint256 recordId, address reader) external view returns (bool) {
        if (!(recordId < _records.length)) return false;
        if (reader == device() || reader == serviceProvider()) return true;
        return _readers[recordId].contains(reader) && _REGISTER.isRegistered(reader);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function record(uint256 recordId) external view returns (DataPointer memory) {
        return _record(recordId);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function recordCount() external view returns (uint256) {
        return _records.length;
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function readersOf(uint256 recordId) external view returns (address[] memory) {
        _record(recordId);
        return _readers[recordId].values();
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function isAuthorized(uint256 recordId, address reader) external view returns (bool) {
        _record(recordId);
        return _readers[recordId].contains(reader);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function deviceSummary() external view returns (address) {
        return address(_deviceSummary);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function providerSummary() external view returns (address) {
        return address(_providerSummary);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function factory() external view returns (address) {
        return address(_factory);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function register() external view returns (address) {
        return address(_REGISTER);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function token() external view returns (address) {
        return address(_TOKEN);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function device() public view returns (address) {
        return _deviceSummary.owner();
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function serviceProvider() public view returns (address) {
        return _providerSummary.owner();
    }

    function _addRecord(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        uint256 bonus
    ) private returns (uint256 recordId) {
        uint256 queryLength = bytes(query).length;
        uint256 uriLength = bytes(uri).length;
        if (queryLength == 0) revert RelationshipEmptyQuery();
        if (queryLength > MAX_QUERY_LENGTH) revert RelationshipFieldTooLong("query", queryLength, MAX_QUERY_LENGTH);
        if (contentHash == bytes32(0)) revert RelationshipZeroContentHash();
        if (uriLength == 0) revert RelationshipEmptyUri();
        if (uriLength > MAX_URI_LENGTH) revert RelationshipFieldTooLong("uri", uriLength, MAX_URI_LENGTH);

        recordId = _records.length;
        DataPointer storage pointer = _records.push();
        pointer.query = query;
        pointer.contentHash = contentHash;
        pointer.uri = uri;
        pointer.addedBy = msg.sender;
        // A uint64 of seconds outlasts the chain by billions of years.
        pointer.addedAt = uint64(block.timestamp);
        pointer.bonus = bonus;
        emit RecordAdded(recordId, msg.sender, contentHash, query, uri, bonus);
    }

    /// @dev The checks and effects of {addRecordWithReaders}: the device's record, then its readers.
    function _addRecordAndReaders(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        uint256 bonus,
        address[] calldata readers
    ) private returns (uint256 recordId, address device_) {
        device_ = _onlyDevice();
        uint256 count = readers.length;
        if (count > MAX_READERS_PER_RECORD) revert RelationshipTooManyReaders(count, MAX_READERS_PER_RECORD);
        recordId = _addRecord(query, contentHash, uri, bonus);
        address provider_ = serviceProvider();
        for (uint256 i = 0; i < count; ++i) {
            _grantReader(recordId, readers[i], device_, provider_);
        }
    }

    /// @dev The calls out of {addRecordWithReaders}, in the order of {addRecord} then {authorize}.
    function _afterRecordAndReaders(
        uint256 recordId,
        uint256 bonus,
        address[] calldata readers,
        address device_
    ) private {
        if (bonus > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bonus);
        _afterRecordAdded(recordId);
        uint256 count = readers.length;
        for (uint256 i = 0; i < count; ++i) {
            _afterReaderAuthorized(recordId, readers[i], device_);
        }
    }

    /// @dev Checks `reader` for record `recordId` and adds it to the record's readers.
    function _grantReader(uint256 recordId, address reader, address device_, address provider_) private {
        if (!_REGISTER.isRegistered(reader)) revert RelationshipReaderNotRegistered(reader);
        if (reader == device_ || reader == provider_) revert RelationshipReaderIsParty(reader);
        if (!_readers[recordId].add(reader)) revert RelationshipAlreadyAuthorized(recordId, reader);
        emit ReaderAuthorized(recordId, reader);
    }

    /// @dev Lists the relationship in the reader's Summary (if not there yet) and notifies all three Summaries.
    function _afterReaderAuthorized(uint256 recordId, address reader, address device_) private {
        ISummary readerSummary = ISummary(_factory.linkSummary(reader));
        _notifyParties(ISummary.Topic.ReaderAuthorized, recordId, device_);
        readerSummary.notify(ISummary.Topic.ReaderAuthorized, recordId, device_);
    }

    function _afterRecordAdded(uint256 recordId) private {
        _notifyParties(ISummary.Topic.RecordAdded, recordId, msg.sender);
        _factory.reward(IRelationshipFactory.RewardKind.Upload, device(), recordId);
    }

    function _notifyParties(ISummary.Topic topic, uint256 recordId, address actor) private {
        _deviceSummary.notify(topic, recordId, actor);
        _providerSummary.notify(topic, recordId, actor);
    }

    function _onlyDevice() private view returns (address device_) {
        device_ = device();
        if (msg.sender != device_) revert RelationshipNotDevice(msg.sender, device_);
    }

    function _onlyParty() private view {
        address device_ = device();
        if (msg.sender == device_) return;
        address provider_ = serviceProvider();
        if (msg.sender != provider_) revert RelationshipNotParty(msg.sender, device_, provider_);
    }

    function _record(uint256 recordId) private view returns (DataPointer storage) {
        uint256 count = _records.length;
        if (recordId < count) return _records[recordId];
        revert RelationshipUnknownRecord(recordId, count);
    }
}
