// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IRegister} from "./IRegister.sol";
import {ISummary} from "../sharing/ISummary.sol";

/**
 * @title Register
 * @notice The Register Contract (RC) of BPIIoT (paper VI.B.2): maps each participant's identity
 * string to its Ethereum address and back, and gives every participant its own Summary contract.
 * @dev An account registers itself as a Device, or a holder of {REGISTRAR_ROLE} registers any
 * account with any kind (a deployment script registering every device of a community, the
 * operator vetting service providers and third parties). Only the registrar assigns the
 * ServiceProvider and ThirdParty kinds: a provider accepts relationships whose records earn
 * rewards, so a self-declared provider would let any account pair up with its own devices and
 * farm them (a Sybil attack on the rewards). Each Summary is an OpenZeppelin
 * {Clones} minimal proxy of one implementation, created at an address derived from the identity,
 * so a new participant costs a small fraction of a full contract deployment. An identity can
 * move to a new account (key rotation) by its holder or an admin; its Summary follows it.
 * Identities are never removed, so an identity string is never reused.
 */
contract Register is IRegister, AccessControl {
    /// @notice Role of the accounts that may register identities for any account.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice The longest identity string accepted, in bytes; keeps lookups and events bounded.
    uint256 public constant MAX_ID_LENGTH = 64;

    address private immutable _SUMMARY_IMPLEMENTATION;

    address private _relationshipFactory;
    mapping(address account => Participant) private _participants;
    mapping(string id => address account) private _accounts;

    /**
     * @param admin the account granted {DEFAULT_ADMIN_ROLE} (grants registrars, sets the factory,
     * moves any identity)
     * @param summaryImplementation_ the Summary implementation the participants' Summaries clone
     */
    constructor(address admin, address summaryImplementation_) {
        if (summaryImplementation_.code.length == 0) revert RegisterInvalidImplementation(summaryImplementation_);
        _SUMMARY_IMPLEMENTATION = summaryImplementation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Set the relationship factory every Summary accepts relationships from; admin only, once.
     * @dev Reverts with {RegisterZeroFactory} for the zero address and {RegisterFactoryAlreadySet}
     * on a second call: Summaries that trusted one factory must not start trusting another.
     * @param factory the factory's address
     */
    function setRelationshipFactory(address factory) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (factory == address(0)) revert RegisterZeroFactory();
        if (_relationshipFactory != address(0)) revert RegisterFactoryAlreadySet(_relationshipFactory);
        _relationshipFactory = factory;
        emit RelationshipFactorySet(factory);
    }

    /**
     * @inheritdoc IRegister
     * @dev The caller must hold {REGISTRAR_ROLE}, or be `account` registering itself with kind
     * Device ({RegisterUnauthorized} for another account, {RegisterKindNeedsRegistrar} for
     * another kind). Reverts with {RegisterEmptyId}, {RegisterIdTooLong}, {RegisterZeroAccount},
     * {RegisterIdTaken} or {RegisterAccountTaken}. Emits {ParticipantRegistered}.
     */
    function register(string calldata id, address account, Kind kind) external returns (address summary) {
        uint256 length = bytes(id).length;
        if (length == 0) revert RegisterEmptyId(account);
        if (length > MAX_ID_LENGTH) revert RegisterIdTooLong(id, length, MAX_ID_LENGTH);
        if (account == address(0)) revert RegisterZeroAccount(id);
        if (!hasRole(REGISTRAR_ROLE, msg.sender)) {
            if (msg.sender != account) revert RegisterUnauthorized(msg.sender, account);
            if (kind != Kind.Device) revert RegisterKindNeedsRegistrar(msg.sender, kind);
        }
        address holder = _accounts[id];
        if (holder != address(0)) revert RegisterIdTaken(id, holder);
        Participant storage entry = _participants[account];
        if (entry.summary != address(0)) revert RegisterAccountTaken(account, entry.id);

        // Identities are never reused, so the identity's hash is a unique salt, and the Summary's
        // address is known (and recorded) before the clone is created.
        bytes32 idHash = keccak256(bytes(id));
        summary = Clones.predictDeterministicAddress(_SUMMARY_IMPLEMENTATION, idHash);
        _accounts[id] = account;
        entry.id = id;
        entry.kind = kind;
        entry.summary = summary;
        emit ParticipantRegistered(idHash, account, kind, id, summary, msg.sender);

        Clones.cloneDeterministic(_SUMMARY_IMPLEMENTATION, idHash);
        ISummary(summary).initialize(account);
    }

    /**
     * @inheritdoc IRegister
     * @dev The caller must be the identity's current holder or hold {DEFAULT_ADMIN_ROLE}. Reverts
     * with {RegisterUnknownId}, {RegisterUnauthorized}, {RegisterZeroAccount} or
     * {RegisterAccountTaken}. The previous account holds no identity afterwards: readers are
     * authorized by identity (their Summary), so the access follows the identity to `newAccount`
     * and the previous account, even registered again, has none of it. Emits {AccountChanged}; the Summary emits
     * {ISummary-OwnershipTransferred}.
     */
    function changeAccount(string calldata id, address newAccount) external {
        address previous = _accounts[id];
        if (previous == address(0)) revert RegisterUnknownId(id);
        if (msg.sender != previous && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert RegisterUnauthorized(msg.sender, previous);
        }
        if (newAccount == address(0)) revert RegisterZeroAccount(id);
        Participant storage taken = _participants[newAccount];
        if (taken.summary != address(0)) revert RegisterAccountTaken(newAccount, taken.id);

        _participants[newAccount] = _participants[previous];
        delete _participants[previous];
        _accounts[id] = newAccount;
        emit AccountChanged(keccak256(bytes(id)), previous, newAccount, id);

        ISummary(_participants[newAccount].summary).transferOwnership(newAccount);
    }

    /// @inheritdoc IRegister
    function addressOf(string calldata id) external view returns (address) {
        return _accounts[id];
    }

    /// @inheritdoc IRegister
    function idOf(address account) external view returns (string memory) {
        return _participants[account].id;
    }

    /// @inheritdoc IRegister
    function summaryOf(address account) external view returns (address) {
        return _participants[account].summary;
    }

    /// @inheritdoc IRegister
    function kindOf(address account) external view returns (Kind) {
        return _registered(account).kind;
    }

    /// @inheritdoc IRegister
    function isRegistered(address account) external view returns (bool) {
        return _participants[account].summary != address(0);
    }

    /// @inheritdoc IRegister
    function participant(address account) external view returns (Participant memory) {
        return _registered(account);
    }

    /// @inheritdoc IRegister
    function relationshipFactory() external view returns (address) {
        return _relationshipFactory;
    }

    /// @inheritdoc IRegister
    function summaryImplementation() external view returns (address) {
        return _SUMMARY_IMPLEMENTATION;
    }

    function _registered(address account) private view returns (Participant storage entry) {
        entry = _participants[account];
        if (entry.summary == address(0)) revert RegisterUnknownAccount(account);
    }
}
