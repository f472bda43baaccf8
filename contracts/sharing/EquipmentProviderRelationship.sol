// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IRegister} from "../identity/IRegister.sol";
import {IEquipmentProviderRelationship} from "./IEquipmentProviderRelationship.sol";
import {IRelationshipFactory} from "./IRelationshipFactory.sol";
import {ISummary} from "./ISummary.sol";

/**
 * @title EquipmentProviderRelationship
 * @notice The Equipment Provider Relationship (EPR) of BPIIoT (paper VI.B.2–3) between one device
 * and one service provider. Either party adds data pointers (query string, keccak-256 of the data
 * subset it returns, storage URI, and a commitment to the stored object): the provider for data it
 * holds about the device, the device for status data it uploads itself (its IoT unit puts the
 * pointer in straight after the upload). The device decides which other registered participants
 * may read each record; every change notifies the Summaries of the device, the provider and the
 * reader concerned.
 *
 * Incentives (paper VI.B.3): nothing is paid on upload. A record earns its rewards when a holder
 * of the factory's verifier role attests it: the device gets the upload reward, the verifier the
 * verification reward and the bonus the record's adder escrowed with it. Rewards are minted by the
 * factory (the single minter, which caps them per relationship and period) and flow only while
 * both parties' Summaries accept the relationship.
 *
 * What an attestation proves. The adder commits to the stored object: `objectCommitment =
 * keccak256(abi.encode(objectDigest))` with `objectDigest = keccak256(<the object's bytes at
 * uri>)`, e.g. the encrypted envelope an IoT unit stored in IPFS. The digest is on chain nowhere
 * until a verifier reveals it, so a verifier that presents a digest opening the commitment held the
 * object's bytes (or was handed the digest by someone who did). The verifier signs, under EIP-712
 * and this relationship's domain, `Attestation(recordId, uri, contentHash, objectDigest)`: a
 * statement, attributable to its key, that it fetched the object at `uri`, that the object hashes to
 * `objectDigest`, and that the data it holds has the recorded `contentHash` (a verifier that is also
 * a reader decrypts and checks it). The chain checks the signer's role and independence (not the
 * device, the provider or the adder), the commitment, and that the URI and content hash signed
 * are the record's; it cannot check the plaintext claim, which stays an accountable statement of
 * the signer. Not proven: that the data is true or useful, that the object is still available,
 * that the verifier did not collude with the adder (who knows the digest), nor, on a public
 * mempool, that a verifier did not copy the digest from another verifier's pending attestation.
 *
 * Identity: readers are authorized by identity, the participant's Summary, not by account. The
 * right follows an identity that moves to a new account (key rotation), and an old account that
 * registers again gets a new identity without it.
 *
 * Status: a relationship that either party's Summary rejected or deleted takes no new records or
 * readers, and pays no rewards; one the device rejected or deleted lets only the device read.
 * @dev A minimal proxy (clone) created by the {RelationshipFactory}. The device and the provider
 * are identified by their Summaries, whose owners follow the Register, so a participant that moves
 * its identity to a new account keeps its place in the relationship. Every state change is made
 * before any call out (to the token, the factory or a Summary), and every function that calls the
 * token is `nonReentrant` (transient-storage guard) although the token is our own: it is treated as
 * an external contract. The EIP-712 name and version fit in OpenZeppelin's short strings, so they
 * live in the implementation's code and serve every clone (whose own address is in its domain).
 */
