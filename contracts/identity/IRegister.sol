// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title IRegister
 * @notice The Register Contract (RC) of BPIIoT: maps each participant's identity string to its
 * Ethereum address and back, and finds the participant's Summary contract.
 */
interface IRegister {
    /// @notice What a participant is: a device (data contributor), a service provider (data
    /// beneficiary) or a third party a device may share data with.
    enum Kind {
        Device,
        ServiceProvider,
        ThirdParty
    }

    /// @notice One registered identity as the Register stores it.
    /// @param id the identity string
    /// @param kind the participant's kind
    /// @param summary the participant's Summary contract (never zero for a registered account)
    struct Participant {
        string id;
        Kind kind;
        address summary;
    }

    /// @notice The identity `id` was registered for `account`, with a new Summary contract.
    /// @param idHash keccak-256 of `id`, indexed so the identity can be filtered on
    /// @param account the account the identity maps to
    /// @param kind the participant's kind
    /// @param id the identity string
    /// @param summary the participant's new Summary contract
    /// @param registrar the caller: `account` itself or a holder of the registrar role
    event ParticipantRegistered(
        bytes32 indexed idHash,
        address indexed account,
        Kind indexed kind,
        string id,
        address summary,
        address registrar
    );

    /// @notice The identity `id` moved from `previousAccount` to `newAccount`; its Summary's owner followed.
    /// @param idHash keccak-256 of `id`
    /// @param previousAccount the account the identity mapped to before
    /// @param newAccount the account it maps to now
    /// @param id the identity string
    event AccountChanged(
        bytes32 indexed idHash,
        address indexed previousAccount,
        address indexed newAccount,
        string id
    );

    /// @notice The relationship factory trusted by every Summary of this Register was set.
    /// @param factory the factory's address
    event RelationshipFactorySet(address indexed factory);

    /// @notice An identity string was empty; `account` is the account it was meant for.
    error RegisterEmptyId(address account);
    /// @notice An identity string is longer than `maxLength` bytes.
    error RegisterIdTooLong(string id, uint256 length, uint256 maxLength);
    /// @notice The zero address was given as the account of identity `id`.
    error RegisterZeroAccount(string id);
    /// @notice The identity `id` already maps to `holder`.
    error RegisterIdTaken(string id, address holder);
    /// @notice `account` already holds the identity `id`.
    error RegisterAccountTaken(address account, string id);
    /// @notice No account holds the identity `id`.
    error RegisterUnknownId(string id);
    /// @notice `account` holds no identity.
    error RegisterUnknownAccount(address account);
    /// @notice `caller` may not act for `account` (not the account itself, nor a registrar or admin as required).
    error RegisterUnauthorized(address caller, address account);
    /// @notice `caller` registered itself with kind `kind`; only a registrar assigns a kind other than Device.
    error RegisterKindNeedsRegistrar(address caller, Kind kind);
    /// @notice The relationship factory is already set to `factory`; it is set once.
    error RegisterFactoryAlreadySet(address factory);
    /// @notice The zero address was given as the relationship factory.
    error RegisterZeroFactory();
    /// @notice The Summary implementation `implementation` has no code.
    error RegisterInvalidImplementation(address implementation);

    /**
     * @notice Register the identity `id` of kind `kind` for `account` and create its Summary. An
     * account may register itself as a Device; a registrar registers any account with any kind.
     * @param id the identity string (non-empty, at most the Register's maximum length)
     * @param account the account the identity maps to
     * @param kind the participant's kind
     * @return summary the participant's new Summary contract
     */
    function register(string calldata id, address account, Kind kind) external returns (address summary);

    /**
     * @notice Move the identity `id` to `newAccount`; the identity's Summary goes with it.
     * @param id the identity string
     * @param newAccount the account the identity maps to from now on
     */
    function changeAccount(string calldata id, address newAccount) external;

    /**
     * @notice The account holding identity `id`.
     * @param id the identity string
     * @return the account, or the zero address for an unknown identity
     */
    function addressOf(string calldata id) external view returns (address);

    /**
     * @notice The identity held by `account`.
     * @param account the account
     * @return the identity string, or "" for an account that holds none
     */
    function idOf(address account) external view returns (string memory);

    /**
     * @notice The Summary contract of the participant holding `account`.
     * @param account the account
     * @return the Summary's address, or the zero address for an account that holds no identity
     */
    function summaryOf(address account) external view returns (address);

    /**
     * @notice The kind of the participant holding `account`.
     * @param account the account; reverts with {RegisterUnknownAccount} if it holds no identity
     * @return the participant's kind
     */
    function kindOf(address account) external view returns (Kind);

    /**
     * @notice Whether `account` currently holds an identity.
     * @param account the account
     * @return true if registered
     */
    function isRegistered(address account) external view returns (bool);

    /**
     * @notice Everything the Register holds about the participant holding `account`.
     * @param account the account; reverts with {RegisterUnknownAccount} if it holds no identity
     * @return the participant's identity, kind and Summary
     */
    function participant(address account) external view returns (Participant memory);

    /**
     * @notice The relationship factory every Summary of this Register accepts relationships from.
     * @return the factory's address, or the zero address while it is not set
     */
    function relationshipFactory() external view returns (address);

    /**
     * @notice The Summary implementation every participant's Summary is a minimal proxy (clone) of.
     * @return the implementation's address
     */
    function summaryImplementation() external view returns (address);
}
