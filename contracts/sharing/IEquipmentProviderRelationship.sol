// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ISummary} from "./ISummary.sol";

/**
 * @title IEquipmentProviderRelationship
 * @notice The Equipment Provider Relationship (EPR) of BPIIoT: the data pointers the device and its
 * service provider hold for the device's data, and which other participants the device lets read
 * each one.
 * @dev Record ids are 0-based indexes in the order records were added.
 */
interface IEquipmentProviderRelationship {
    /// @notice A pointer to one subset of the device's data held off-chain.
    /// @param query the query string that returns the subset
    /// @param contentHash keccak-256 of the subset the query returns
    /// @param uri where the (encrypted) subset is stored, e.g. an IPFS CID
    /// @param addedBy the account that added the record: the device's or the provider's
    /// @param addedAt the block timestamp of the addition
    /// @param attestedBy the verifier that attested the record, zero until attested
    /// @param attestedAt the block timestamp of the attestation, zero until attested
    /// @param bonus the bonus escrowed for the verifier (paid out once, on attestation, or refunded)
    struct DataPointer {
        string query;
        bytes32 contentHash;
        string uri;
        address addedBy;
        uint64 addedAt;
        address attestedBy;
        uint64 attestedAt;
        uint256 bonus;
    }

    /// @notice An EIP-2612 permit signature of the caller for the bonus, letting the EPR pull it.
    /// @dev One struct rather than four arguments: the readers' array already takes two stack slots.
    /// @param deadline the permit's deadline
    /// @param v the signature's v
    /// @param r the signature's r
    /// @param s the signature's s
    struct PermitSignature {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice `addedBy` (the device or the provider) added record `recordId`.
    /// @param recordId the new record's id
    /// @param addedBy the account that added it, the device's or the provider's
    /// @param contentHash keccak-256 of the data subset
    /// @param objectCommitment keccak-256 of the object digest a verifier must reveal ({attest})
    /// @param query the query string
    /// @param uri the storage URI
    /// @param bonus the bonus `addedBy` escrowed for the verifier that attests the record (0 = none)
    event RecordAdded(
        uint256 indexed recordId,
        address indexed addedBy,
        bytes32 contentHash,
        bytes32 objectCommitment,
        string query,
        string uri,
        uint256 bonus
    );

    /// @notice `verifier` attested record `recordId`: it signed the record's URI, content hash and
    /// the digest of the object it fetched, and that digest opens the uploader's commitment.
    /// @param recordId the record
    /// @param verifier the verifier account that signed the attestation
    /// @param objectDigest the digest of the stored object the verifier revealed
    /// @param bonusPaid the escrowed bonus transferred to the verifier
    event RecordAttested(uint256 indexed recordId, address indexed verifier, bytes32 objectDigest, uint256 bonusPaid);

    /// @notice The unattested bonus of record `recordId` went back to the account that escrowed it.
    /// @param recordId the record
    /// @param to the account that added the record and escrowed the bonus
    /// @param amount the bonus refunded
    event BonusRefunded(uint256 indexed recordId, address indexed to, uint256 amount);

    /// @notice The device let the identity `readerSummary`, held by `reader`, read record `recordId`.
    /// @param recordId the record
    /// @param reader the participant's account when it was authorized
    /// @param readerSummary the participant's Summary: the identity the authorization belongs to
    event ReaderAuthorized(uint256 indexed recordId, address indexed reader, address indexed readerSummary);

    /// @notice The device withdrew the right of the identity `readerSummary` to read record `recordId`.
    /// @param recordId the record
    /// @param reader the account the device named (the identity's account, or its Summary)
    /// @param readerSummary the identity revoked
    event ReaderRevoked(uint256 indexed recordId, address indexed reader, address indexed readerSummary);

    /// @notice `reader`, named for new record `recordId`, holds no identity (it moved its identity
    /// to another account, say) and was left out; the record and the other readers were added.
    /// @param recordId the record
    /// @param reader the account left out
    event ReaderSkipped(uint256 indexed recordId, address indexed reader);

