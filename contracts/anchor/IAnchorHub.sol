// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title IAnchorHub
 * @notice The main chain's record of every community chain: relayers anchor checkpoints (block
 * number, block hash, state root, parent hash) of each registered chain, each linked by its RLP
 * headers to the chain's trust root, so that anyone holding only the main chain can verify a
 * community record against an anchored state root (hash anchoring of the master–multi-chain
 * model). A chain recreated or reorganised below its last anchor is reset to a new trust root,
 * which starts a new epoch; the views answer the current epoch only.
 */
interface IAnchorHub {
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

    /**
     * @notice Register chain `chainId` with its first trusted block.
     * @dev Reverts with {AnchorHubChainAlreadyRegistered} and {AnchorHubZeroBlockHash}. Emits
     * {ChainRegistered}.
     * @param chainId the chain's id
     * @param height the trusted block's number (0 for genesis)
     * @param blockHash the trusted block's hash
     */
    function registerChain(uint256 chainId, uint256 height, bytes32 blockHash) external;

    /**
     * @notice Give the registered chain `chainId` a new trust root, starting a new epoch.
     * @dev For a chain that was recreated (new genesis, same chain id) or reorganised below its
     * last anchor: its new blocks no longer link to the anchored ones, so without a reset no
     * checkpoint could ever be anchored again. The checkpoints of earlier epochs stay in storage
     * but are no longer served by the views, and light clients refuse them. The new root may
     * be at any height, lower than the last anchor too. Reverts with {AnchorHubUnknownChain} and
     * {AnchorHubZeroBlockHash}. Emits {ChainReset}.
     * @param chainId the chain's id
     * @param height the new trusted block's number (0 for the new genesis)
     * @param blockHash the new trusted block's hash
     * @return epoch the new epoch
     */
    function resetChain(uint256 chainId, uint256 height, bytes32 blockHash) external returns (uint256 epoch);

    /**
     * @notice Anchor block `height` of chain `chainId`, whose hash is `blockHash`.
     * @dev `headers` are the RLP headers of blocks `lastAnchoredHeight + 1 .. height` in order.
     * Reverts with {AnchorHubUnknownChain}, {AnchorHubHeightNotIncreasing},
     * {AnchorHubHeaderCountMismatch}, {AnchorHubMalformedHeader}, {AnchorHubHeaderNumberMismatch},
     * {AnchorHubBrokenParentLink} and {AnchorHubHeaderHashMismatch}. Emits {CheckpointAnchored}.
     * @param chainId the chain's id
     * @param height the block number to anchor
     * @param blockHash the hash of block `height`
     * @param headers the RLP headers linking the previous anchor to block `height`
     */
    function anchor(uint256 chainId, uint256 height, bytes32 blockHash, bytes[] calldata headers) external;

    /**
     * @notice The height of the chain's latest checkpoint (its trust root's before any anchor).
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain; relays resume from it.
     * @param chainId the chain's id
     * @return the last anchored block number
     */
    function lastAnchoredHeight(uint256 chainId) external view returns (uint256);

    /**
     * @notice The chain's latest checkpoint (its trust root before any anchor).
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the checkpoint
     */
    function latestCheckpoint(uint256 chainId) external view returns (Checkpoint memory);

    /**
     * @notice The chain's checkpoint at `height` in its current epoch.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain and
     * {AnchorHubNoCheckpoint} for a height that was linked through but not anchored, or that was
     * anchored only in an earlier epoch.
     * @param chainId the chain's id
     * @param height the block number
     * @return the checkpoint
     */
    function checkpointAt(uint256 chainId, uint256 height) external view returns (Checkpoint memory);

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
    function checkpointInEpoch(
        uint256 chainId,
        uint256 epoch,
        uint256 height
    ) external view returns (Checkpoint memory);

    /**
     * @notice The chain's current epoch: 0 at registration, one more at each {resetChain}.
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the epoch
     */
    function epochOf(uint256 chainId) external view returns (uint256);

    /**
     * @notice The chain's trust root, as registered (or as last reset).
     * @dev Reverts with {AnchorHubUnknownChain} for an unregistered chain.
     * @param chainId the chain's id
     * @return the trust root (stateRoot and parentHash zero)
     */
    function trustRoot(uint256 chainId) external view returns (Checkpoint memory);

    /**
     * @notice Whether chain `chainId` is registered.
     * @param chainId the chain's id
     * @return true once {registerChain} ran for it
     */
    function isRegistered(uint256 chainId) external view returns (bool);
}
