// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title ISummary
 * @notice The Summary Contract (SC) of BPIIoT: one per participant, listing the
 * equipment-provider relationships (EPRs) the participant takes part in, each with a status,
 * and notifying the participant of every change to them.
 */
interface ISummary {
    /// @notice The participant's view of one relationship. `None` means "not in this Summary".
    enum Status {
        None,
        New,
        AwaitingUpdate,
        Authorized,
        Rejected,
        Deleted
    }

    /// @notice What changed in a relationship, as carried by a {Notification}.
    enum Topic {
        RecordAdded,
        RecordAttested,
        ReaderAuthorized,
        ReaderRevoked
    }

    /// @notice The Summary now belongs to `newOwner` (the identity moved in the Register).
    /// @param previousOwner the owner before
    /// @param newOwner the owner now
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The relationship `relationship` was added to this Summary (with status `New`).
    /// @param relationship the EPR contract
    event RelationshipAdded(address indexed relationship);

    /// @notice The status of `relationship` changed.
    /// @param relationship the EPR contract
    /// @param previousStatus the status before
    /// @param newStatus the status now
    event RelationshipStatusChanged(address indexed relationship, Status previousStatus, Status newStatus);

    /// @notice The paper's user notification: `relationship` changed and tells the owner what.
    /// @param relationship the EPR contract that changed
    /// @param topic what changed
    /// @param recordId the record concerned
    /// @param actor the account whose transaction made the change
    event Notification(address indexed relationship, Topic indexed topic, uint256 indexed recordId, address actor);

    /// @notice `caller` is not the Summary's owner `owner`.
    error SummaryNotOwner(address caller, address owner);
    /// @notice `caller` is not the Register that created this Summary.
    error SummaryNotRegister(address caller);
    /// @notice `caller` is not the relationship factory the Register trusts.
    error SummaryNotFactory(address caller);
    /// @notice `relationship` is not in this Summary.
    error SummaryUnknownRelationship(address relationship);
    /// @notice `relationship` is in this Summary already, with status `status`.
    error SummaryRelationshipExists(address relationship, Status status);
    /// @notice The owner may not move `relationship` from `from` to `to`.
    error SummaryInvalidTransition(address relationship, Status from, Status to);
    /// @notice `index` is not below the number of relationships `length`.
    error SummaryIndexOutOfBounds(uint256 index, uint256 length);

    /**
     * @notice Set up a fresh clone for `owner_`; the caller becomes the Register this Summary obeys.
     * @param owner_ the participant owning this Summary
     */
    function initialize(address owner_) external;

    /**
     * @notice Hand the Summary to `newOwner`; only the Register, when the identity moves.
     * @param newOwner the account now holding the identity
     */
    function transferOwnership(address newOwner) external;

    /**
     * @notice Add `relationship` with status `New`; only the Register's relationship factory.
     * @param relationship the EPR contract
     */
    function addRelationship(address relationship) external;

    /**
     * @notice Notify the owner of a change; only a relationship in this Summary may call.
     * @param topic what changed
     * @param recordId the record concerned
     * @param actor the account whose transaction made the change
     */
    function notify(Topic topic, uint256 recordId, address actor) external;

    /**
     * @notice The owner accepts (authorizes) `relationship`.
     * @param relationship the EPR contract
     */
    function acceptRelationship(address relationship) external;

    /**
     * @notice The owner rejects `relationship`.
     * @param relationship the EPR contract
     */
    function rejectRelationship(address relationship) external;

    /**
     * @notice The owner deletes `relationship`; it stays listed, with status `Deleted`, for good.
     * @param relationship the EPR contract
     */
    function deleteRelationship(address relationship) external;

    /**
     * @notice The participant owning this Summary.
     * @return the owner's account
     */
    function owner() external view returns (address);

    /**
     * @notice The Register this Summary obeys.
     * @return the Register's address
     */
    function register() external view returns (address);

    /**
     * @notice The status of `relationship` in this Summary.
     * @param relationship the EPR contract
     * @return its status, `None` if it is not listed
     */
    function statusOf(address relationship) external view returns (Status);

    /**
     * @notice Whether the owner accepted `relationship` and has not rejected or deleted it since.
     * @dev A notification flags an accepted relationship `AwaitingUpdate` without withdrawing the
     * acceptance, so this stays true until the owner calls {rejectRelationship} or
     * {deleteRelationship}. Rewards flow only on a relationship both parties' Summaries accept.
     * @param relationship the EPR contract
     * @return true if accepted
     */
    function isAccepted(address relationship) external view returns (bool);

    /**
     * @notice The relationships added, in the order added, one page at a time.
     * @dev Paginated so that a participant listed in many relationships can still be read: ask
     * {relationshipCount} and walk the pages.
     * @param offset the 0-based index of the first relationship returned
     * @param limit the most relationships returned
     * @return page the EPR contracts at indexes `offset` to `offset + limit - 1` that exist
     */
    function relationships(uint256 offset, uint256 limit) external view returns (address[] memory page);

    /**
     * @notice The number of relationships ever added.
     * @return the count
     */
    function relationshipCount() external view returns (uint256);

    /**
     * @notice The relationship at `index` in the order added.
     * @param index a 0-based index below {relationshipCount}
     * @return the EPR contract
     */
    function relationshipAt(uint256 index) external view returns (address);
}