    /// @notice `caller` is not the relationship's device `device`.
    error RelationshipNotDevice(address caller, address device);
    /// @notice `caller` is neither the relationship's device `device` nor its provider `provider`.
    error RelationshipNotParty(address caller, address device, address provider);
    /// @notice `signer`, who signed an attestation, does not hold the factory's verifier role.
    error RelationshipNotVerifier(address signer);
    /// @notice There is no record `recordId`; the relationship holds `count` records.
    error RelationshipUnknownRecord(uint256 recordId, uint256 count);
    /// @notice A record's query string was empty.
    error RelationshipEmptyQuery();
    /// @notice A record's storage URI was empty.
    error RelationshipEmptyUri();
    /// @notice A record's content hash was zero.
    error RelationshipZeroContentHash();
    /// @notice A record's object commitment was zero.
    error RelationshipZeroObjectCommitment();
    /// @notice A record's `field` ("query" or "uri") is `length` bytes long, over `maxLength`.
    error RelationshipFieldTooLong(string field, uint256 length, uint256 maxLength);
    /// @notice Record `recordId` was attested already, by `verifier`.
    error RelationshipAlreadyAttested(uint256 recordId, address verifier);
    /// @notice The object digest revealed for record `recordId` does not open its commitment.
    error RelationshipObjectMismatch(uint256 recordId, bytes32 commitment, bytes32 objectDigest);
    /// @notice `account` is the relationship's device or provider, who may not attest its records.
    error RelationshipPartyCannotAttest(uint256 recordId, address account);
    /// @notice The Summary `summary` of a party does not accept the relationship (its status is `status`).
    error RelationshipNotAccepted(address summary, ISummary.Status status);
    /// @notice The Summary `summary` of a party rejected or deleted the relationship (`status`).
    error RelationshipClosed(address summary, ISummary.Status status);
    /// @notice Record `recordId` holds no bonus to refund.
    error RelationshipNoBonus(uint256 recordId);
    /// @notice The bonus of record `recordId` stays escrowed for verifiers until `refundableAt`.
    error RelationshipBonusLocked(uint256 recordId, uint256 refundableAt);
    /// @notice `reader` holds no identity in the Register.
    error RelationshipReaderNotRegistered(address reader);
    /// @notice `reader` is the device or the provider, who can always read.
    error RelationshipReaderIsParty(address reader);
    /// @notice `reader` may read record `recordId` already.
    error RelationshipAlreadyAuthorized(uint256 recordId, address reader);
    /// @notice `reader` is not authorized for record `recordId`.
    error RelationshipNotAuthorized(uint256 recordId, address reader);
    /// @notice `count` readers were named for one new record, over `maxCount`.
    error RelationshipTooManyReaders(uint256 count, uint256 maxCount);

    /**
     * @notice Set up a fresh clone between the owners of two Summaries; the caller becomes the factory.
     * @param deviceSummary_ the device's Summary contract
     * @param providerSummary_ the provider's Summary contract
     */
    function initialize(address deviceSummary_, address providerSummary_) external;

    /**
     * @notice The device or the provider adds a data pointer, optionally escrowing a bonus for its
     * verifier. The device earns the upload reward once a verifier attests the record.
     * @param query the query string that returns the data subset
     * @param contentHash keccak-256 of the data subset
     * @param uri where the (encrypted) subset is stored, e.g. an IPFS CID
     * @param objectCommitment `keccak256(abi.encode(objectDigest))`, `objectDigest` being keccak-256
     * of the object's bytes as stored at `uri`: what a verifier must reveal to attest the record
     * @param bonus DataToken pulled from the caller with `transferFrom` and paid to the verifier (0 = none)
     * @return recordId the new record's 0-based id
     */
    function addRecord(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus
    ) external returns (uint256 recordId);

    /**
     * @notice {addRecord} with the bonus allowance given by the caller's EIP-2612 permit signature.
     * @param query the query string that returns the data subset
     * @param contentHash keccak-256 of the data subset
     * @param uri where the (encrypted) subset is stored
     * @param objectCommitment the commitment to the stored object's digest (see {addRecord})
     * @param bonus DataToken escrowed for the verifier; the caller's permit is for this amount
     * @param permit the caller's permit signature for `bonus`
     * @return recordId the new record's 0-based id
     */
    function addRecordWithPermit(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus,
        PermitSignature calldata permit
    ) external returns (uint256 recordId);

    /**
     * @notice The device adds a data pointer and lets `readers` read it, in one transaction: the
     * same checks, events and notifications as {addRecord} followed by {authorize} for each
     * reader, in that order, except that a reader holding no identity is skipped ({ReaderSkipped}).
     * @param query the query string that returns the data subset
     * @param contentHash keccak-256 of the data subset
     * @param uri where the (encrypted) subset is stored, e.g. an IPFS CID
     * @param objectCommitment the commitment to the stored object's digest (see {addRecord})
     * @param bonus DataToken pulled from the device with `transferFrom` and paid to the verifier (0 = none)
     * @param readers the participants (neither device nor provider, no repeats) to authorize
     * @return recordId the new record's 0-based id
     */
    function addRecordWithReaders(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus,
        address[] calldata readers
    ) external returns (uint256 recordId);

    /**
     * @notice {addRecordWithReaders} with the bonus allowance given by the device's EIP-2612 permit signature.
     * @param query the query string that returns the data subset
     * @param contentHash keccak-256 of the data subset
     * @param uri where the (encrypted) subset is stored
     * @param objectCommitment the commitment to the stored object's digest (see {addRecord})
     * @param bonus DataToken escrowed for the verifier; the device's permit is for this amount
     * @param readers the participants to authorize
     * @param permit the device's permit signature for `bonus`
     * @return recordId the new record's 0-based id
     */
    function addRecordWithReadersAndPermit(
        string calldata query,
        bytes32 contentHash,
        string calldata uri,
        bytes32 objectCommitment,
        uint256 bonus,
        address[] calldata readers,
        PermitSignature calldata permit
    ) external returns (uint256 recordId);

