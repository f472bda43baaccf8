// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IReputation} from "./IReputation.sol";

/**
 * @title Reputation
 * @notice The data owners' beta reputation, fed round by round by the analysis market. See {IReputation}.
 * @dev The market holds `UPDATER_ROLE`; several markets may share one reputation.
 */
contract Reputation is IReputation, AccessControl {
    /// @notice Role of the analysis markets that record rounds.
    bytes32 public constant UPDATER_ROLE = keccak256("UPDATER_ROLE");
    /// @notice One, in WAD fixed point.
    uint256 public constant WAD = 1e18;
    /// @notice The weight an earlier round keeps each round (0.9).
    uint256 public constant DECAY = 0.9e18;
    /// @notice What an ack adds to α (0.4).
    uint256 public constant ACK_WEIGHT = 0.4e18;
    /// @notice What a dropout adds to β (0.6).
    uint256 public constant DROP_WEIGHT = 0.6e18;
    /// @inheritdoc IReputation
    uint256 public constant MIN_TRUST = 0.5e18;

    struct Score {
        uint128 alpha;
        uint128 beta;
    }

    mapping(address owner => Score score) private _scores;

    /// @param admin the account that may grant {UPDATER_ROLE}
    constructor(address admin) {
        if (admin == address(0)) revert InvalidAddress(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IReputation
    function record(address owner, bool acked) external onlyRole(UPDATER_ROLE) {
        Score storage s = _scores[owner];
        // α ≤ 0.9·4 + 0.4 = 4 and β ≤ 0.9·6 + 0.6 = 6 (in WAD), far below 2^128: the casts cannot truncate.
        uint256 alpha = (uint256(s.alpha) * DECAY) / WAD + (acked ? ACK_WEIGHT : 0);
        uint256 beta = (uint256(s.beta) * DECAY) / WAD + (acked ? 0 : DROP_WEIGHT);
        s.alpha = uint128(alpha);
        s.beta = uint128(beta);
        emit ReputationUpdated(owner, acked, alpha, beta, _trust(alpha, beta));
    }

    /// @inheritdoc IReputation
    function trustOf(address owner) external view returns (uint256) {
        Score storage s = _scores[owner];
        return _trust(s.alpha, s.beta);
    }

    /// @inheritdoc IReputation
    function scoreOf(address owner) external view returns (uint256 alpha, uint256 beta) {
        Score storage s = _scores[owner];
        return (s.alpha, s.beta);
    }

    function _trust(uint256 alpha, uint256 beta) private pure returns (uint256) {
        return ((alpha + WAD) * WAD) / (alpha + beta + 2 * WAD);
    }
}
