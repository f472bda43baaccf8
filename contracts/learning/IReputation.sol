// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title IReputation
 * @notice The data owners' reputation of §3.2 ("the selection can be based on the reputation
 * value"): a beta reputation per owner, fed by the federated-learning rounds of the analysis market.
 * Each round an owner either acknowledged (it survived) or dropped out:
 *
 *   α ← 0.9·α + 0.4·acked,   β ← 0.9·β + 0.6·(1 − acked),   T = (α + 1) / (α + β + 2)
 *
 * so old rounds fade by 0.9 a round and a dropout weighs 1.5 times an ack. A new owner has
 * α = β = 0 and T = 0.5; an analyst selects only owners with T ≥ {MIN_TRUST} (0.5).
 *
 * @dev α, β and T are WAD fixed-point (1e18 = 1). Every product is rounded down, in the state
 * too: α and β are stored rounded, and the next round decays the rounded values, so an off-chain
 * re-computation must round at each step exactly as the contract does. α ≤ 4 and β ≤ 6 (the
 * fixed points of the updates), so both fit a uint128.
 */
interface IReputation {
    /// @notice An address given to the constructor is zero.
    error InvalidAddress(address given);

    /// @notice `owner`'s round was recorded as `acked` (else a dropout): its new `alpha`, `beta`
    /// and `trust`, all WAD.
    event ReputationUpdated(address indexed owner, bool acked, uint256 alpha, uint256 beta, uint256 trust);

    /**
     * @notice Record one round of `owner`: `acked` when it acknowledged the round, false when it
     * was selected but dropped out.
     * @dev Only `UPDATER_ROLE` (the analysis market). Emits {ReputationUpdated}.
     * @param owner the data owner
     * @param acked whether the owner survived the round
     */
    function record(address owner, bool acked) external;

    /// @notice `owner`'s trust T = (α + 1) / (α + β + 2), WAD, rounded down; 0.5e18 for an owner never recorded.
    /// @param owner the data owner
    /// @return trust the trust value, WAD
    function trustOf(address owner) external view returns (uint256 trust);

    /// @notice `owner`'s evidence α (acks) and β (dropouts), WAD, decayed as recorded.
    /// @param owner the data owner
    /// @return alpha the decayed ack evidence
    /// @return beta the decayed dropout evidence
    function scoreOf(address owner) external view returns (uint256 alpha, uint256 beta);

    /// @notice The lowest trust an analyst may select (0.5e18, a new owner's).
    // solhint-disable-next-line func-name-mixedcase
    function MIN_TRUST() external view returns (uint256);
}
