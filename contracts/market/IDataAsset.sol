// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IDataOwnership} from "./IDataOwnership.sol";

/**
 * @title IDataAsset
 * @notice Tokenized data of the digital-twin market (§4.4 of the paper), one ERC-721 token per
 * data hash (Ocean Protocol's data NFT): token id = `uint256(dataHash)`. The registered owner of a
 * hash (per {IDataOwnership}) tokenizes it with a URI, a list price and an openness; the token is
 * `PendingAudit` until the cloud auditor (`AUDITOR_ROLE`) has checked the data is stored and its
 * Merkle root is the hash (§4.4 step 2), then `Listed`. Only listed assets trade.
 *
 * Openness (set at tokenization): `Complete`, anyone may buy; `Partial`, only accounts on the
 * asset's allowlist; `None`, no one.
 *
 * @dev The current holder of the token is the asset's owner: it sets the terms, grants trades and
 * receives every payout, so transferring the token moves all future payouts (a lifecycle change
 * of ownership). Access of buyers is recorded here by the trade contract (`TRADE_ROLE`) through
 * {recordAccess} when it grants a trade: a re-encryption key once released cannot be taken back,
 * so a recorded access is permanent, and {canAccess} is one storage read.
 */
interface IDataAsset {
    /// @notice Where an asset stands. `None` marks a hash never tokenized (or rejected, and burnt).
    enum AssetState {
        None,
        PendingAudit,
        Listed
    }

    /// @notice Who may buy an asset.
    enum Openness {
        Complete,
        Partial,
        None
    }

    /// @notice An asset's terms and state; the owner is the token's holder.
    struct Asset {
        uint256 price;
        AssetState state;
        Openness openness;
        string uri;
    }

    /// @notice An address given to the constructor is zero.
    error AssetInvalidAddress(address given);
    /// @notice `caller` is not `owner`, the registered owner of `dataHash` (`address(0)`: unregistered).
    error AssetNotDataOwner(bytes32 dataHash, address caller, address owner);
    /// @notice Asset `tokenId` already exists, held by `owner`.
    error AssetAlreadyTokenized(uint256 tokenId, address owner);
    /// @notice Asset `tokenId` is `state`, not `expected`.
    error AssetWrongState(uint256 tokenId, AssetState state, AssetState expected);
    /// @notice `caller` does not hold asset `tokenId`.
    error AssetNotHolder(uint256 tokenId, address caller);

    /// @notice `owner` tokenized `dataHash` as asset `tokenId`, pending audit.
    event AssetTokenized(
        uint256 indexed tokenId,
        address indexed owner,
        bytes32 dataHash,
        string uri,
        uint256 price,
        Openness openness
    );
    /// @notice `auditor` confirmed asset `tokenId` is stored and matches its hash; it is listed.
    event AssetListed(uint256 indexed tokenId, address indexed auditor);
    /// @notice `auditor` rejected asset `tokenId` (not stored, or root ≠ hash) for `reason`; the token was burnt.
    event AssetRejected(uint256 indexed tokenId, address indexed auditor, bytes32 reason);
    /// @notice The holder of asset `tokenId` set its list price and openness.
    event AssetTermsChanged(uint256 indexed tokenId, uint256 price, Openness openness);
    /// @notice The holder of asset `tokenId` put `account` on (`allowed`) or off its allowlist.
    event AssetAllowlistChanged(uint256 indexed tokenId, address indexed account, bool allowed);
    /// @notice The trade contract `trade` recorded that `buyer` may access asset `tokenId`.
    event AssetAccessRecorded(uint256 indexed tokenId, address indexed buyer, address indexed trade);

    /**
     * @notice Tokenize `dataHash` (the paper's `Transaction(PubK_A, Address_C, Hash_C, Token_C,
     * Timestamp, Sign_A)`): mint token `uint256(dataHash)` to the caller, `PendingAudit`.
     * @dev Reverts with {AssetNotDataOwner} unless the ownership registry names the caller as the
     * hash's owner, and {AssetAlreadyTokenized}. `allowlist` is consulted only while the asset is
     * `Partial`. Emits {AssetTokenized} and one {AssetAllowlistChanged} per allowlisted account.
     * @return tokenId `uint256(dataHash)`
     */
    function tokenize(
        bytes32 dataHash,
        string calldata uri,
        uint256 price,
        Openness openness,
        address[] calldata allowlist
    ) external returns (uint256 tokenId);

    /// @notice List asset `tokenId` (`AUDITOR_ROLE`): it is stored and its root is its hash.
    /// Reverts with {AssetWrongState} unless it is `PendingAudit`. Emits {AssetListed}.
    function confirmStored(uint256 tokenId) external;

    /// @notice Reject asset `tokenId` (`AUDITOR_ROLE`) and burn it, so the owner may tokenize again.
    /// Reverts with {AssetWrongState} unless it is `PendingAudit`. Emits {AssetRejected}.
    function rejectStored(uint256 tokenId, bytes32 reason) external;

    /// @notice Set the list price and openness of asset `tokenId` (its holder only, else {AssetNotHolder}).
    /// Emits {AssetTermsChanged}. Open trades keep the price they escrowed.
    function setTerms(uint256 tokenId, uint256 price, Openness openness) external;

    /// @notice Put `accounts` on (`allowed`) or off the allowlist of asset `tokenId` (its holder only,
    /// else {AssetNotHolder}). Emits {AssetAllowlistChanged} per account.
    function setAllowed(uint256 tokenId, address[] calldata accounts, bool allowed) external;

    /// @notice Record that `buyer` may access asset `tokenId` (`TRADE_ROLE`, when a trade is granted).
    /// Emits {AssetAccessRecorded}.
    function recordAccess(uint256 tokenId, address buyer) external;

    /// @notice The ownership registry that says who may tokenize a hash.
    function ownership() external view returns (IDataOwnership);

    /// @notice Asset `tokenId` (state `None` and empty when it does not exist).
    function asset(uint256 tokenId) external view returns (Asset memory);

    /// @notice Whether `account` is on the allowlist of asset `tokenId`.
    function isAllowed(uint256 tokenId, address account) external view returns (bool);

    /// @notice Whether `buyer` may buy asset `tokenId`: it is listed and Complete, or Partial with
    /// `buyer` allowlisted; never when None.
    function canBuy(uint256 tokenId, address buyer) external view returns (bool);

    /// @notice Whether `account` may read asset `tokenId`: its holder; anyone when it is listed,
    /// Complete and at price 0; a buyer whose trade was granted ({recordAccess}).
    function canAccess(uint256 tokenId, address account) external view returns (bool);
}
