// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IDataAsset} from "./IDataAsset.sol";
import {IDataTrade} from "./IDataTrade.sol";

/**
 * @title DataTrade
 * @notice Escrowed, timed and disputable trade of {DataAsset} tokens in the data token. See {IDataTrade}.
 * @dev Must hold `TRADE_ROLE` on the asset contract, which {grant} calls to record access.
 */
contract DataTrade is IDataTrade, AccessControl, EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Role of the arbiters that resolve disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice The EIP-712 domain name.
    string public constant EIP712_NAME = "commchain DataTrade";
    /// @notice The EIP-712 domain version.
    string public constant EIP712_VERSION = "1";
    /// @notice The EIP-712 type hash of {Offer}.
    // solhint-disable-next-line gas-small-strings
    bytes32 public constant OFFER_TYPEHASH = keccak256(
        "Offer(uint256 tokenId,address buyer,uint256 price,bytes buyerPreKey,uint64 deliveryWindow,uint64 confirmWindow,uint256 nonce,uint64 deadline)"
    );
    /// @notice The length of a buyer's PRE public key: a compressed secp256k1 point (Umbral).
    uint256 public constant PRE_KEY_LENGTH = 33;
    /// @notice The longest delivery, confirmation or arbitration window.
    uint64 public constant MAX_WINDOW = 365 days;
    /// @notice The whole escrow, in basis points.
    uint256 public constant BPS = 10_000;
    /// @notice The delivery window of {buy} trades until the admin changes it.
    uint64 public constant DEFAULT_BUY_DELIVERY_WINDOW = 1 days;
    /// @notice The confirmation window of {buy} trades until the admin changes it.
    uint64 public constant DEFAULT_BUY_CONFIRM_WINDOW = 3 days;
    /// @notice The arbitration window until the admin changes it.
    uint64 public constant DEFAULT_ARBITRATION_WINDOW = 7 days;

    IERC20 private immutable _TOKEN;
    IDataAsset private immutable _ASSETS;

    /// @notice The delivery window of {buy} trades.
    uint64 public buyDeliveryWindow = DEFAULT_BUY_DELIVERY_WINDOW;
    /// @notice The confirmation window of {buy} trades.
    uint64 public buyConfirmWindow = DEFAULT_BUY_CONFIRM_WINDOW;
    /// @notice The time an arbiter has from a dispute to resolve it.
    uint64 public arbitrationWindow = DEFAULT_ARBITRATION_WINDOW;

    mapping(uint256 id => Trade trade) private _trades;
    mapping(address owner => mapping(uint256 nonce => bool used)) private _nonces;
    uint256 private _tradeCount;

    /// @param token_ the data token
    /// @param assets_ the data asset contract
    /// @param admin the account that may grant {ARBITER_ROLE} and set the windows
    constructor(IERC20 token_, IDataAsset assets_, address admin) EIP712(EIP712_NAME, EIP712_VERSION) {
        if (address(token_) == address(0)) revert TradeInvalidAddress(address(token_));
        if (address(assets_) == address(0)) revert TradeInvalidAddress(address(assets_));
        if (admin == address(0)) revert TradeInvalidAddress(admin);
        _TOKEN = token_;
        _ASSETS = assets_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IDataTrade
    function token() external view returns (IERC20) {
        return _TOKEN;
    }

    /// @inheritdoc IDataTrade
    function assets() external view returns (IDataAsset) {
        return _ASSETS;
    }

    /// @inheritdoc IDataTrade
    function open(Offer calldata offer, bytes calldata ownerSig) external nonReentrant returns (uint256 id) {
        if (msg.sender != offer.buyer) revert TradeNotBuyer(offer.tokenId, msg.sender);
        if (block.timestamp > offer.deadline) revert TradeTooLate(block.timestamp, offer.deadline);
        if (!_ASSETS.canBuy(offer.tokenId, offer.buyer)) revert TradeNotAllowed(offer.tokenId, offer.buyer);
        _checkWindow(offer.deliveryWindow);
        _checkWindow(offer.confirmWindow);
        address owner = _holder(offer.tokenId);
        if (_nonces[owner][offer.nonce]) revert TradeNonceUsed(owner, offer.nonce);
        if (!SignatureChecker.isValidSignatureNow(owner, _offerDigest(offer), ownerSig)) {
            revert TradeInvalidSignature(offer.tokenId, owner);
        }
        _nonces[owner][offer.nonce] = true;
        id = _open(offer.tokenId, owner, offer.price, offer.buyerPreKey, offer.deliveryWindow, offer.confirmWindow);
    }

    /// @inheritdoc IDataTrade
    function buy(
        uint256 tokenId,
        uint256 maxPrice,
        bytes calldata buyerPreKey
    ) external nonReentrant returns (uint256 id) {
        IDataAsset.Asset memory a = _ASSETS.asset(tokenId);
        if (a.state != IDataAsset.AssetState.Listed || a.openness != IDataAsset.Openness.Complete) {
            revert TradeNotAllowed(tokenId, msg.sender);
        }
        if (a.price > maxPrice) revert TradePriceAboveMax(a.price, maxPrice);
        id = _open(tokenId, _holder(tokenId), a.price, buyerPreKey, buyDeliveryWindow, buyConfirmWindow);
    }

    /// @inheritdoc IDataTrade
    function grant(uint256 id, bytes32 policyHash) external nonReentrant {
        Trade storage t = _trade(id, TradeState.Paid);
        _requireOwner(id, t.tokenId);
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp >= t.deliverBy) revert TradeTooLate(block.timestamp, t.deliverBy);
        uint64 confirmBy = uint64(block.timestamp) + t.confirmWindow;
        t.state = TradeState.Granted;
        t.policyHash = policyHash;
        t.confirmBy = confirmBy;
        emit TradeGranted(id, msg.sender, policyHash, confirmBy);
        _ASSETS.recordAccess(t.tokenId, t.buyer);
    }

    /// @inheritdoc IDataTrade
    function confirmReceipt(uint256 id, bytes32 dataHash) external nonReentrant {
        Trade storage t = _trade(id, TradeState.Granted);
        if (msg.sender != t.buyer) revert TradeNotBuyer(id, msg.sender);
        if (dataHash != bytes32(t.tokenId)) revert TradeHashMismatch(id, bytes32(t.tokenId), dataHash);
        _complete(id, t, true);
    }

    /// @inheritdoc IDataTrade
    function refund(uint256 id) external nonReentrant {
        Trade storage t = _trades[id];
        if (msg.sender != t.buyer) revert TradeNotBuyer(id, msg.sender);
        uint256 at;
        if (t.state == TradeState.Paid) at = t.deliverBy;
        else if (t.state == TradeState.Disputed) at = t.arbitrateBy;
        else revert TradeWrongState(id, t.state);
        if (block.timestamp < at) revert TradeTooEarly(block.timestamp, at);
        uint256 amount = t.price;
        t.state = TradeState.Refunded;
        emit TradeRefunded(id, msg.sender, amount);
        _pay(msg.sender, amount);
    }

    /// @inheritdoc IDataTrade
    function claim(uint256 id) external nonReentrant {
        Trade storage t = _trade(id, TradeState.Granted);
        _requireOwner(id, t.tokenId);
        if (block.timestamp < t.confirmBy) revert TradeTooEarly(block.timestamp, t.confirmBy);
        _complete(id, t, false);
    }

    /// @inheritdoc IDataTrade
    function dispute(uint256 id, bytes32 evidenceHash) external {
        Trade storage t = _trade(id, TradeState.Granted);
        if (msg.sender != t.buyer) revert TradeNotBuyer(id, msg.sender);
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp >= t.confirmBy) revert TradeTooLate(block.timestamp, t.confirmBy);
        uint64 arbitrateBy = uint64(block.timestamp) + arbitrationWindow;
        t.state = TradeState.Disputed;
        t.evidenceHash = evidenceHash;
        t.arbitrateBy = arbitrateBy;
        emit TradeDisputed(id, msg.sender, evidenceHash, arbitrateBy);
    }

    /// @inheritdoc IDataTrade
    function resolve(uint256 id, uint256 buyerBps) external nonReentrant onlyRole(ARBITER_ROLE) {
        if (buyerBps > BPS) revert TradeInvalidBps(buyerBps);
        Trade storage t = _trade(id, TradeState.Disputed);
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp >= t.arbitrateBy) revert TradeTooLate(block.timestamp, t.arbitrateBy);
        uint256 toBuyer = (t.price * buyerBps) / BPS;
        uint256 toOwner = t.price - toBuyer;
        address owner = _holder(t.tokenId);
        address buyer = t.buyer;
        t.state = TradeState.Resolved;
        emit TradeResolved(id, msg.sender, buyerBps, toBuyer, owner, toOwner);
        _pay(buyer, toBuyer);
        _pay(owner, toOwner);
    }

    /// @inheritdoc IDataTrade
    function cancelNonce(uint256 nonce) external {
        if (_nonces[msg.sender][nonce]) revert TradeNonceUsed(msg.sender, nonce);
        _nonces[msg.sender][nonce] = true;
        emit OfferNonceCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IDataTrade
    function setWindows(
        uint64 buyDeliveryWindow_,
        uint64 buyConfirmWindow_,
        uint64 arbitrationWindow_
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkWindow(buyDeliveryWindow_);
        _checkWindow(buyConfirmWindow_);
        _checkWindow(arbitrationWindow_);
        buyDeliveryWindow = buyDeliveryWindow_;
        buyConfirmWindow = buyConfirmWindow_;
        arbitrationWindow = arbitrationWindow_;
        emit WindowsChanged(buyDeliveryWindow_, buyConfirmWindow_, arbitrationWindow_);
    }

    /// @inheritdoc IDataTrade
    function trade(uint256 id) external view returns (Trade memory) {
        Trade storage t = _trades[id];
        if (t.state == TradeState.None) revert TradeWrongState(id, TradeState.None);
        return t;
    }

    /// @inheritdoc IDataTrade
    function tradeCount() external view returns (uint256) {
        return _tradeCount;
    }

    /// @inheritdoc IDataTrade
    function nonceUsed(address owner, uint256 nonce) external view returns (bool) {
        return _nonces[owner][nonce];
    }

    /// @inheritdoc IDataTrade
    function offerDigest(Offer calldata offer) external view returns (bytes32) {
        return _offerDigest(offer);
    }

    function _open(
        uint256 tokenId,
        address owner,
        uint256 price,
        bytes calldata buyerPreKey,
        uint64 deliveryWindow,
        uint64 confirmWindow
    ) private returns (uint256 id) {
        if (buyerPreKey.length != PRE_KEY_LENGTH) revert TradeInvalidPreKey(buyerPreKey.length);
        id = ++_tradeCount;
        uint64 deliverBy = uint64(block.timestamp) + deliveryWindow;
        Trade storage t = _trades[id];
        t.tokenId = tokenId;
        t.price = price;
        t.buyer = msg.sender;
        t.deliverBy = deliverBy;
        t.confirmWindow = confirmWindow;
        t.state = TradeState.Paid;
        t.buyerPreKey = buyerPreKey;
        emit TradeOpened(id, tokenId, msg.sender, owner, price, buyerPreKey, deliverBy, confirmWindow);
        if (price > 0) _TOKEN.safeTransferFrom(msg.sender, address(this), price);
    }

    function _complete(uint256 id, Trade storage t, bool byBuyer) private {
        address owner = _holder(t.tokenId);
        uint256 amount = t.price;
        t.state = TradeState.Completed;
        emit TradeCompleted(id, owner, amount, byBuyer);
        _pay(owner, amount);
    }

    function _pay(address to, uint256 amount) private {
        if (amount > 0) _TOKEN.safeTransfer(to, amount);
    }

    function _trade(uint256 id, TradeState expected) private view returns (Trade storage t) {
        t = _trades[id];
        if (t.state != expected) revert TradeWrongState(id, t.state);
    }

    function _requireOwner(uint256 id, uint256 tokenId) private view {
        if (msg.sender != _holder(tokenId)) revert TradeNotOwner(id, msg.sender);
    }

    function _holder(uint256 tokenId) private view returns (address) {
        return IERC721(address(_ASSETS)).ownerOf(tokenId);
    }

    function _checkWindow(uint64 window) private pure {
        if (window == 0 || window > MAX_WINDOW) revert TradeInvalidWindow(window);
    }

    function _offerDigest(Offer calldata offer) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        OFFER_TYPEHASH,
                        offer.tokenId,
                        offer.buyer,
                        offer.price,
                        keccak256(offer.buyerPreKey),
                        offer.deliveryWindow,
                        offer.confirmWindow,
                        offer.nonce,
                        offer.deadline
                    )
                )
            );
    }
}
