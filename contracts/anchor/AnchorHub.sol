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
 */
contract AnchorHub is AccessControl {
    /// @notice Role of the relays allowed to anchor checkpoints.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice A community chain's block as anchored here.
    /// @param height the block number
    /// @param blockHash the block's hash (keccak256 of its RLP header)
    /// @param stateRoot the block's state root (zero for a trust root, whose header was not given)
    /// @param parentHash the block's parent hash (zero for a trust root)
    struct Checkpoint {
        uint256 height;
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
        bool registered;
    }

    mapping(uint256 chainId => ChainState) private _chains;
    mapping(uint256 chainId => mapping(uint256 height => StoredCheckpoint)) private _checkpoints;

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
    /// @notice No checkpoint of the chain is anchored at this height.
    error AnchorHubNoCheckpoint(uint256 chainId, uint256 height);

    /// @notice A community chain was registered with its trust root.
    /// @param chainId the chain's id
    /// @param height the trusted block's number
    /// @param blockHash the trusted block's hash
    /// @param admin the admin that registered it
    event ChainRegistered(uint256 indexed chainId, uint256 height, bytes32 blockHash, address indexed admin);

    /// @notice A checkpoint of a community chain was anchored.
    /// @param chainId the chain's id
    /// @param height the block number anchored
    /// @param blockHash the block's hash
    /// @param stateRoot the block's state root
    /// @param parentHash the block's parent hash
    /// @param headerCount the number of headers linked from the previous anchor
    /// @param relayer the relayer that anchored it
    event CheckpointAnchored(
        uint256 indexed chainId,
        uint256 indexed height,
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
        if (_chains[chainId].registered) revert AnchorHubChainAlreadyRegistered(chainId);
        if (blockHash == bytes32(0)) revert AnchorHubZeroBlockHash(chainId, height);
        uint64 trusted = SafeCast.toUint64(height);
        _chains[chainId] = ChainState({trustedHeight: trusted, lastHeight: trusted, registered: true});
        _checkpoints[chainId][height].blockHash = blockHash;
        emit ChainRegistered(chainId, height, blockHash, msg.sender);
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
        ChainState storage chain = _chains[chainId];
        if (!chain.registered) revert AnchorHubUnknownChain(chainId);
        uint256 last = chain.lastHeight;
        if (!(height > last)) revert AnchorHubHeightNotIncreasing(chainId, last, height);
        if (headers.length != height - last) revert AnchorHubHeaderCountMismatch(chainId, height - last, headers.length);

        bytes32 previous = _checkpoints[chainId][last].blockHash;
        bytes32 parentHash;
        bytes32 stateRoot;
        for (uint256 i = 0; i < headers.length; ++i) {
            uint256 expected = last + 1 + i;
            bool ok;
            uint256 number;
            (ok, parentHash, stateRoot, number) = BlockHeaderRLP.parse(headers[i]);
            if (!ok) revert AnchorHubMalformedHeader(chainId, expected);
            if (number != expected) revert AnchorHubHeaderNumberMismatch(chainId, expected, number);
            if (parentHash != previous) revert AnchorHubBrokenParentLink(chainId, expected, previous, parentHash);
            previous = keccak256(headers[i]);
        }
        if (previous != blockHash) revert AnchorHubHeaderHashMismatch(chainId, height, blockHash, previous);

        chain.lastHeight = SafeCast.toUint64(height);
        _checkpoints[chainId][height] = StoredCheckpoint({
            blockHash: blockHash,
            stateRoot: stateRoot,
            parentHash: parentHash
        });
        emit CheckpointAnchored(chainId, height, blockHash, stateRoot, parentHash, headers.length, msg.sender);
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
        return _checkpoint(chainId, _registered(chainId).lastHeight);
    }

    /**
     * @notice The chain's checkpoint at `height`.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain and
     * {AnchorHubNoCheckpoint} for a height that was linked through but not anchored.
     * @param chainId the chain's id
     * @param height the block number
     * @return the checkpoint
     */
    function checkpointAt(uint256 chainId, uint256 height) external view returns (Checkpoint memory) {
        _registered(chainId);
        return _checkpoint(chainId, height);
    }

    /**
     * @notice The chain's trust root, as registered.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the trust root (stateRoot and parentHash zero)
     */
    function trustRoot(uint256 chainId) external view returns (Checkpoint memory) {
        return _checkpoint(chainId, _registered(chainId).trustedHeight);
    }

    /**
     * @notice Whether chain `chainId` is registered.
     * @param chainId the chain's id
     * @return true once {registerChain} ran for it
     */
    function isRegistered(uint256 chainId) external view returns (bool) {
        return _chains[chainId].registered;
    }

    function _registered(uint256 chainId) private view returns (ChainState storage chain) {
        chain = _chains[chainId];
        if (!chain.registered) revert AnchorHubUnknownChain(chainId);
    }

    function _checkpoint(uint256 chainId, uint256 height) private view returns (Checkpoint memory) {
        StoredCheckpoint storage stored = _checkpoints[chainId][height];
        if (stored.blockHash == bytes32(0)) revert AnchorHubNoCheckpoint(chainId, height);
        return Checkpoint({
            height: height,
            blockHash: stored.blockHash,
            stateRoot: stored.stateRoot,
            parentHash: stored.parentHash
        });
    }
}
