// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IDataAsset} from "./IDataAsset.sol";
import {IDataOwnership} from "./IDataOwnership.sol";

/**
 * @title DataAsset
 * @notice The data NFT of the digital-twin market (§4.4): one token per registered data hash,
 * audited by the cloud before it trades. See {IDataAsset}.
 */
contract DataAsset is IDataAsset, ERC721, AccessControl {
    /// @notice Role of the cloud auditor that confirms or rejects stored data (account `cloud`).
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice Role of the trade contract, which records buyers' access.
    bytes32 public constant TRADE_ROLE = keccak256("TRADE_ROLE");

    /// @notice The token's name.
    string public constant TOKEN_NAME = "commchain Data Asset";
    /// @notice The token's symbol.
    string public constant TOKEN_SYMBOL = "CDA";

    IDataOwnership private immutable _OWNERSHIP;

    mapping(uint256 tokenId => Asset asset) private _assets;
    // Allowlists are kept per generation of a token id: a rejected (burnt) asset's list does not
    // carry over to the asset its owner tokenizes again.
    mapping(uint256 tokenId => uint256 generation) private _generations;
    mapping(uint256 tokenId => mapping(uint256 generation => mapping(address account => bool allowed)))
        private _allowed;
    mapping(uint256 tokenId => mapping(address buyer => bool granted)) private _access;

    /// @param ownership_ the ownership registry
    /// @param admin the account that may grant and revoke {AUDITOR_ROLE} and {TRADE_ROLE}
    constructor(IDataOwnership ownership_, address admin) ERC721(TOKEN_NAME, TOKEN_SYMBOL) {
        if (address(ownership_) == address(0)) revert AssetInvalidAddress(address(ownership_));
        if (admin == address(0)) revert AssetInvalidAddress(admin);
        _OWNERSHIP = ownership_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IDataAsset
    function tokenize(
        bytes32 dataHash,
        string calldata uri,
        uint256 price,
        Openness openness,
        address[] calldata allowlist
    ) external returns (uint256 tokenId) {
        address owner = _OWNERSHIP.ownerOf(dataHash);
        if (owner != msg.sender || owner == address(0)) revert AssetNotDataOwner(dataHash, msg.sender, owner);
        tokenId = uint256(dataHash);
        address holder = _ownerOf(tokenId);
        if (holder != address(0)) revert AssetAlreadyTokenized(tokenId, holder);

        _assets[tokenId] = Asset({price: price, state: AssetState.PendingAudit, openness: openness, uri: uri});
        emit AssetTokenized(tokenId, msg.sender, dataHash, uri, price, openness);
        _setAllowed(tokenId, allowlist, true);
        // _mint, not _safeMint: no receiver callback, so no external call into the caller.
        _mint(msg.sender, tokenId);
    }

    /// @inheritdoc IDataAsset
    function confirmStored(uint256 tokenId) external onlyRole(AUDITOR_ROLE) {
        _requireState(tokenId, AssetState.PendingAudit);
        _assets[tokenId].state = AssetState.Listed;
        emit AssetListed(tokenId, msg.sender);
    }

    /// @inheritdoc IDataAsset
    function rejectStored(uint256 tokenId, bytes32 reason) external onlyRole(AUDITOR_ROLE) {
        _requireState(tokenId, AssetState.PendingAudit);
        delete _assets[tokenId];
        ++_generations[tokenId];
        emit AssetRejected(tokenId, msg.sender, reason);
        _burn(tokenId);
    }

    /// @inheritdoc IDataAsset
    function setTerms(uint256 tokenId, uint256 price, Openness openness) external {
        _requireHolder(tokenId);
        Asset storage a = _assets[tokenId];
        a.price = price;
        a.openness = openness;
        emit AssetTermsChanged(tokenId, price, openness);
    }

    /// @inheritdoc IDataAsset
    function setAllowed(uint256 tokenId, address[] calldata accounts, bool allowed) external {
        _requireHolder(tokenId);
        _setAllowed(tokenId, accounts, allowed);
    }

    /// @inheritdoc IDataAsset
    function recordAccess(uint256 tokenId, address buyer) external onlyRole(TRADE_ROLE) {
        _access[tokenId][buyer] = true;
        emit AssetAccessRecorded(tokenId, buyer, msg.sender);
    }

    /// @inheritdoc IDataAsset
    function ownership() external view returns (IDataOwnership) {
        return _OWNERSHIP;
    }

    /// @inheritdoc IDataAsset
    function asset(uint256 tokenId) external view returns (Asset memory) {
        return _assets[tokenId];
    }

    /// @inheritdoc IDataAsset
    function isAllowed(uint256 tokenId, address account) external view returns (bool) {
        return _allowed[tokenId][_generations[tokenId]][account];
    }

    /// @inheritdoc IDataAsset
    function canBuy(uint256 tokenId, address buyer) external view returns (bool) {
        Asset storage a = _assets[tokenId];
        if (a.state != AssetState.Listed) return false;
        if (a.openness == Openness.Complete) return true;
        return a.openness == Openness.Partial && _allowed[tokenId][_generations[tokenId]][buyer];
    }

    /// @inheritdoc IDataAsset
    function canAccess(uint256 tokenId, address account) external view returns (bool) {
        address holder = _ownerOf(tokenId);
        if (holder == address(0)) return false;
        if (account == holder || _access[tokenId][account]) return true;
        Asset storage a = _assets[tokenId];
        return a.state == AssetState.Listed && a.openness == Openness.Complete && a.price == 0;
    }

    /// @inheritdoc ERC721
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _assets[tokenId].uri;
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _setAllowed(uint256 tokenId, address[] calldata accounts, bool allowed) private {
        mapping(address => bool) storage list = _allowed[tokenId][_generations[tokenId]];
        uint256 length = accounts.length;
        for (uint256 i = 0; i < length; ++i) {
            list[accounts[i]] = allowed;
            emit AssetAllowlistChanged(tokenId, accounts[i], allowed);
        }
    }

    function _requireState(uint256 tokenId, AssetState expected) private view {
        AssetState state = _assets[tokenId].state;
        if (state != expected) revert AssetWrongState(tokenId, state, expected);
    }

    function _requireHolder(uint256 tokenId) private view {
        if (_ownerOf(tokenId) != msg.sender || msg.sender == address(0)) revert AssetNotHolder(tokenId, msg.sender);
    }
}
