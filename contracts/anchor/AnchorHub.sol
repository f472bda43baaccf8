// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BlockHeaderRLP} from "./BlockHeaderRLP.sol";
import {IAnchorHub} from "./IAnchorHub.sol";

/**
 * @title AnchorHub
 * @notice The main chain's record of every community chain: relayers anchor checkpoints
 * (block number, block hash, state root, parent hash) of each registered chain, and anyone
 * holding only the main chain can then verify a community record against an anchored state
 * root (hash anchoring of the master–multi-chain model).
 * @dev A chain is registered by an admin with a first trusted block (its trust root). A
 * checkpoint is accepted only with every RLP header from the previous anchor + 1 up to it: the
 * hub checks each header's number, that its parent hash is the hash of the header before (the
 * previous anchor's hash for the first), and that the last header hashes to the checkpoint's
 * block hash. So every anchored checkpoint descends from the trust root, while only one
 * checkpoint per call is stored (anchoring many blocks per transaction costs a fraction of the
 * gas of one transaction per block; see the gas test).
 *
 * A chain that was recreated (new genesis, same chain id) or reorganised below its last anchor
 * can no longer be anchored on its old checkpoints: an admin then {resetChain}s it to a new trust
 * root, which starts a new epoch. Checkpoints are kept per epoch and the views only answer the
 * current one, so a checkpoint of an earlier epoch is no longer valid (light clients check the
 * epoch too).
 *
 * State lives in an ERC-7201 namespace so that a light client can prove a checkpoint with
 * `eth_getProof` against a main-chain state root it trusts, computing the slots itself:
 * `chainSlot(c) = keccak256(abi.encode(c, ANCHOR_HUB_STORAGE_SLOT))` packs `trustedHeight`
 * (bits 0-63), `lastHeight` (64-127), `epoch` (128-191) and `registered` (bit 192);
 * `checkpointSlot(c, e, h) = keccak256(abi.encode(h, keccak256(abi.encode(e, keccak256(abi.encode(c,
 * ANCHOR_HUB_STORAGE_SLOT + 1))))))` holds `blockHash`, `+ 1` `stateRoot` and `+ 2` `parentHash`.
 */
