// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IStorageLedger
 * @notice Storage payment of the digital-twin data market (§4.3 of the paper), charged by size ×
 * time. A storage provider publishes an offer (a price per MiB and hour, and the longest lease it
 * sells); a data owner pays `ceil(bytes / 2^20) · hours · pricePerMiBHour` data tokens to the
 * provider and gets a lease. Before accepting an upload the provider asks {paidBytes} (step 3:
 * "the Cloud checks on chain that A paid").
 *
 * @dev A provider is known while it has an offer: {setOffer} makes it one, {withdrawOffer} ends
 * that (leases already paid run on). A lease starts at the block that pays it and ends `hours`
 * hours later; it counts in {paidBytes} while `block.timestamp < end`.
 */
interface IStorageLedger {
    /// @notice A provider's offer; `maxHours == 0` means the provider has none.
    struct Offer {
        uint128 pricePerMiBHour;
        uint64 maxHours;
    }

    /// @notice A paid lease: `owner` may store `bytes` at `provider` from `start` until `end` (exclusive).
    struct Lease {
        address owner;
        uint64 start;
        uint64 end;
        address provider;
        uint64 size;
    }

    /// @notice The token address given to the constructor is zero.
    error StorageInvalidToken(address token);
    /// @notice `provider` has no offer.
    error StorageUnknownProvider(address provider);
    /// @notice A lease of zero bytes was asked for.
    error StorageZeroSize();
    /// @notice A lease (or an offer) of zero hours was asked for.
    error StorageZeroDuration();
    /// @notice A lease of `durationHours` hours exceeds the provider's `maxHours`.
    error StorageDurationAboveMax(uint256 durationHours, uint256 maxHours);
    /// @notice The lease would cost `price`, more than the payer's `maxPrice`.
    error StoragePriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice The payer's timestamp `timestamp` is more than {MAX_CLOCK_AHEAD} ahead of or
    /// {MAX_CLOCK_BEHIND} behind the block's `blockTime`.
    error StorageTimestampOutOfRange(uint256 timestamp, uint256 blockTime);
    /// @notice No lease has id `leaseId`.
    error StorageUnknownLease(uint256 leaseId);

    /// @notice `provider` offers storage at `pricePerMiBHour` per MiB and hour, for at most `maxHours` hours.
    event StorageOfferSet(address indexed provider, uint256 pricePerMiBHour, uint256 maxHours);
    /// @notice `provider` withdrew its offer; its paid leases run on.
    event StorageOfferWithdrawn(address indexed provider);
    /// @notice `owner` paid `price` to `provider` for lease `leaseId` of `size` bytes from `start` to `end`.
    event StoragePaid(
        uint256 indexed leaseId,
        address indexed owner,
        address indexed provider,
        uint256 size,
        uint256 durationHours,
        uint256 price,
        uint64 start,
        uint64 end,
        uint64 timestamp
    );

    /**
     * @notice Offer storage at `pricePerMiBHour` tokens per MiB and hour, for leases of at most
     * `maxHours` hours; replaces the caller's previous offer.
     * @dev Reverts with {StorageZeroDuration} when `maxHours` is zero. Emits {StorageOfferSet}.
     * A price of zero offers free storage.
     */
    function setOffer(uint128 pricePerMiBHour, uint64 maxHours) external;

    /// @notice Withdraw the caller's offer. Reverts with {StorageUnknownProvider} when it has none.
    /// Emits {StorageOfferWithdrawn}.
    function withdrawOffer() external;

    /**
     * @notice Pay `provider` for storing `size` bytes for `durationHours` hours (the paper's
     * `Transaction(PubK_A, PubK_DB, Size, Time, Token, Timestamp, Sign_A)`), moving
     * {priceOf} data tokens from the caller to the provider (the caller approves this ledger).
     * @dev Reverts with {StorageUnknownProvider}, {StorageZeroSize}, {StorageZeroDuration},
     * {StorageDurationAboveMax}, {StoragePriceAboveMax} (so a provider raising its price in the
     * meantime cannot overcharge) and {StorageTimestampOutOfRange}. Emits {StoragePaid}.
     * @param provider the storage provider
     * @param size the size of the data, in bytes
     * @param durationHours the lease's duration, in hours
     * @param maxPrice the most the caller will pay
     * @param timestamp the caller's clock when it signed (the paper's `Timestamp`)
     * @return leaseId the new lease's id (1, 2, …)
     */
    function payStorage(
        address provider,
        uint64 size,
        uint64 durationHours,
        uint256 maxPrice,
        uint64 timestamp
    ) external returns (uint256 leaseId);

    /**
     * @notice What `provider` charges for `size` bytes during `durationHours` hours at its current offer:
     * `ceil(size / 2^20) · durationHours · pricePerMiBHour`.
     * @dev Reverts with {StorageUnknownProvider} when `provider` has no offer.
     */
    function priceOf(address provider, uint64 size, uint64 durationHours) external view returns (uint256);

    /// @notice The data token leases are paid in.
    function token() external view returns (IERC20);

    /// @notice The current offer of `provider` (`maxHours == 0` when it has none).
    function offerOf(address provider) external view returns (Offer memory);

    /// @notice Lease `leaseId`. Reverts with {StorageUnknownLease} for an id never issued.
    function lease(uint256 leaseId) external view returns (Lease memory);

    /// @notice The number of leases issued so far (the last lease id).
    function leaseCount() external view returns (uint256);

    /**
     * @notice The bytes `owner` has paid `provider` to store now: the sum over its unexpired leases.
     * @dev Loops over the leases of this owner and provider pair (views only; a gateway calls it).
     */
    function paidBytes(address owner, address provider) external view returns (uint256);
}
