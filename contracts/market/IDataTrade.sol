// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDataAsset} from "./IDataAsset.sol";

/**
 * @title IDataTrade
 * @notice Escrowed trade of data assets (§4.5–4.6 of the paper) in the data token. The buyer pays
 * into escrow (the contract "partly executed"), the asset's owner grants access by proxy
 * re-encryption, and the buyer confirms receipt of the data whose hash is the asset's id, which
 * pays the owner. The paper gives no timeout, dispute or refund; these are this contract's:
 *
 * - `Paid`: escrowed. The owner may {grant} before `deliverBy`; from `deliverBy` on the buyer may
 *   {refund}.
 * - `Granted`: the buyer may {confirmReceipt} (→ `Completed`, pays the owner) or {dispute} before
 *   `confirmBy`; from `confirmBy` on, undisputed, the owner may {claim} (→ `Completed`).
 * - `Disputed`: an arbiter (`ARBITER_ROLE`) may {resolve} before `arbitrateBy`, splitting the
 *   escrow (→ `Resolved`); from `arbitrateBy` on, a silent arbiter lets the buyer {refund}.
 *
 * Every deadline is exclusive for the party that must act by it and inclusive for the other:
 * at `deliverBy` the owner is late and the buyer may refund.
 *
 * @dev Each trade is one record read and written in O(1); the escrow is the trade's `price`. The
 * owner is always the current holder of the asset token: it signs offers, grants, claims and is
 * paid, so an NFT transfer moves the payouts of open trades to the new holder.
 */
interface IDataTrade {
    /// @notice Where a trade stands. `None` marks an id never issued.
    enum TradeState {
        None,
        Paid,
        Granted,
        Completed,
        Refunded,
        Disputed,
        Resolved
    }

    /**
     * @notice The terms the asset owner signs (EIP-712 `Offer`) and the buyer accepts by {open}:
     * with the buyer's transaction the trade is "signed by both" (§4.5).
     * @param tokenId the asset
     * @param buyer the only account that may open the trade
     * @param price the escrowed price, in the data token's smallest unit
     * @param buyerPreKey the buyer's fresh per-trade PRE public key (33-byte compressed point)
     * @param deliveryWindow seconds from {open} the owner has to {grant}
     * @param confirmWindow seconds from {grant} the buyer has to confirm or dispute
     * @param nonce the owner's offer nonce; each is usable once
     * @param deadline the last second the offer may be opened
     */
    // Field order is the EIP-712 type's, so wallets show the terms in the order signed.
    // solhint-disable-next-line gas-struct-packing
    struct Offer {
        uint256 tokenId;
        address buyer;
        uint256 price;
        bytes buyerPreKey;
        uint64 deliveryWindow;
        uint64 confirmWindow;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice A trade. Timestamps are zero until they are known.
    struct Trade {
        uint256 tokenId;
        uint256 price;
        address buyer;
        uint64 deliverBy;
        uint64 confirmWindow;
        uint64 confirmBy;
        uint64 arbitrateBy;
        TradeState state;
        bytes32 policyHash;
        bytes32 evidenceHash;
        bytes buyerPreKey;
    }

    /// @notice An address given to the constructor is zero.
    error TradeInvalidAddress(address given);
    /// @notice Trade `id` is in state `state`, not one allowing this call.
    error TradeWrongState(uint256 id, TradeState state);
    /// @notice The call is allowed from `at` on; it is `now`.
    error TradeTooEarly(uint256 now, uint256 at);
    /// @notice The call was allowed only before `by`; it is `now`.
    error TradeTooLate(uint256 now, uint256 by);
    /// @notice `buyer` may not buy asset `id` (not listed, None, Partial off the allowlist, or
    /// not Complete for {buy}).
    error TradeNotAllowed(uint256 id, address buyer);
    /// @notice `caller` is not the buyer of trade `id` (or of the offer for asset `id`).
    error TradeNotBuyer(uint256 id, address caller);
    /// @notice `caller` does not hold the asset of trade `id`.
    error TradeNotOwner(uint256 id, address caller);
    /// @notice The offer's signature is not one of `owner`, the holder of asset `tokenId`.
    error TradeInvalidSignature(uint256 tokenId, address owner);
    /// @notice `owner` already used or cancelled offer nonce `nonce`.
    error TradeNonceUsed(address owner, uint256 nonce);
    /// @notice The price `price` exceeds the buyer's `maxPrice`.
    error TradePriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice The buyer's PRE key is `length` bytes, not {PRE_KEY_LENGTH}.
    error TradeInvalidPreKey(uint256 length);
    /// @notice A delivery or confirmation window is zero or above {MAX_WINDOW}.
    error TradeInvalidWindow(uint256 window);
    /// @notice The buyer confirmed `given`, not the asset's hash `expected`.
    error TradeHashMismatch(uint256 id, bytes32 expected, bytes32 given);
    /// @notice A buyer's share above 10,000 basis points.
    error TradeInvalidBps(uint256 buyerBps);

