// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title DataToken
 * @notice The data-sharing token of BPIIoT (Table 2): devices earn it for uploading data,
 * verifiers for attesting it, and devices spend it on maintenance and spare parts.
 * @dev Only reward issuers holding {MINTER_ROLE} create tokens. EIP-2612 {permit} lets an IoT
 * unit authorise a payment with a signature instead of a separate `approve` transaction.
 */
contract DataToken is ERC20, ERC20Permit, AccessControl {
    /// @notice Role of the reward issuers, the only accounts that may mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice The token's name, also the EIP-712 domain name used by {permit}.
    string public constant TOKEN_NAME = "commchain Data Token";
    /// @notice The token's symbol.
    string public constant TOKEN_SYMBOL = "CDT";

    /// @notice Minting to `account` was asked for an amount of zero.
    error DataTokenZeroAmount(address account);

    /// @notice Tokens were minted as a reward.
    /// @param minter the reward issuer that minted
    /// @param to the account credited
    /// @param amount the amount minted
    event RewardMinted(address indexed minter, address indexed to, uint256 amount);

    /// @param admin the account that may grant and revoke {MINTER_ROLE}
    constructor(address admin) ERC20(TOKEN_NAME, TOKEN_SYMBOL) ERC20Permit(TOKEN_NAME) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Mint `amount` tokens to `to` as a reward.
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {MINTER_ROLE}, {DataTokenZeroAmount} for a zero amount and {ERC20InvalidReceiver} for
     * the zero address.
     * @param to the account credited
     * @param amount the amount minted, in the token's smallest unit
     */
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        if (amount == 0) revert DataTokenZeroAmount(to);
        _mint(to, amount);
        emit RewardMinted(msg.sender, to, amount);
    }
}
