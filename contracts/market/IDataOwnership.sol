// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

/**
 * @title IDataOwnership
 * @notice The one question the market asks the ownership registry (§4.2 of the paper): who
 * registered a data hash first. {DataAsset} lets only that account tokenize the data.
 */
interface IDataOwnership {
    /**
     * @notice The account that registered `dataHash`.
     * @param dataHash the registered hash (the Merkle root of the data's fragments)
     * @return owner the registering account, or `address(0)` when `dataHash` is unregistered
     */
    function ownerOf(bytes32 dataHash) external view returns (address owner);
}
