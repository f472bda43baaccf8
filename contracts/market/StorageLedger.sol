// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStorageLedger} from "./IStorageLedger.sol";

/**
 * @title StorageLedger
 * @notice Leases of storage paid in the data token, by size × time (§4.3). See {IStorageLedger}.
 */
contract StorageLedger is IStorageLedger, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice The unit of size the price is per: one MiB.
    uint256 public constant MIB = 1 << 20;
    /// @notice The unit of time the price is per: one hour.
    uint256 public constant HOUR = 3600;
    /// @notice How far ahead of the block a payer's timestamp may be (clock skew).
    uint256 public constant MAX_CLOCK_AHEAD = 300;
    /// @notice How far behind the block a payer's timestamp may be (a stale payment).
    uint256 public constant MAX_CLOCK_BEHIND = 1 days;

    IERC20 private immutable _TOKEN;

    mapping(address provider => Offer offer) private _offers;
    mapping(uint256 leaseId => Lease lease) private _leases;
    mapping(address owner => mapping(address provider => uint256[] leaseIds)) private _pairLeases;
    uint256 private _leaseCount;

    /// @param token_ the data token leases are paid in
    constructor(IERC20 token_) {
        if (address(token_) == address(0)) revert StorageInvalidToken(address(token_));
        _TOKEN = token_;
    }

    /// @inheritdoc IStorageLedger
    function token() external view returns (IERC20) {
        return _TOKEN;
    }

    /// @inheritdoc IStorageLedger
    function setOffer(uint128 pricePerMiBHour, uint64 maxHours) external {
        if (maxHours == 0) revert StorageZeroDuration();
        _offers[msg.sender] = Offer(pricePerMiBHour, maxHours);
        emit StorageOfferSet(msg.sender, pricePerMiBHour, maxHours);
    }

    /// @inheritdoc IStorageLedger
    function withdrawOffer() external {
        if (_offers[msg.sender].maxHours == 0) revert StorageUnknownProvider(msg.sender);
        delete _offers[msg.sender];
        emit StorageOfferWithdrawn(msg.sender);
    }

    /// @inheritdoc IStorageLedger
    function payStorage(
        address provider,
        uint64 size,
        uint64 durationHours,
        uint256 maxPrice,
        uint64 timestamp
    ) external nonReentrant returns (uint256 leaseId) {
        Offer memory offer = _offers[provider];
        if (offer.maxHours == 0) revert StorageUnknownProvider(provider);
        if (size == 0) revert StorageZeroSize();
        if (durationHours == 0) revert StorageZeroDuration();
        if (durationHours > offer.maxHours) revert StorageDurationAboveMax(durationHours, offer.maxHours);
        uint256 price = _price(offer, size, durationHours);
        if (price > maxPrice) revert StoragePriceAboveMax(price, maxPrice);
        if (timestamp > block.timestamp + MAX_CLOCK_AHEAD || timestamp + MAX_CLOCK_BEHIND < block.timestamp) {
            revert StorageTimestampOutOfRange(timestamp, block.timestamp);
        }

        leaseId = ++_leaseCount;
        uint64 start = uint64(block.timestamp);
        uint64 end = start + durationHours * uint64(HOUR);
        _leases[leaseId] = Lease({owner: msg.sender, start: start, end: end, provider: provider, size: size});
        _pairLeases[msg.sender][provider].push(leaseId);
        emit StoragePaid(leaseId, msg.sender, provider, size, durationHours, price, start, end, timestamp);

        if (price > 0) _TOKEN.safeTransferFrom(msg.sender, provider, price);
    }

    /// @inheritdoc IStorageLedger
    function priceOf(address provider, uint64 size, uint64 durationHours) external view returns (uint256) {
        Offer memory offer = _offers[provider];
        if (offer.maxHours == 0) revert StorageUnknownProvider(provider);
        return _price(offer, size, durationHours);
    }

    /// @inheritdoc IStorageLedger
    function offerOf(address provider) external view returns (Offer memory) {
        return _offers[provider];
    }

    /// @inheritdoc IStorageLedger
    function lease(uint256 leaseId) external view returns (Lease memory) {
        if (leaseId == 0 || leaseId > _leaseCount) revert StorageUnknownLease(leaseId);
        return _leases[leaseId];
    }

    /// @inheritdoc IStorageLedger
    function leaseCount() external view returns (uint256) {
        return _leaseCount;
    }

    /// @inheritdoc IStorageLedger
    function paidBytes(address owner, address provider) external view returns (uint256 total) {
        uint256[] storage ids = _pairLeases[owner][provider];
        uint256 length = ids.length;
        for (uint256 i = 0; i < length; ++i) {
            Lease storage leased = _leases[ids[i]];
            if (block.timestamp < leased.end) total += leased.size;
        }
    }

    /// @dev `ceil(size / MIB) · durationHours · pricePerMiBHour`; cannot overflow (64 + 64 + 128 bits).
    function _price(Offer memory offer, uint64 size, uint64 durationHours) private pure returns (uint256) {
        uint256 mebibytes = (uint256(size) + MIB - 1) / MIB;
        return mebibytes * durationHours * offer.pricePerMiBHour;
    }
}