contract AnchorHub is IAnchorHub, AccessControl {
    /// @notice Role of the relays allowed to anchor checkpoints.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice Base slot of the contract's state:
    /// `keccak256(abi.encode(uint256(keccak256("commchain.storage.AnchorHub")) - 1)) & ~bytes32(uint256(0xff))`.
    bytes32 public constant ANCHOR_HUB_STORAGE_SLOT =
        0x1f340cbc9f91a32a94128af80ece6542dc326b6f54f5becaef51291108b6a800;

    struct StoredCheckpoint {
        bytes32 blockHash;
        bytes32 stateRoot;
        bytes32 parentHash;
    }

    struct ChainState {
        uint64 trustedHeight;
        uint64 lastHeight;
        uint64 epoch;
        bool registered;
    }

    /// @custom:storage-location erc7201:commchain.storage.AnchorHub
    struct AnchorHubStorage {
        mapping(uint256 chainId => ChainState) chains;
        mapping(uint256 chainId => mapping(uint256 epoch => mapping(uint256 height => StoredCheckpoint))) checkpoints;
    }

    /// @param admin the account that registers chains and grants {RELAYER_ROLE}
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @inheritdoc IAnchorHub
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {DEFAULT_ADMIN_ROLE}, otherwise as {IAnchorHub-registerChain}.
     */
    function registerChain(uint256 chainId, uint256 height, bytes32 blockHash) external onlyRole(DEFAULT_ADMIN_ROLE) {
        AnchorHubStorage storage $ = _storage();
        if ($.chains[chainId].registered) revert AnchorHubChainAlreadyRegistered(chainId);
        if (blockHash == bytes32(0)) revert AnchorHubZeroBlockHash(chainId, height);
        uint64 trusted = SafeCast.toUint64(height);
        $.chains[chainId] = ChainState({trustedHeight: trusted, lastHeight: trusted, epoch: 0, registered: true});
        $.checkpoints[chainId][0][height].blockHash = blockHash;
        emit ChainRegistered(chainId, height, blockHash, msg.sender);
    }

    /**
     * @inheritdoc IAnchorHub
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {DEFAULT_ADMIN_ROLE}, otherwise as {IAnchorHub-resetChain}.
     */
    function resetChain(
        uint256 chainId,
        uint256 height,
        bytes32 blockHash
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 epoch) {
        AnchorHubStorage storage $ = _storage();
        ChainState storage chain = $.chains[chainId];
        if (!chain.registered) revert AnchorHubUnknownChain(chainId);
        if (blockHash == bytes32(0)) revert AnchorHubZeroBlockHash(chainId, height);
        uint64 trusted = SafeCast.toUint64(height);
        uint256 previousLast = chain.lastHeight;
        epoch = uint256(chain.epoch) + 1;
        chain.epoch = SafeCast.toUint64(epoch);
        chain.trustedHeight = trusted;
        chain.lastHeight = trusted;
        $.checkpoints[chainId][epoch][height].blockHash = blockHash;
        emit ChainReset(chainId, epoch, height, blockHash, previousLast, msg.sender);
    }

    /**
     * @inheritdoc IAnchorHub
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {RELAYER_ROLE}, otherwise as {IAnchorHub-anchor}.
     */
    function anchor(
        uint256 chainId,
        uint256 height,
        bytes32 blockHash,
        bytes[] calldata headers
    ) external onlyRole(RELAYER_ROLE) {
        ChainState storage chain = _storage().chains[chainId];
        if (!chain.registered) revert AnchorHubUnknownChain(chainId);
        uint256 last = chain.lastHeight;
        if (!(height > last)) revert AnchorHubHeightNotIncreasing(chainId, last, height);
        if (headers.length != height - last)
            revert AnchorHubHeaderCountMismatch(chainId, height - last, headers.length);

        mapping(uint256 => StoredCheckpoint) storage checkpoints = _storage().checkpoints[chainId][chain.epoch];
        (bytes32 parentHash, bytes32 stateRoot) = _link(
            chainId,
            height,
            blockHash,
            checkpoints[last].blockHash,
            headers
        );

        chain.lastHeight = SafeCast.toUint64(height);
        checkpoints[height] = StoredCheckpoint({blockHash: blockHash, stateRoot: stateRoot, parentHash: parentHash});
        emit CheckpointAnchored(
            chainId,
            height,
            chain.epoch,
            blockHash,
            stateRoot,
            parentHash,
            headers.length,
            msg.sender
        );
    }

    /// @inheritdoc IAnchorHub
    function lastAnchoredHeight(uint256 chainId) external view returns (uint256) {
        return _registered(chainId).lastHeight;
    }

    /// @inheritdoc IAnchorHub
    function latestCheckpoint(uint256 chainId) external view returns (Checkpoint memory) {
        ChainState storage chain = _registered(chainId);
        return _checkpoint(chainId, chain.epoch, chain.lastHeight);
    }

    /// @inheritdoc IAnchorHub
    function checkpointAt(uint256 chainId, uint256 height) external view returns (Checkpoint memory) {
        return _checkpoint(chainId, _registered(chainId).epoch, height);
    }

    /// @inheritdoc IAnchorHub
    function checkpointInEpoch(
        uint256 chainId,
        uint256 epoch,
        uint256 height
    ) external view returns (Checkpoint memory) {
        uint256 current = _registered(chainId).epoch;
        if (epoch > current) revert AnchorHubUnknownEpoch(chainId, epoch, current);
        if (_storage().checkpoints[chainId][epoch][height].blockHash == bytes32(0)) {
            revert AnchorHubNoCheckpointInEpoch(chainId, epoch, height);
        }
        return _checkpoint(chainId, epoch, height);
    }

    /// @inheritdoc IAnchorHub
    function epochOf(uint256 chainId) external view returns (uint256) {
        return _registered(chainId).epoch;
    }

    /// @inheritdoc IAnchorHub
    function trustRoot(uint256 chainId) external view returns (Checkpoint memory) {
        ChainState storage chain = _registered(chainId);
        return _checkpoint(chainId, chain.epoch, chain.trustedHeight);
    }

    /// @inheritdoc IAnchorHub
    function isRegistered(uint256 chainId) external view returns (bool) {
        return _storage().chains[chainId].registered;
    }

    /// @dev Checks that `headers` are the blocks up to `height`, each linked to the one before
    /// (the first to `previous`), the last hashing to `blockHash`; returns its parent hash and
    /// state root.
    function _link(
        uint256 chainId,
        uint256 height,
        bytes32 blockHash,
        bytes32 previous,
        bytes[] calldata headers
    ) private pure returns (bytes32 parentHash, bytes32 stateRoot) {
        bytes32 tipHash = previous;
        uint256 first = height + 1 - headers.length;
        for (uint256 i = 0; i < headers.length; ++i) {
            uint256 expected = first + i;
            bool ok;
            uint256 number;
            (ok, parentHash, stateRoot, number) = BlockHeaderRLP.parse(headers[i]);
            if (!ok) revert AnchorHubMalformedHeader(chainId, expected);
            if (number != expected) revert AnchorHubHeaderNumberMismatch(chainId, expected, number);
            if (parentHash != tipHash) revert AnchorHubBrokenParentLink(chainId, expected, tipHash, parentHash);
            tipHash = keccak256(headers[i]);
        }
        if (tipHash != blockHash) revert AnchorHubHeaderHashMismatch(chainId, height, blockHash, tipHash);
    }

    function _registered(uint256 chainId) private view returns (ChainState storage chain) {
        chain = _storage().chains[chainId];
        if (!chain.registered) revert AnchorHubUnknownChain(chainId);
    }

    function _checkpoint(uint256 chainId, uint256 epoch, uint256 height) private view returns (Checkpoint memory) {
        StoredCheckpoint storage stored = _storage().checkpoints[chainId][epoch][height];
        if (stored.blockHash == bytes32(0)) revert AnchorHubNoCheckpoint(chainId, height);
        return
            Checkpoint({
                height: height,
                epoch: epoch,
                blockHash: stored.blockHash,
                stateRoot: stored.stateRoot,
                parentHash: stored.parentHash
            });
    }

    function _storage() private pure returns (AnchorHubStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := ANCHOR_HUB_STORAGE_SLOT
        }
    }
}
