// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title ReentrantToken
 * @notice TEST ONLY. A hostile ERC-20 standing in for the DataToken: on its next balance change it
 * calls a chosen contract with chosen calldata, so tests can show the EPR refuses to be re-entered
 * through the token. Anyone may mint; never deploy it outside tests.
 */
contract ReentrantToken is ERC20 {
    address private _hookTarget;
    bytes private _hookData;

    /// @notice The hook was armed: the next balance change calls `target` with `data`.
    /// @param target the contract to call
    /// @param data the calldata
    event HookArmed(address indexed target, bytes data);

    constructor() ERC20("Reentrant Test Token", "RTT") {}

    /**
     * @notice Mint `amount` to `to`; open to anyone (test token).
     * @param to the account credited
     * @param amount the amount
     */
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /**
     * @notice Arm a one-shot hook: the next balance change calls `target` with `data`, bubbling its revert.
     * @param target the contract to call
     * @param data the calldata
     */
    function armHook(address target, bytes calldata data) external {
        _hookTarget = target;
        _hookData = data;
        emit HookArmed(target, data);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = _hookTarget;
        if (target != address(0)) {
            _hookTarget = address(0);
            Address.functionCall(target, _hookData);
        }
    }
}
