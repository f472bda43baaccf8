// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BlockHeaderRLP} from "./BlockHeaderRLP.sol";

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
contract AnchorHub is AccessControl {
    /// @notice Role of the relays allowed to anchor checkpoints.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice Base slot of the contract's state:
    /// `keccak256(abi.encode(uint256(keccak256("commchain.storage.AnchorHub")) - 1)) & ~bytes32(uint256(0xff))`.
    bytes32 public constant ANCHOR_HUB_STORAGE_SLOT =
        0x1f340cbc9f91a32a94128af80ece6542dc326b6f54f5becaef51291108b6a800;

    /// @notice A community chain's block as anchored here.
    /// @param height the block number
    /// @param blockHash the block's hash (keccak256 of its RLP header)
    /// @param stateRoot the block's state root (zero for a trust root, whose header was not given)
    /// @param parentHash the block's parent hash (zero for a trust root)
    /// @param epoch the chain's epoch the checkpoint belongs to (0 until the first {resetChain})
    struct Checkpoint {
        uint256 height;
        uint256 epoch;
        bytes32 blockHash;
        bytes32 stateRoot;
        bytes32 parentHash;
    }

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

    /// @notice The chain was never registered.
    error AnchorHubUnknownChain(uint256 chainId);
    /// @notice The chain is registered already; its trust root cannot change.
    error AnchorHubChainAlreadyRegistered(uint256 chainId);
    /// @notice A trust root or checkpoint was given the zero block hash.
    error AnchorHubZeroBlockHash(uint256 chainId, uint256 height);
    /// @notice The checkpoint is not above the last anchored height.
    error AnchorHubHeightNotIncreasing(uint256 chainId, uint256 lastHeight, uint256 height);
    /// @notice The number of headers is not the distance from the last anchor to the checkpoint.
    error AnchorHubHeaderCountMismatch(uint256 chainId, uint256 expected, uint256 given);
    /// @notice A header is not an RLP block header.
    error AnchorHubMalformedHeader(uint256 chainId, uint256 height);
    /// @notice A header carries another number than its place in the sequence.
    error AnchorHubHeaderNumberMismatch(uint256 chainId, uint256 expected, uint256 actual);
    /// @notice A header's parent hash is not the hash of the block before it.
    error AnchorHubBrokenParentLink(uint256 chainId, uint256 height, bytes32 expectedParent, bytes32 actualParent);
    /// @notice The last header does not hash to the checkpoint's block hash.
    error AnchorHubHeaderHashMismatch(uint256 chainId, uint256 height, bytes32 expected, bytes32 actual);
    /// @notice No checkpoint of the chain is anchored at this height (in the epoch asked for).
    error AnchorHubNoCheckpoint(uint256 chainId, uint256 height);
    /// @notice No checkpoint of the chain is anchored at this height in this epoch.
    error AnchorHubNoCheckpointInEpoch(uint256 chainId, uint256 epoch, uint256 height);
    /// @notice The epoch asked for is after the chain's current epoch.
    error AnchorHubUnknownEpoch(uint256 chainId, uint256 epoch, uint256 currentEpoch);

    /// @notice A community chain was registered with its trust root.
    /// @param chainId the chain's id
    /// @param height the trusted block's number
    /// @param blockHash the trusted block's hash
    /// @param admin the admin that registered it
    event ChainRegistered(uint256 indexed chainId, uint256 height, bytes32 blockHash, address indexed admin);

    /// @notice A community chain was given a new trust root, starting a new epoch: the checkpoints
    /// of the earlier epochs are no longer valid.
    /// @param chainId the chain's id
    /// @param epoch the new epoch
    /// @param height the new trusted block's number
    /// @param blockHash the new trusted block's hash
    /// @param previousLastHeight the last height anchored in the previous epoch
    /// @param admin the admin that reset it
    event ChainReset(
        uint256 indexed chainId,
        uint256 indexed epoch,
        uint256 height,
        bytes32 blockHash,
        uint256 previousLastHeight,
        address indexed admin
    );

    /// @notice A checkpoint of a community chain was anchored.
    /// @param chainId the chain's id
    /// @param height the block number anchored
    /// @param epoch the chain's epoch (0 until the first {resetChain})
    /// @param blockHash the block's hash
    /// @param stateRoot the block's state root
    /// @param parentHash the block's parent hash
    /// @param headerCount the number of headers linked from the previous anchor
    /// @param relayer the relayer that anchored it
    event CheckpointAnchored(
        uint256 indexed chainId,
        uint256 indexed height,
        uint256 epoch,
        bytes32 blockHash,
        bytes32 stateRoot,
        bytes32 parentHash,
        uint256 headerCount,
        address indexed relayer
    );

    /// @param admin the account that registers chains and grants {RELAYER_ROLE}
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Register chain `chainId` with its first trusted block.
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {DEFAULT_ADMIN_ROLE}, {AnchorHubChainAlreadyRegistered} and {AnchorHubZeroBlockHash}.
     * @param chainId the chain's id
     * @param height the trusted block's number (0 for genesis)
     * @param blockHash the trusted block's hash
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
     * @notice Give the registered chain `chainId` a new trust root, starting a new epoch.
     * @dev For a chain that was recreated (new genesis, same chain id) or reorganised below its
     * last anchor: its new blocks no longer link to the anchored ones, so without a reset no
     * checkpoint could ever be anchored again. The checkpoints of earlier epochs stay in storage
     * but are no longer served by the views, and light clients refuse them. The new root may
     * be at any height, lower than the last anchor too. Reverts with
     * {AccessControlUnauthorizedAccount} unless the caller holds {DEFAULT_ADMIN_ROLE},
     * {AnchorHubUnknownChain} and {AnchorHubZeroBlockHash}.
     * @param chainId the chain's id
     * @param height the new trusted block's number (0 for the new genesis)
     * @param blockHash the new trusted block's hash
     * @return epoch the new epoch
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
     * @notice Anchor block `height` of chain `chainId`, whose hash is `blockHash`.
     * @dev `headers` are the RLP headers of blocks `lastAnchoredHeight + 1 .. height` in order.
     * Reverts with {AccessControlUnauthorizedAccount} unless the caller holds {RELAYER_ROLE},
     * {AnchorHubUnknownChain}, {AnchorHubHeightNotIncreasing}, {AnchorHubHeaderCountMismatch},
     * {AnchorHubMalformedHeader}, {AnchorHubHeaderNumberMismatch}, {AnchorHubBrokenParentLink}
     * and {AnchorHubHeaderHashMismatch}.
     * @param chainId the chain's id
     * @param height the block number to anchor
     * @param blockHash the hash of block `height`
     * @param headers the RLP headers linking the previous anchor to block `height`
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
        if (headers.length != height - last) revert AnchorHubHeaderCountMismatch(chainId, height - last, headers.length);

        mapping(uint256 => StoredCheckpoint) storage checkpoints = _storage().checkpoints[chainId][chain.epoch];
        (bytes32 parentHash, bytes32 stateRoot) = _link(chainId, height, blockHash, checkpoints[last].blockHash, headers);

        chain.lastHeight = SafeCast.toUint64(height);
        checkpoints[height] = StoredCheckpoint({blockHash: blockHash, stateRoot: stateRoot, parentHash: parentHash});
        emit CheckpointAnchored(chainId, height, chain.epoch, blockHash, stateRoot, parentHash, headers.length, msg.sender);
    }

    /**
     * @notice The height of the chain's latest checkpoint (its trust root's before any anchor).
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain; relays resume from it.
     * @param chainId the chain's id
     * @return the last anchored block number
     */
    function lastAnchoredHeight(uint256 chainId) external view returns (uint256) {
        return _registered(chainId).lastHeight;
    }

    /**
     * @notice The chain's latest checkpoint (its trust root before any anchor).
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the checkpoint
     */
    function latestCheckpoint(uint256 chainId) external view returns (Checkpoint memory) {
        ChainState storage chain = _registered(chainId);
        return _checkpoint(chainId, chain.epoch, chain.lastHeight);
    }

    /**
     * @notice The chain's checkpoint at `height` in its current epoch.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain and
     * {AnchorHubNoCheckpoint} for a height that was linked through but not anchored, or that was
     * anchored only in an earlier epoch.
     * @param chainId the chain's id
     * @param height the block number
     * @return the checkpoint
     */
    function checkpointAt(uint256 chainId, uint256 height) external view returns (Checkpoint memory) {
        return _checkpoint(chainId, _registered(chainId).epoch, height);
    }

    /**
     * @notice The chain's checkpoint at `height` in epoch `epoch`, current or earlier.
     * @dev For audits of earlier epochs: such a checkpoint is no longer valid. Reverts with
     * {AnchorHubUnknownChain}, {AnchorHubUnknownEpoch} for an epoch after the current one and
     * {AnchorHubNoCheckpointInEpoch}.
     * @param chainId the chain's id
     * @param epoch the epoch
     * @param height the block number
     * @return the checkpoint
     */
    function checkpointInEpoch(uint256 chainId, uint256 epoch, uint256 height) external view returns (Checkpoint memory) {
        uint256 current = _registered(chainId).epoch;
        if (epoch > current) revert AnchorHubUnknownEpoch(chainId, epoch, current);
        if (_storage().checkpoints[chainId][epoch][height].blockHash == bytes32(0)) {
            revert AnchorHubNoCheckpointInEpoch(chainId, epoch, height);
        }
        return _checkpoint(chainId, epoch, height);
    }

    /**
     * @notice The chain's current epoch: 0 at registration, one more at each {resetChain}.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the epoch
     */
    function epochOf(uint256 chainId) external view returns (uint256) {
        return _registered(chainId).epoch;
    }

    /**
     * @notice The chain's trust root, as registered.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the trust root (stateRoot and parentHash zero)
     */
    function trustRoot(uint256 chainId) external view returns (Checkpoint memory) {
        ChainState storage chain = _registered(chainId);
        return _checkpoint(chainId, chain.epoch, chain.trustedHeight);
    }

    /**
     * @notice Whether chain `chainId` is registered.
     * @param chainId the chain's id
     * @return true once {registerChain} ran for it
     */
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
        return Checkpoint({
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
