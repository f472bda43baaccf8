// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ICoalitionRewards} from "../consensus/ICoalitionRewards.sol";

/**
 * @title CoalitionMinerMock
 * @notice TEST ONLY. A contract miner or round opener of {CoalitionRewards}: it signs memberships
 * by ERC-1271 (digests its test approves), and on receiving ETH it accepts, refuses, or re-enters
 * {ICoalitionRewards-withdraw}, so tests reach the failed-withdrawal and reentrancy paths.
 */
contract CoalitionMinerMock is IERC1271 {
    /// @notice What the mock does when it is sent ETH.
    enum OnReceive {
        Accept,
        Refuse,
        Reenter
    }

    /// @notice The mock refuses ETH ({OnReceive.Refuse}).
    error CoalitionMinerMockRefused();

    ICoalitionRewards private immutable _REWARDS;
    mapping(bytes32 digest => bool approved) private _approved;

    /// @notice What the mock does when it is sent ETH.
    OnReceive public onReceive;

    /// @param rewards the CoalitionRewards the mock calls
    constructor(ICoalitionRewards rewards) {
        _REWARDS = rewards;
    }

    /// @notice Accept ETH, or do as {onReceive} says.
    // Refusing and re-entering on receipt is the point of the mock.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (onReceive == OnReceive.Refuse) revert CoalitionMinerMockRefused();
        if (onReceive == OnReceive.Reenter) _REWARDS.withdraw();
    }

    /// @notice Set what the mock does when it is sent ETH.
    function setOnReceive(OnReceive mode) external {
        onReceive = mode;
    }

    /// @notice Treat `digest` as signed by this contract.
    function approveDigest(bytes32 digest) external {
        _approved[digest] = true;
    }

    /// @notice Open a round of the rewards contract with the ETH sent (the mock needs `ROUND_ROLE`).
    function openRound(uint64 registerEnd, uint64 commitEnd, uint64 revealEnd, uint8 gamma) external payable {
        _REWARDS.openRound{value: msg.value}(registerEnd, commitEnd, revealEnd, gamma);
    }

    /// @notice Commit the mock's coalition `coalitionId` of round `roundId` to `commitment`.
    function commit(uint256 roundId, uint256 coalitionId, bytes32 commitment) external {
        _REWARDS.commit(roundId, coalitionId, commitment);
    }

    /// @notice Withdraw the mock's credit.
    function withdraw() external {
        _REWARDS.withdraw();
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata) external view returns (bytes4) {
        return _approved[hash] ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}