contract EquipmentProviderRelationship is
    IEquipmentProviderRelationship,
    Initializable,
    ReentrancyGuardTransient,
    EIP712
{
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

    /// @notice The EIP-712 domain name of every relationship's attestations.
    string public constant EIP712_NAME = "commchain EPR";
    /// @notice The EIP-712 domain version of every relationship's attestations.
    string public constant EIP712_VERSION = "1";
    /// @notice The EIP-712 type hash of an attestation.
    bytes32
        public
        constant ATTESTATION_TYPEHASH = // The type string is EIP-712's, hashed at compile time: its length costs nothing at run time.
        // solhint-disable-next-line gas-small-strings
        keccak256("Attestation(uint256 recordId,string uri,bytes32 contentHash,bytes32 objectDigest)");

    IRegister private immutable _REGISTER;
    IERC20 private immutable _TOKEN;

    IRelationshipFactory private _factory;
    ISummary private _deviceSummary;
    ISummary private _providerSummary;
    DataPointer[] private _records;
    mapping(uint256 recordId => bytes32 commitment) private _objectCommitments;
    /// @dev The readers of each record, as identities (Summaries).
    mapping(uint256 recordId => EnumerableSet.AddressSet) private _readers;

    /**
     * @dev Shared by every clone (immutables live in the implementation's code); the factory checks
     * they match its own Register and token. The implementation itself is never initialized.
     * @param register_ the Register readers are looked up in
     * @param token_ the DataToken bonuses are escrowed in
     */
    constructor(IRegister register_, IERC20 token_) EIP712(EIP712_NAME, EIP712_VERSION) {
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
     * @dev Device or provider only ({RelationshipNotParty}), on a relationship neither Summary
     * rejected or deleted ({RelationshipClosed}). Reverts with {RelationshipEmptyQuery},
     * {RelationshipZeroContentHash}, {RelationshipEmptyUri}, {RelationshipZeroObjectCommitment}
     * or {RelationshipFieldTooLong}, and with the token's error when the bonus exceeds the caller's
     * allowance or balance. Emits {RecordAdded}; mints nothing.
     */
    function addRecord(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus
    ) external nonReentrant returns (uint256 recordId) {
        _onlyParty();
        recordId = _addRecord(query, contentHash, uri, objectCommitment, bonus);
        if (bonus > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bonus);
        _notifyParties(ISummary.Topic.RecordAdded, recordId, msg.sender);
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
        bytes32 objectCommitment,
        uint256 bonus,
        PermitSignature calldata permit
    ) external nonReentrant returns (uint256 recordId) {
        _onlyParty();
        recordId = _addRecord(query, contentHash, uri, objectCommitment, bonus);
        _permit(bonus, permit);
        if (bonus > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bonus);
        _notifyParties(ISummary.Topic.RecordAdded, recordId, msg.sender);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device only ({RelationshipNotDevice}); at most {MAX_READERS_PER_RECORD} readers
     * ({RelationshipTooManyReaders}). Reverts as {addRecord} for the record and as {authorize} for
     * each registered reader, so nothing is added unless every registered reader can be
     * authorized; a reader holding no identity (an account that rotated away) is skipped with
     * {ReaderSkipped}, so one stale reader does not lose the record for every other one. Every
     * check and state change (the record, then the readers) comes before the first call out (the
     * bonus transfer, the notifications, the readers' Summaries). Emits {RecordAdded}, then
     * {ReaderAuthorized} or {ReaderSkipped} once per reader in the order given.
     */
    function addRecordWithReaders(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus,
        address[] calldata readers
    ) external nonReentrant returns (uint256 recordId) {
        address[] memory granted;
        (recordId, granted) = _addRecordAndReaders(query, contentHash, uri, objectCommitment, bonus, readers);
        _afterRecordAndReaders(recordId, bonus, granted);
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
        bytes32 objectCommitment,
        uint256 bonus,
        address[] calldata readers,
        PermitSignature calldata permit
    ) external nonReentrant returns (uint256 recordId) {
        address[] memory granted;
        (recordId, granted) = _addRecordAndReaders(query, contentHash, uri, objectCommitment, bonus, readers);
        _permit(bonus, permit);
        _afterRecordAndReaders(recordId, bonus, granted);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Anyone may submit; the signer is the verifier. Reverts with {RelationshipUnknownRecord},
     * {RelationshipAlreadyAttested} (a record is attested once, so no reward is paid twice),
     * {RelationshipNotAccepted} unless both Summaries accept the relationship, OpenZeppelin's
     * `ECDSAInvalidSignature*` for a malformed signature, {RelationshipNotVerifier} unless the
     * signer holds the factory's verifier role, {RelationshipPartyCannotAttest} if the signer is
     * the device, the provider or the record's adder, and {RelationshipObjectMismatch} unless
     * `keccak256(abi.encode(objectDigest))` is the record's commitment. A signature over another
     * record, URI, content hash or digest recovers another signer, which fails the role check.
     * Emits {RecordAttested}; pays the bonus, then asks the factory for the upload reward (to the
     * device) and the verification reward (to the signer).
     */
    function attest(uint256 recordId, bytes32 objectDigest, bytes calldata signature) external nonReentrant {
        DataPointer storage pointer = _record(recordId);
        if (pointer.attestedBy != address(0)) revert RelationshipAlreadyAttested(recordId, pointer.attestedBy);
        _requireAccepted(_deviceSummary);
        _requireAccepted(_providerSummary);
        address verifier = ECDSA.recover(_attestationDigest(pointer, recordId, objectDigest), signature);
        if (!_factory.isVerifier(verifier)) revert RelationshipNotVerifier(verifier);
        address device_ = device();
        if (verifier == pointer.addedBy || verifier == device_ || verifier == serviceProvider()) {
            revert RelationshipPartyCannotAttest(recordId, verifier);
        }
        bytes32 commitment = _objectCommitments[recordId];
        if (keccak256(abi.encode(objectDigest)) != commitment) {
            revert RelationshipObjectMismatch(recordId, commitment, objectDigest);
        }

        pointer.attestedBy = verifier;
        // A uint64 of seconds outlasts the chain by billions of years.
        pointer.attestedAt = uint64(block.timestamp);
        uint256 bonus = pointer.bonus;
        emit RecordAttested(recordId, verifier, objectDigest, bonus);

        if (bonus > 0) _TOKEN.safeTransfer(verifier, bonus);
        _factory.reward(IRelationshipFactory.RewardKind.Upload, device_, recordId);
        _factory.reward(IRelationshipFactory.RewardKind.Verification, verifier, recordId);
        _notifyParties(ISummary.Topic.RecordAttested, recordId, verifier);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device or provider only ({RelationshipNotParty}); the bonus goes to the record's adder.
     * Reverts with {RelationshipUnknownRecord}, {RelationshipAlreadyAttested},
     * {RelationshipNoBonus} or, before the factory's delay has passed since the record was added,
     * {RelationshipBonusLocked}. Emits {BonusRefunded}.
     */
    function refundBonus(uint256 recordId) external nonReentrant {
        _onlyParty();
        DataPointer storage pointer = _record(recordId);
        if (pointer.attestedBy != address(0)) revert RelationshipAlreadyAttested(recordId, pointer.attestedBy);
        uint256 bonus = pointer.bonus;
        if (bonus == 0) revert RelationshipNoBonus(recordId);
        uint256 refundableAt = uint256(pointer.addedAt) + _factory.bonusRefundDelay();
        if (block.timestamp < refundableAt) revert RelationshipBonusLocked(recordId, refundableAt);

        pointer.bonus = 0;
        address adder = pointer.addedBy;
        emit BonusRefunded(recordId, adder, bonus);
        _TOKEN.safeTransfer(adder, bonus);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device only ({RelationshipNotDevice}), on a relationship neither Summary rejected or
     * deleted ({RelationshipClosed}). Reverts with {RelationshipUnknownRecord},
     * {RelationshipReaderNotRegistered}, {RelationshipReaderIsParty} or
     * {RelationshipAlreadyAuthorized}. Emits {ReaderAuthorized}; the relationship is added to the
     * reader's Summary (if not there yet) so the reader learns of it, and all three Summaries are
     * notified.
     */
    function authorize(uint256 recordId, address reader) external nonReentrant {
        address device_ = _onlyDevice();
        _requireOpen();
        _record(recordId);
        _grantReader(recordId, reader, false);
        _afterReaderAuthorized(recordId, reader, device_);
    }

    /**
     * @inheritdoc IEquipmentProviderRelationship
     * @dev Device only ({RelationshipNotDevice}); allowed whatever the relationship's status, so a
     * device can always withdraw access. Reverts with {RelationshipUnknownRecord} or
     * {RelationshipNotAuthorized}. Emits {ReaderRevoked}; notifies the device's, the provider's and
     * the reader's Summaries.
     */
    function revoke(uint256 recordId, address reader) external nonReentrant {
        address device_ = _onlyDevice();
        _record(recordId);
        address identity = _identityOf(reader);
        if (!_readers[recordId].remove(identity)) revert RelationshipNotAuthorized(recordId, reader);
        emit ReaderRevoked(recordId, reader, identity);

        _notifyParties(ISummary.Topic.ReaderRevoked, recordId, device_);
        // Authorizing linked the relationship into the reader's Summary, so it accepts the notification.
        ISummary(identity).notify(ISummary.Topic.ReaderRevoked, recordId, device_);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function canRead(uint256 recordId, address reader) external view returns (bool) {
        if (!(recordId < _records.length)) return false;
        if (reader == device()) return true;
        if (_isClosed(_deviceSummary.statusOf(address(this)))) return false;
        if (reader == serviceProvider()) return true;
        address identity = _REGISTER.summaryOf(reader);
        return identity != address(0) && _readers[recordId].contains(identity);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function attestationDigest(uint256 recordId, bytes32 objectDigest) external view returns (bytes32) {
        return _attestationDigest(_record(recordId), recordId, objectDigest);
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function objectCommitmentOf(uint256 recordId) external view returns (bytes32) {
        _record(recordId);
        return _objectCommitments[recordId];
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
    function readersOf(uint256 recordId) external view returns (address[] memory readers) {
        _record(recordId);
        readers = _readers[recordId].values();
        uint256 count = readers.length;
        for (uint256 i = 0; i < count; ++i) {
            readers[i] = ISummary(readers[i]).owner();
        }
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function readerSummariesOf(uint256 recordId) external view returns (address[] memory) {
        _record(recordId);
        return _readers[recordId].values();
    }

    /// @inheritdoc IEquipmentProviderRelationship
    function isAuthorized(uint256 recordId, address reader) external view returns (bool) {
        _record(recordId);
        return _readers[recordId].contains(_identityOf(reader));
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
        bytes32 objectCommitment,
        uint256 bonus
    ) private returns (uint256 recordId) {
        _requireOpen();
        uint256 queryLength = bytes(query).length;
        uint256 uriLength = bytes(uri).length;
        if (queryLength == 0) revert RelationshipEmptyQuery();
        if (queryLength > MAX_QUERY_LENGTH) revert RelationshipFieldTooLong("query", queryLength, MAX_QUERY_LENGTH);
        if (contentHash == bytes32(0)) revert RelationshipZeroContentHash();
        if (uriLength == 0) revert RelationshipEmptyUri();
        if (uriLength > MAX_URI_LENGTH) revert RelationshipFieldTooLong("uri", uriLength, MAX_URI_LENGTH);
        if (objectCommitment == bytes32(0)) revert RelationshipZeroObjectCommitment();

        recordId = _records.length;
        DataPointer storage pointer = _records.push();
        pointer.query = query;
        pointer.contentHash = contentHash;
        pointer.uri = uri;
        pointer.addedBy = msg.sender;
        // A uint64 of seconds outlasts the chain by billions of years.
        pointer.addedAt = uint64(block.timestamp);
        pointer.bonus = bonus;
        _objectCommitments[recordId] = objectCommitment;
        emit RecordAdded(recordId, msg.sender, contentHash, objectCommitment, query, uri, bonus);
    }

    /**
     * @dev The checks and effects of {addRecordWithReaders}: the device's record, then its readers.
     * Returns the readers authorized, the skipped ones left as zero.
     */
    function _addRecordAndReaders(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus,
        address[] calldata readers
    ) private returns (uint256 recordId, address[] memory granted) {
        _onlyDevice();
        uint256 count = readers.length;
        if (count > MAX_READERS_PER_RECORD) revert RelationshipTooManyReaders(count, MAX_READERS_PER_RECORD);
        recordId = _addRecord(query, contentHash, uri, objectCommitment, bonus);
        granted = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            if (_grantReader(recordId, readers[i], true)) granted[i] = readers[i];
        }
    }

    /// @dev The calls out of {addRecordWithReaders}, in the order of {addRecord} then {authorize}.
    function _afterRecordAndReaders(uint256 recordId, uint256 bonus, address[] memory granted) private {
        if (bonus > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), bonus);
        _notifyParties(ISummary.Topic.RecordAdded, recordId, msg.sender);
        uint256 count = granted.length;
        for (uint256 i = 0; i < count; ++i) {
            if (granted[i] != address(0)) _afterReaderAuthorized(recordId, granted[i], msg.sender);
        }
    }

    /**
     * @dev Checks `reader` for record `recordId` and adds its identity to the record's readers.
     * An unregistered reader reverts, or with `skipUnregistered` is skipped (returns false).
     */
    function _grantReader(uint256 recordId, address reader, bool skipUnregistered) private returns (bool) {
        address identity = _REGISTER.summaryOf(reader);
        if (identity == address(0)) {
            if (!skipUnregistered) revert RelationshipReaderNotRegistered(reader);
            emit ReaderSkipped(recordId, reader);
            return false;
        }
        if (identity == address(_deviceSummary) || identity == address(_providerSummary)) {
            revert RelationshipReaderIsParty(reader);
        }
        if (!_readers[recordId].add(identity)) revert RelationshipAlreadyAuthorized(recordId, reader);
        emit ReaderAuthorized(recordId, reader, identity);
        return true;
    }

    /// @dev Lists the relationship in the reader's Summary (if not there yet) and notifies all three Summaries.
    function _afterReaderAuthorized(uint256 recordId, address reader, address device_) private {
        ISummary readerSummary = ISummary(_factory.linkSummary(reader));
        _notifyParties(ISummary.Topic.ReaderAuthorized, recordId, device_);
        readerSummary.notify(ISummary.Topic.ReaderAuthorized, recordId, device_);
    }

    function _permit(uint256 bonus, PermitSignature calldata permit) private {
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
    }

    function _notifyParties(ISummary.Topic topic, uint256 recordId, address actor) private {
        _deviceSummary.notify(topic, recordId, actor);
        _providerSummary.notify(topic, recordId, actor);
    }

    function _attestationDigest(
        DataPointer storage pointer,
        uint256 recordId,
        bytes32 objectDigest
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ATTESTATION_TYPEHASH,
                        recordId,
                        keccak256(bytes(pointer.uri)),
                        pointer.contentHash,
                        objectDigest
                    )
                )
            );
    }

    /// @dev The identity of `reader`: its Summary if it holds one, else `reader` itself taken as a Summary.
    function _identityOf(address reader) private view returns (address) {
        address identity = _REGISTER.summaryOf(reader);
        return identity == address(0) ? reader : identity;
    }

    /// @dev Neither party rejected or deleted the relationship.
    function _requireOpen() private view {
        ISummary.Status status = _deviceSummary.statusOf(address(this));
        if (_isClosed(status)) revert RelationshipClosed(address(_deviceSummary), status);
        status = _providerSummary.statusOf(address(this));
        if (_isClosed(status)) revert RelationshipClosed(address(_providerSummary), status);
    }

    function _requireAccepted(ISummary summary) private view {
        if (!summary.isAccepted(address(this)))
            revert RelationshipNotAccepted(address(summary), summary.statusOf(address(this)));
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

    function _isClosed(ISummary.Status status) private pure returns (bool) {
        return status == ISummary.Status.Rejected || status == ISummary.Status.Deleted;
    }
}
