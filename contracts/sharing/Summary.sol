// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IRegister} from "../identity/IRegister.sol";
import {ISummary} from "./ISummary.sol";

/**
 * @title Summary
 * @notice The Summary Contract (SC) of BPIIoT (paper VI.B.2): one per participant, created by the
 * Register as a minimal proxy of this implementation. It lists every equipment-provider
 * relationship (EPR) the participant takes part in with the participant's status for it, and
 * carries the paper's user notification: every change an EPR makes arrives here as a
 * {Notification} and flags the relationship `AwaitingUpdate` until the owner accepts it again.
 *
 * Status transitions:
 * - added by the factory: `None` → `New`
 * - notified by the relationship: `New` / `Authorized` → `AwaitingUpdate` (other statuses stay)
 * - {acceptRelationship}: `New` / `AwaitingUpdate` / `Rejected` → `Authorized`
 * - {rejectRelationship}: `New` / `AwaitingUpdate` / `Authorized` → `Rejected`
 * - {deleteRelationship}: any but `Deleted` → `Deleted` (final)
 *
 * The owner's acceptance ({isAccepted}) is kept apart from the status: it is given by
 * {acceptRelationship} and withdrawn only by {rejectRelationship} and {deleteRelationship}, not by a
 * notification. A relationship's EPR reads both parties' Summaries: a rejected or deleted
 * relationship takes no new records and pays no rewards, and one the device rejected or deleted
 * lets nobody but the device read its records.
 *
 * @dev Its privileged parties are fixed identities, not roles, so it checks them directly instead
 * of using AccessControl: the owner (the account holding the identity, kept in step by the
 * Register), the Register (moves ownership), the Register's relationship factory (adds
 * relationships) and the relationships listed here (notify). Only the factory adds
 * relationships and it adds only EPRs it created, so "listed here" implies "created by the
 * factory" and a notification costs no call to the factory. A notification never reverts for a
 * listed relationship, whatever its status, so a participant that rejected or deleted a
 * relationship cannot block the other parties' updates to it.
 */
contract Summary is ISummary, Initializable {
    address private _register;
    address private _owner;
    address[] private _relationships;
    mapping(address relationship => Status) private _statuses;
    mapping(address relationship => bool) private _accepted;

    modifier onlyOwner() {
        if (msg.sender != _owner) revert SummaryNotOwner(msg.sender, _owner);
        _;
    }

    /// @dev The implementation itself is never initialized; only its clones are.
    constructor() {
        _disableInitializers();
    }

    /// @inheritdoc ISummary
    function initialize(address owner_) external initializer {
        _register = msg.sender;
        _owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    /// @inheritdoc ISummary
    function transferOwnership(address newOwner) external {
        if (msg.sender != _register) revert SummaryNotRegister(msg.sender);
        address previousOwner = _owner;
        _owner = newOwner;
        emit OwnershipTransferred(previousOwner, newOwner);
    }

    /// @inheritdoc ISummary
    function addRelationship(address relationship) external {
        if (msg.sender != IRegister(_register).relationshipFactory()) revert SummaryNotFactory(msg.sender);
        Status status = _statuses[relationship];
        if (status != Status.None) revert SummaryRelationshipExists(relationship, status);
        _relationships.push(relationship);
        emit RelationshipAdded(relationship);
        _setStatus(relationship, Status.None, Status.New);
    }

    /// @inheritdoc ISummary
    function notify(Topic topic, uint256 recordId, address actor) external {
        Status status = _statuses[msg.sender];
        if (status == Status.None) revert SummaryUnknownRelationship(msg.sender);
        if (status == Status.New || status == Status.Authorized) {
            _setStatus(msg.sender, status, Status.AwaitingUpdate);
        }
        emit Notification(msg.sender, topic, recordId, actor);
    }

    /// @inheritdoc ISummary
    function acceptRelationship(address relationship) external onlyOwner {
        Status status = _known(relationship);
        if (status == Status.Authorized || status == Status.Deleted) {
            revert SummaryInvalidTransition(relationship, status, Status.Authorized);
        }
        _accepted[relationship] = true;
        _setStatus(relationship, status, Status.Authorized);
    }

    /// @inheritdoc ISummary
    function rejectRelationship(address relationship) external onlyOwner {
        Status status = _known(relationship);
        if (status == Status.Rejected || status == Status.Deleted) {
            revert SummaryInvalidTransition(relationship, status, Status.Rejected);
        }
        _accepted[relationship] = false;
        _setStatus(relationship, status, Status.Rejected);
    }

    /// @inheritdoc ISummary
    function deleteRelationship(address relationship) external onlyOwner {
        Status status = _known(relationship);
        if (status == Status.Deleted) revert SummaryInvalidTransition(relationship, status, Status.Deleted);
        _accepted[relationship] = false;
        _setStatus(relationship, status, Status.Deleted);
    }

    /// @inheritdoc ISummary
    function owner() external view returns (address) {
        return _owner;
    }

    /// @inheritdoc ISummary
    function register() external view returns (address) {
        return _register;
    }

    /// @inheritdoc ISummary
    function statusOf(address relationship) external view returns (Status) {
        return _statuses[relationship];
    }

    /// @inheritdoc ISummary
    function isAccepted(address relationship) external view returns (bool) {
        return _accepted[relationship];
    }

    /// @inheritdoc ISummary
    function relationships(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        uint256 length = _relationships.length;
        if (!(offset < length)) return page;
        uint256 end = length - offset < limit ? length : offset + limit;
        page = new address[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = _relationships[i];
        }
    }

    /// @inheritdoc ISummary
    function relationshipCount() external view returns (uint256) {
        return _relationships.length;
    }

    /// @inheritdoc ISummary
    function relationshipAt(uint256 index) external view returns (address) {
        uint256 length = _relationships.length;
        if (index < length) return _relationships[index];
        revert SummaryIndexOutOfBounds(index, length);
    }

    function _setStatus(address relationship, Status previousStatus, Status newStatus) private {
        _statuses[relationship] = newStatus;
        emit RelationshipStatusChanged(relationship, previousStatus, newStatus);
    }

    function _known(address relationship) private view returns (Status status) {
        status = _statuses[relationship];
        if (status == Status.None) revert SummaryUnknownRelationship(relationship);
    }
}
