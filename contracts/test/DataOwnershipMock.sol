// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IDataOwnership} from "../market/IDataOwnership.sol";

/**
 * @title DataOwnershipMock
 * @notice TEST ONLY. An ownership registry whose owners anyone may set, so market tests need no
 * orderer; never deploy it outside tests.
 */
contract DataOwnershipMock is IDataOwnership {
    mapping(bytes32 dataHash => address owner) private _owners;

    /**
     * @notice Record `owner` as the owner of `dataHash`; open to anyone (test registry).
     * @param dataHash the data hash
     * @param owner the owner, or `address(0)` to unregister
     */
    function setOwner(bytes32 dataHash, address owner) external {
        _owners[dataHash] = owner;
    }

    /// @inheritdoc IDataOwnership
    function ownerOf(bytes32 dataHash) external view returns (address) {
        return _owners[dataHash];
    }
}