    /**
     * @notice Submit a verifier's attestation of record `recordId` (the verifier itself or anyone
     * relaying its signature); pays the escrowed bonus and the rewards, once.
     * @param recordId the record
     * @param objectDigest keccak-256 of the object's bytes the verifier fetched from the record's URI
     * @param signature the verifier's EIP-712 signature of
     * `Attestation(uint256 recordId,string uri,bytes32 contentHash,bytes32 objectDigest)` under
     * this relationship's domain ({eip712Domain})
     */
    function attest(uint256 recordId, bytes32 objectDigest, bytes calldata signature) external;

    /**
     * @notice Return the bonus of an unattested record to the account that escrowed it, once the
     * factory's bonus refund delay has passed since the record was added.
     * @param recordId the record
     */
    function refundBonus(uint256 recordId) external;

    /**
     * @notice The device lets the registered participant `reader` read record `recordId`; the right
     * belongs to the participant's identity and follows it to a new account.
     * @param recordId the record
     * @param reader the participant's account
     */
    function authorize(uint256 recordId, address reader) external;

    /**
     * @notice The device withdraws a reader's right to read record `recordId`.
     * @param recordId the record
     * @param reader the participant's current account, or its Summary (for an identity whose
     * account the device does not know)
     */
    function revoke(uint256 recordId, address reader) external;

    /**
     * @notice Whether `reader` may read record `recordId`: the device always; the provider and the
     * authorized identities (resolved from `reader` through the Register) unless the device's
     * Summary rejected or deleted the relationship.
     * @param recordId the record; an unknown id gives false
     * @param reader the account asking
     * @return true if `reader` may read the record
     */
    function canRead(uint256 recordId, address reader) external view returns (bool);

    /**
     * @notice The EIP-712 digest a verifier signs to attest record `recordId` with `objectDigest`.
     * @param recordId the record; reverts with {RelationshipUnknownRecord} if unknown
     * @param objectDigest keccak-256 of the object's bytes
     * @return the digest to sign
     */
    function attestationDigest(uint256 recordId, bytes32 objectDigest) external view returns (bytes32);

    /**
     * @notice The commitment to the stored object that record `recordId` was added with.
     * @param recordId the record; reverts with {RelationshipUnknownRecord} if unknown
     * @return `keccak256(abi.encode(objectDigest))`
     */
    function objectCommitmentOf(uint256 recordId) external view returns (bytes32);

    /**
     * @notice The data pointer of record `recordId`.
     * @param recordId the record; reverts with {RelationshipUnknownRecord} if unknown
     * @return the pointer
     */
    function record(uint256 recordId) external view returns (DataPointer memory);

    /**
     * @notice The number of records; ids run from 0 to this minus one.
     * @return the count
     */
    function recordCount() external view returns (uint256);

    /**
     * @notice The current accounts of the identities authorized to read record `recordId` (besides
     * device and provider), in the order authorized.
     * @param recordId the record; reverts with {RelationshipUnknownRecord} if unknown
     * @return the readers' accounts
     */
    function readersOf(uint256 recordId) external view returns (address[] memory);

    /**
     * @notice The identities (Summaries) authorized to read record `recordId`, in the order authorized.
     * @param recordId the record; reverts with {RelationshipUnknownRecord} if unknown
     * @return the readers' Summaries
     */
    function readerSummariesOf(uint256 recordId) external view returns (address[] memory);

    /**
     * @notice The device's current account (the owner of the device's Summary).
     * @return the device's account
     */
    function device() external view returns (address);

    /**
     * @notice The service provider's current account (the owner of the provider's Summary).
     * @dev Not named `provider`: TypeChain's ethers-v6 types drop a function of that name (it clashes
     * with the runner's provider), so TypeScript callers could not reach it.
     * @return the provider's account
     */
    function serviceProvider() external view returns (address);

    /**
     * @notice Whether the identity of `reader` is on the list of readers of record `recordId`.
     * @dev Unlike {canRead}, this ignores the relationship's status.
     * @param recordId the record; reverts with {RelationshipUnknownRecord} if unknown
     * @param reader the account (resolved to its Summary) or a Summary
     * @return true if the device authorized the identity for the record and has not revoked it
     */
    function isAuthorized(uint256 recordId, address reader) external view returns (bool);

    /**
     * @notice The device's Summary contract (fixed for the life of the relationship).
     * @return the Summary's address
     */
    function deviceSummary() external view returns (address);

    /**
     * @notice The provider's Summary contract (fixed for the life of the relationship).
     * @return the Summary's address
     */
    function providerSummary() external view returns (address);

    /**
     * @notice The factory that created this relationship, mints its rewards and names its verifiers.
     * @return the factory's address
     */
    function factory() external view returns (address);

    /**
     * @notice The Register readers are looked up in.
     * @return the Register's address
     */
    function register() external view returns (address);

    /**
     * @notice The DataToken bonuses are escrowed in.
     * @return the token's address
     */
    function token() external view returns (address);
}