    /// @notice `buyer` escrowed `price` for asset `tokenId` from `seller`; the owner must grant before `deliverBy`.
    event TradeOpened(
        uint256 indexed id,
        uint256 indexed tokenId,
        address indexed buyer,
        address seller,
        uint256 price,
        bytes buyerPreKey,
        uint64 deliverBy,
        uint64 confirmWindow
    );
    /// @notice The owner granted trade `id` under re-encryption policy `policyHash`; confirm or dispute before `confirmBy`.
    event TradeGranted(uint256 indexed id, address indexed owner, bytes32 policyHash, uint64 confirmBy);
    /// @notice Trade `id` completed, paying `amount` to `owner`; `byBuyer` when the buyer confirmed, else the owner claimed.
    event TradeCompleted(uint256 indexed id, address indexed owner, uint256 amount, bool byBuyer);
    /// @notice Trade `id` was refunded: `amount` back to `buyer`.
    event TradeRefunded(uint256 indexed id, address indexed buyer, uint256 amount);
    /// @notice The buyer disputed trade `id` with evidence `evidenceHash`; the arbiter must resolve before `arbitrateBy`.
    event TradeDisputed(uint256 indexed id, address indexed buyer, bytes32 evidenceHash, uint64 arbitrateBy);
    /// @notice `arbiter` resolved trade `id`: `toBuyer` to the buyer, `toOwner` to `owner`.
    event TradeResolved(
        uint256 indexed id,
        address indexed arbiter,
        uint256 buyerBps,
        uint256 toBuyer,
        address owner,
        uint256 toOwner
    );
    /// @notice `owner` cancelled its offer nonce `nonce`.
    event OfferNonceCancelled(address indexed owner, uint256 nonce);
    /// @notice The admin set the windows of {buy} trades and of arbitration.
    event WindowsChanged(uint64 buyDeliveryWindow, uint64 buyConfirmWindow, uint64 arbitrationWindow);

    /**
     * @notice Accept `offer`, signed by the holder of its asset, and escrow its price (the caller
     * approves this contract for it).
     * @dev Reverts with {TradeNotBuyer} unless the caller is `offer.buyer`, {TradeTooLate} after
     * `offer.deadline`, {TradeNotAllowed} unless the asset's openness lets the buyer buy,
     * {TradeInvalidPreKey}, {TradeInvalidWindow}, {TradeNonceUsed} and {TradeInvalidSignature}
     * (EOA or ERC-1271 owner). Emits {TradeOpened}.
     * @return id the new trade's id (1, 2, …)
     */
    function open(Offer calldata offer, bytes calldata ownerSig) external returns (uint256 id);

    /**
     * @notice Buy a `Complete` asset at its list price, with the contract's {buy} windows.
     * @dev Reverts with {TradeNotAllowed} unless the asset is listed and Complete,
     * {TradePriceAboveMax} and {TradeInvalidPreKey}. Emits {TradeOpened}.
     */
    function buy(uint256 tokenId, uint256 maxPrice, bytes calldata buyerPreKey) external returns (uint256 id);

    /// @notice Grant trade `id` (its asset's holder, once the proxies hold the kfrags), before
    /// `deliverBy`. Records the buyer's access on the asset. Emits {TradeGranted}.
    function grant(uint256 id, bytes32 policyHash) external;

    /// @notice Confirm receipt of the data of trade `id` (its buyer): `dataHash` must be the asset's
    /// hash, else {TradeHashMismatch}. Pays the asset's current holder. Emits {TradeCompleted}.
    function confirmReceipt(uint256 id, bytes32 dataHash) external;

    /// @notice Take back the escrow of trade `id` (its buyer): while `Paid` from `deliverBy` on, or
    /// while `Disputed` from `arbitrateBy` on. Emits {TradeRefunded}.
    function refund(uint256 id) external;

    /// @notice Collect the escrow of undisputed granted trade `id` (its asset's holder) from
    /// `confirmBy` on. Emits {TradeCompleted}.
    function claim(uint256 id) external;

    /// @notice Dispute granted trade `id` (its buyer) before `confirmBy`, committing to evidence
    /// `evidenceHash` (e.g. the hash of the revealed per-trade key and cfrags). Emits {TradeDisputed}.
    function dispute(uint256 id, bytes32 evidenceHash) external;

    /// @notice Settle disputed trade `id` (`ARBITER_ROLE`) before `arbitrateBy`: `buyerBps` of
    /// 10,000 of the escrow (rounded down) to the buyer, the rest to the asset's holder. Emits {TradeResolved}.
    function resolve(uint256 id, uint256 buyerBps) external;

    /// @notice Make the caller's offer nonce `nonce` unusable. Reverts with {TradeNonceUsed}. Emits {OfferNonceCancelled}.
    function cancelNonce(uint256 nonce) external;

    /// @notice Set the delivery and confirmation windows of {buy} trades and the arbitration
    /// window of future disputes (`DEFAULT_ADMIN_ROLE`). Emits {WindowsChanged}.
    function setWindows(uint64 buyDeliveryWindow, uint64 buyConfirmWindow, uint64 arbitrationWindow) external;

    /// @notice The data token prices are escrowed in.
    function token() external view returns (IERC20);

    /// @notice The data asset contract traded.
    function assets() external view returns (IDataAsset);

    /// @notice Trade `id`. Reverts with {TradeWrongState} (state `None`) for an id never issued.
    function trade(uint256 id) external view returns (Trade memory);

    /// @notice The number of trades opened so far (the last trade id).
    function tradeCount() external view returns (uint256);

    /// @notice Whether `owner` used or cancelled offer nonce `nonce`.
    function nonceUsed(address owner, uint256 nonce) external view returns (bool);

    /// @notice The EIP-712 digest the asset holder signs for `offer`.
    function offerDigest(Offer calldata offer) external view returns (bytes32);
}
