// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {BlockHeaderRLP} from "../anchor/BlockHeaderRLP.sol";

/// @dev Exposes the internal library to tests, so malformed headers can be fed to it directly.
/// Only for tests; never deployed.
contract BlockHeaderRLPHarness {
    /// @notice BlockHeaderRLP.parse on `header`.
    function parse(bytes calldata header) external pure returns (bool, bytes32, bytes32, uint256) {
        return BlockHeaderRLP.parse(header);
    }
}
