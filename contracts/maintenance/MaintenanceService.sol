// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title MaintenanceService
 * @notice The `maintenanceService` contract of BPIIoT (Table 1) for many machines at once. The
 * IoT unit of a machine reports temperature and vibration readings; a reading with
 * `V > VibraThreshold` increments the vibration count, one with `T > TempThreshold` the
 * temperature count. When the vibration count exceeds `VibraCountThreshold` a service request
 * is raised to the machine's provider; when the temperature count exceeds
 * `TempCountThreshold` a spare part is ordered and its price is paid in the data token from
 * the unit to the provider. Each count is reset to zero when it fires.
 *
 * @dev Machines are keyed by their own address (the paper's `addr2`, the identity BPIIoT's
 * Register contract maps names to), so records join with other contracts without a lookup
 * table and a unit needs no id besides the address it already knows. Registration is first
 * come, first served: the caller of {registerMachine} becomes the machine's owner; nothing
 * proves that the caller controls the machine, so deployments that need it should gate
 * registration through the identity register.
 *
 * Roles are per machine, not global, so they live in the machine's record instead of
 * AccessControl: the owner configures the machine and may cancel its requests, the unit
 * reports readings and pays for parts, the provider accepts and completes service requests
 * addressed to it. A request remembers the provider it was addressed to; changing a machine's
 * provider leaves open requests with the old one until the owner cancels them.
 *
 * Gas: a batch keeps its counts in memory and writes the machine's counters once. The unit's
 * address and both counters share one slot, the four thresholds a second one, and the
 * provider and part price a third that is read only when a count fires. When a batch orders
 * several parts, the unit pays their total in one `transferFrom`, after all records are
 * written (checks-effects-interactions).
 */
contract MaintenanceService {
    using SafeERC20 for IERC20;

    /// @notice Readings above this temperature count towards a part order (paper: TempThreshold).
    int32 public constant DEFAULT_TEMP_THRESHOLD = 200;
    /// @notice A part is ordered when more hot readings than this have been counted (paper: TempCountThreshold).
    uint32 public constant DEFAULT_TEMP_COUNT_THRESHOLD = 1000;
    /// @notice Readings above this vibration frequency count towards a service request (paper: VibraThreshold).
    uint32 public constant DEFAULT_VIBRA_THRESHOLD = 100;
    /// @notice Service is requested when more vibrating readings than this have been counted (paper: VibraCountThreshold).
    uint32 public constant DEFAULT_VIBRA_COUNT_THRESHOLD = 1000;
    /// @notice The largest count threshold: a count must still fit in 32 bits once it exceeds it.
    uint32 public constant MAX_COUNT_THRESHOLD = type(uint32).max - 1;

    /**
     * @notice The rules that turn readings into service requests and part orders. Readings and
     * thresholds share the unit's scale (e.g. whole °C and Hz); comparisons are strict, so a
     * reading equal to its threshold does not count. A temperature or vibration threshold at its
     * type's maximum switches its rule off.
     */
    struct Thresholds {
        // A temperature above it counts (signed: plants run below 0 °C).
        int32 tempThreshold;
        // A part is ordered when the temperature count exceeds it; 1..MAX_COUNT_THRESHOLD.
        uint32 tempCountThreshold;
        // A vibration frequency above it counts.
        uint32 vibraThreshold;
        // Service is requested when the vibration count exceeds it; 1..MAX_COUNT_THRESHOLD.
        uint32 vibraCountThreshold;
    }

    /// @notice A registered machine. Field order is the storage layout (see the contract's @dev).
    struct Machine {
        address unit;
        uint32 tempCount;
        uint32 vibraCount;
        Thresholds thresholds;
        address provider;
        uint96 partPrice;
        address owner;
    }

    /// @notice Where a service request stands. `None` marks an id that was never issued.
    enum RequestStatus {
        None,
        Requested,
        Accepted,
        Completed,
        Cancelled
    }

    /// @notice Why a service request was raised.
    enum RequestOrigin {
        Vibration,
        Manual
    }

    /// @notice A service request and its lifecycle; a timestamp is zero until that step happens.
    struct ServiceRequest {
        address machine;
        uint48 requestedAt;
        uint48 acceptedAt;
        address provider;
        uint48 completedAt;
        RequestStatus status;
        RequestOrigin origin;
        address requester;
        uint48 cancelledAt;
    }

    /// @notice A spare part ordered because the temperature count fired.
    struct PartOrder {
        address machine;
        uint48 orderedAt;
        address payer;
        uint96 price;
        address provider;
    }

    /// @dev The running counts of one report, kept in memory so storage is written once.
    struct Tally {
        int256 tempThreshold;
        uint256 tempCountThreshold;
        uint256 vibraThreshold;
        uint256 vibraCountThreshold;
        uint256 tempCount;
        uint256 vibraCount;
        uint256 requests;
        uint256 orders;
    }

    IERC20 private immutable TOKEN;

    mapping(address machine => Machine) private _machines;
    mapping(uint256 requestId => ServiceRequest) private _requests;
    mapping(uint256 orderId => PartOrder) private _orders;
    uint256 private _requestCount;
    uint256 private _orderCount;

    /// @notice The token address given to the constructor is zero.
    error MaintenanceServiceInvalidToken(address token);
    /// @notice A machine address is zero.
    error MaintenanceServiceInvalidMachine(address machine);
    /// @notice A unit address is zero.
    error MaintenanceServiceInvalidUnit(address unit);
    /// @notice A provider address is zero.
    error MaintenanceServiceInvalidProvider(address provider);
    /// @notice `machine` is not registered.
    error MaintenanceServiceUnknownMachine(address machine);
    /// @notice `machine` is already registered, to `owner`.
    error MaintenanceServiceMachineAlreadyRegistered(address machine, address owner);
    /// @notice `caller` is not the IoT unit of `machine`.
    error MaintenanceServiceUnauthorizedUnit(address machine, address caller);
    /// @notice `caller` is not the owner of `machine`.
    error MaintenanceServiceUnauthorizedOwner(address machine, address caller);
    /// @notice `caller` is neither the owner nor the unit of `machine`.
    error MaintenanceServiceUnauthorizedRequester(address machine, address caller);
    /// @notice `caller` is not the provider service request `requestId` is addressed to.
    error MaintenanceServiceUnauthorizedProvider(uint256 requestId, address caller);
    /// @notice A batch has `temps` temperatures but `vibras` vibration readings.
    error MaintenanceServiceReadingsLengthMismatch(uint256 temps, uint256 vibras);
    /// @notice A batch for `machine` holds no readings.
    error MaintenanceServiceEmptyBatch(address machine);
    /// @notice A count threshold is zero or above {MAX_COUNT_THRESHOLD}.
    error MaintenanceServiceInvalidCountThreshold(uint32 tempCountThreshold, uint32 vibraCountThreshold);
    /// @notice No service request has id `requestId`.
    error MaintenanceServiceUnknownRequest(uint256 requestId);
    /// @notice No part order has id `orderId`.
    error MaintenanceServiceUnknownPartOrder(uint256 orderId);
    /**
     * @notice Service request `requestId` is in status `current`, not one of `expectedStates`.
     * @dev `expectedStates` is a bitmap with bit `uint8(status)` set for each status allowed,
     * as OpenZeppelin's Governor reports proposal states.
     */
    error MaintenanceServiceUnexpectedRequestStatus(uint256 requestId, RequestStatus current, bytes32 expectedStates);

    /// @notice `owner` registered `machine`, reported by `unit` and served by `provider`.
    event MachineRegistered(
        address indexed machine,
        address indexed owner,
        address indexed unit,
        address provider,
        uint96 partPrice
    );
    /// @notice The owner of `machine` set its unit, provider and part price.
    event MachineUpdated(address indexed machine, address indexed unit, address indexed provider, uint96 partPrice);
    /// @notice The thresholds of `machine` were set (also emitted with the defaults at registration).
    event ThresholdsChanged(
        address indexed machine,
        int32 tempThreshold,
        uint32 tempCountThreshold,
        uint32 vibraThreshold,
        uint32 vibraCountThreshold
    );
    /// @notice The unit of `machine` reported `readings` readings; the counts are now as given.
    event ReadingsReported(address indexed machine, uint256 readings, uint32 tempCount, uint32 vibraCount);
    /// @notice Service request `requestId` for `machine` was raised to `provider` by `requester`.
    event ServiceRequested(
        uint256 indexed requestId,
        address indexed machine,
        address indexed provider,
        address requester,
        RequestOrigin origin
    );
    /// @notice `provider` accepted service request `requestId` for `machine`.
    event ServiceAccepted(uint256 indexed requestId, address indexed machine, address indexed provider);
    /// @notice `provider` completed service request `requestId` for `machine`.
    event ServiceCompleted(uint256 indexed requestId, address indexed machine, address indexed provider);
    /// @notice `owner` cancelled service request `requestId` for `machine`.
    event ServiceCancelled(uint256 indexed requestId, address indexed machine, address indexed owner);
    /// @notice Part order `orderId` for `machine` went to `provider`; `payer` paid `price` tokens.
    event PartOrdered(
        uint256 indexed orderId,
        address indexed machine,
        address indexed provider,
        address payer,
        uint256 price
    );

    /// @param token_ the data token parts are paid in (ERC-20 with EIP-2612 permit)
    constructor(IERC20 token_) {
        if (address(token_) == address(0)) revert MaintenanceServiceInvalidToken(address(token_));
        TOKEN = token_;
    }

    /**
     * @notice Register `machine`, with the caller as its owner and the paper's default thresholds.
     * @dev Emits {MachineRegistered} and {ThresholdsChanged}.
     * @param machine the machine's address (the paper's addr2)
     * @param unit the IoT unit that reports the machine's readings and pays for parts (addr1)
     * @param provider the service provider requests and orders go to (addr3)
     * @param partPrice the price of one spare part, in the token's smallest unit; zero for free parts
     */
    function registerMachine(address machine, address unit, address provider, uint96 partPrice) external {
        if (machine == address(0)) revert MaintenanceServiceInvalidMachine(machine);
        _checkParties(unit, provider);
        Machine storage m = _machines[machine];
        if (m.owner != address(0)) revert MaintenanceServiceMachineAlreadyRegistered(machine, m.owner);

        m.owner = msg.sender;
        m.unit = unit;
        m.provider = provider;
        m.partPrice = partPrice;
        Thresholds memory defaults = Thresholds({
            tempThreshold: DEFAULT_TEMP_THRESHOLD,
            tempCountThreshold: DEFAULT_TEMP_COUNT_THRESHOLD,
            vibraThreshold: DEFAULT_VIBRA_THRESHOLD,
            vibraCountThreshold: DEFAULT_VIBRA_COUNT_THRESHOLD
        });
        m.thresholds = defaults;

        emit MachineRegistered(machine, msg.sender, unit, provider, partPrice);
        _emitThresholds(machine, defaults);
    }

    /**
     * @notice Set the unit, provider and part price of `machine`. Only its owner may.
     * @dev Counts carry over to the new unit. Open service requests stay with the provider
     * they were addressed to. Emits {MachineUpdated}.
     * @param machine the registered machine
     * @param unit the new IoT unit
     * @param provider the new service provider
     * @param partPrice the new price of one spare part
     */
    function updateMachine(address machine, address unit, address provider, uint96 partPrice) external {
        Machine storage m = _ownedMachine(machine);
        _checkParties(unit, provider);
        m.unit = unit;
        m.provider = provider;
        m.partPrice = partPrice;
        emit MachineUpdated(machine, unit, provider, partPrice);
    }

    /**
     * @notice Set the thresholds of `machine`. Only its owner may.
     * @dev Counts are kept: lowering a count threshold below the current count makes the next
     * reading fire, exactly as the paper's rule compares after every reading. Emits
     * {ThresholdsChanged}.
     * @param machine the registered machine
     * @param thresholds the new thresholds; both count thresholds in 1..{MAX_COUNT_THRESHOLD}
     */
    function setThresholds(address machine, Thresholds calldata thresholds) external {
        Machine storage m = _ownedMachine(machine);
        uint32 tempCountThreshold = thresholds.tempCountThreshold;
        uint32 vibraCountThreshold = thresholds.vibraCountThreshold;
        if (
            tempCountThreshold == 0 ||
            vibraCountThreshold == 0 ||
            tempCountThreshold > MAX_COUNT_THRESHOLD ||
            vibraCountThreshold > MAX_COUNT_THRESHOLD
        ) revert MaintenanceServiceInvalidCountThreshold(tempCountThreshold, vibraCountThreshold);
        m.thresholds = thresholds;
        _emitThresholds(machine, thresholds);
    }

    /**
     * @notice Report one reading of `machine`. Only its IoT unit may.
     * @dev Emits {ReadingsReported}, and {ServiceRequested} or {PartOrdered} when a count
     * fires. A part order pulls the part price from the caller with `transferFrom`, so the
     * caller must have approved this contract; without allowance or balance the token's
     * custom error bubbles up and nothing is recorded.
     * @param machine the registered machine
     * @param temp the temperature read
     * @param vibra the vibration frequency read
     */
    function reportReading(address machine, int32 temp, uint32 vibra) external {
        Machine storage m = _unitMachine(machine);
        Tally memory tally = _openTally(m);
        _count(tally, temp, vibra);
        _close(machine, m, tally, 1);
    }

    /**
     * @notice Report a batch of readings of `machine`, in the order they were taken. Only its
     * IoT unit may.
     * @dev `temps[i]` and `vibras[i]` form reading `i`. The batch is one unit: if a part it
     * orders cannot be paid, the whole batch reverts. Emits as {reportReading}.
     * @param machine the registered machine
     * @param temps the temperatures read
     * @param vibras the vibration frequencies read
     */
    function reportReadings(address machine, int32[] calldata temps, uint32[] calldata vibras) external {
        _reportBatch(machine, temps, vibras);
    }

    /**
     * @notice Apply an EIP-2612 permit of the caller for this contract, then report a batch as
     * {reportReadings}: the unit pays for parts without a separate `approve` transaction.
     * @dev The permit is tried and a failure ignored (OpenZeppelin's recommended pattern in
     * {IERC20Permit}): if someone front-ran it, the allowance is already set and the payment
     * goes through; if the allowance is missing, `transferFrom` reverts with the token's error.
     * @param machine the registered machine
     * @param temps the temperatures read
     * @param vibras the vibration frequencies read
     * @param value the allowance the permit grants this contract
     * @param deadline the permit's deadline
     * @param v the signature's recovery byte
     * @param r the signature's `r`
     * @param s the signature's `s`
     */
    function reportReadingsWithPermit(
        address machine,
        int32[] calldata temps,
        uint32[] calldata vibras,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(TOKEN)).permit(msg.sender, address(this), value, deadline, v, r, s) {} catch {}
        _reportBatch(machine, temps, vibras);
    }

    /**
     * @notice Raise a service request for `machine` by hand. Only its owner or unit may.
     * @dev The vibration counter is untouched. Emits {ServiceRequested}.
     * @param machine the registered machine
     * @return requestId the new request's id
     */
    function requestService(address machine) external returns (uint256 requestId) {
        Machine storage m = _machines[machine];
        if (m.owner == address(0)) revert MaintenanceServiceUnknownMachine(machine);
        if (msg.sender != m.owner && msg.sender != m.unit) {
            revert MaintenanceServiceUnauthorizedRequester(machine, msg.sender);
        }
        return _requestService(machine, m.provider, msg.sender, RequestOrigin.Manual);
    }

    /**
     * @notice Accept service request `requestId`. Only the provider it was addressed to may,
     * and only while it is `Requested`.
     * @dev Emits {ServiceAccepted}.
     * @param requestId the request
     */
    function acceptServiceRequest(uint256 requestId) external {
        ServiceRequest storage request = _providerRequest(requestId, RequestStatus.Requested);
        request.status = RequestStatus.Accepted;
        request.acceptedAt = Time.timestamp();
        emit ServiceAccepted(requestId, request.machine, msg.sender);
    }

    /**
     * @notice Complete service request `requestId`. Only the provider it was addressed to may,
     * and only once it is `Accepted`.
     * @dev Emits {ServiceCompleted}.
     * @param requestId the request
     */
    function completeServiceRequest(uint256 requestId) external {
        ServiceRequest storage request = _providerRequest(requestId, RequestStatus.Accepted);
        request.status = RequestStatus.Completed;
        request.completedAt = Time.timestamp();
        emit ServiceCompleted(requestId, request.machine, msg.sender);
    }

    /**
     * @notice Cancel service request `requestId`. Only the machine's owner may, and only while
     * the request is `Requested` or `Accepted`.
     * @dev Emits {ServiceCancelled}.
     * @param requestId the request
     */
    function cancelServiceRequest(uint256 requestId) external {
        ServiceRequest storage request = _existingRequest(requestId);
        address machine = request.machine;
        if (msg.sender != _machines[machine].owner) revert MaintenanceServiceUnauthorizedOwner(machine, msg.sender);
        RequestStatus status = request.status;
        if (status != RequestStatus.Requested && status != RequestStatus.Accepted) {
            revert MaintenanceServiceUnexpectedRequestStatus(
                requestId,
                status,
                _statusBit(RequestStatus.Requested) | _statusBit(RequestStatus.Accepted)
            );
        }
        request.status = RequestStatus.Cancelled;
        request.cancelledAt = Time.timestamp();
        emit ServiceCancelled(requestId, machine, msg.sender);
    }

    /**
     * @notice The data token parts are paid in.
     * @return paymentToken the ERC-20 (with EIP-2612 permit) given to the constructor
     */
    function token() external view returns (IERC20 paymentToken) {
        return TOKEN;
    }

    /**
     * @notice Whether `machine` is registered.
     * @param machine the machine's address
     * @return registered true once {registerMachine} succeeded for it
     */
    function isRegistered(address machine) external view returns (bool registered) {
        return _machines[machine].owner != address(0);
    }

    /**
     * @notice The record of `machine`: parties, part price, thresholds and current counts.
     * @dev Reverts with {MaintenanceServiceUnknownMachine} for an unregistered machine.
     * @param machine the registered machine
     * @return record the machine's record
     */
    function machineInfo(address machine) external view returns (Machine memory record) {
        record = _machines[machine];
        if (record.owner == address(0)) revert MaintenanceServiceUnknownMachine(machine);
    }

    /**
     * @notice Service request `requestId` with its lifecycle timestamps.
     * @dev Reverts with {MaintenanceServiceUnknownRequest} for an id never issued.
     * @param requestId the request, from 1 to {serviceRequestCount}
     * @return request the request
     */
    function serviceRequest(uint256 requestId) external view returns (ServiceRequest memory request) {
        return _existingRequest(requestId);
    }

    /**
     * @notice Part order `orderId`: machine, payer, price, provider and time.
     * @dev Reverts with {MaintenanceServiceUnknownPartOrder} for an id never issued.
     * @param orderId the order, from 1 to {partOrderCount}
     * @return order the order
     */
    function partOrder(uint256 orderId) external view returns (PartOrder memory order) {
        order = _orders[orderId];
        if (order.machine == address(0)) revert MaintenanceServiceUnknownPartOrder(orderId);
    }

    /**
     * @notice The number of service requests raised so far; ids run from 1 to it.
     * @return count the number of requests
     */
    function serviceRequestCount() external view returns (uint256 count) {
        return _requestCount;
    }

    /**
     * @notice The number of parts ordered so far; ids run from 1 to it.
     * @return count the number of orders
     */
    function partOrderCount() external view returns (uint256 count) {
        return _orderCount;
    }

    function _reportBatch(address machine, int32[] calldata temps, uint32[] calldata vibras) private {
        Machine storage m = _unitMachine(machine);
        uint256 readings = temps.length;
        if (readings != vibras.length) revert MaintenanceServiceReadingsLengthMismatch(readings, vibras.length);
        if (readings == 0) revert MaintenanceServiceEmptyBatch(machine);
        Tally memory tally = _openTally(m);
        for (uint256 i = 0; i < readings; ++i) {
            _count(tally, temps[i], vibras[i]);
        }
        _close(machine, m, tally, readings);
    }

    function _openTally(Machine storage m) private view returns (Tally memory tally) {
        Thresholds memory t = m.thresholds;
        tally.tempThreshold = t.tempThreshold;
        tally.tempCountThreshold = t.tempCountThreshold;
        tally.vibraThreshold = t.vibraThreshold;
        tally.vibraCountThreshold = t.vibraCountThreshold;
        tally.tempCount = m.tempCount;
        tally.vibraCount = m.vibraCount;
    }

    /// @dev Table 1, lines 7–20, for one reading: count, then fire and reset a count past its threshold.
    function _count(Tally memory tally, int32 temp, uint32 vibra) private pure {
        // Counts never exceed MAX_COUNT_THRESHOLD + 1 before they fire and reset.
        unchecked {
            if (vibra > tally.vibraThreshold) ++tally.vibraCount;
            if (temp > tally.tempThreshold) ++tally.tempCount;
            if (tally.vibraCount > tally.vibraCountThreshold) {
                ++tally.requests;
                tally.vibraCount = 0;
            }
            if (tally.tempCount > tally.tempCountThreshold) {
                ++tally.orders;
                tally.tempCount = 0;
            }
        }
    }

    /// @dev Writes the counts, records what fired, then pays (checks-effects-interactions).
    function _close(address machine, Machine storage m, Tally memory tally, uint256 readings) private {
        // Both counts are at most their count threshold after the loop, or unchanged: they fit.
        uint32 tempCount = uint32(tally.tempCount);
        uint32 vibraCount = uint32(tally.vibraCount);
        m.tempCount = tempCount;
        m.vibraCount = vibraCount;
        emit ReadingsReported(machine, readings, tempCount, vibraCount);

        if (tally.requests == 0 && tally.orders == 0) return;
        address unit = m.unit;
        address provider = m.provider;
        uint96 price = m.partPrice;
        for (uint256 i = 0; i < tally.requests; ++i) {
            _requestService(machine, provider, unit, RequestOrigin.Vibration);
        }
        for (uint256 i = 0; i < tally.orders; ++i) {
            _orderPart(machine, provider, unit, price);
        }
        if (tally.orders != 0 && price != 0) {
            TOKEN.safeTransferFrom(unit, provider, uint256(price) * tally.orders);
        }
    }

    function _requestService(
        address machine,
        address provider,
        address requester,
        RequestOrigin origin
    ) private returns (uint256 requestId) {
        requestId = ++_requestCount;
        ServiceRequest storage request = _requests[requestId];
        request.machine = machine;
        request.requestedAt = Time.timestamp();
        request.provider = provider;
        request.status = RequestStatus.Requested;
        request.origin = origin;
        request.requester = requester;
        emit ServiceRequested(requestId, machine, provider, requester, origin);
    }

    /// @dev Records the order; the caller pays for all orders of a report in one transfer.
    function _orderPart(address machine, address provider, address payer, uint96 price) private {
        uint256 orderId = ++_orderCount;
        _orders[orderId] = PartOrder({
            machine: machine,
            orderedAt: Time.timestamp(),
            payer: payer,
            price: price,
            provider: provider
        });
        emit PartOrdered(orderId, machine, provider, payer, price);
    }

    function _emitThresholds(address machine, Thresholds memory t) private {
        emit ThresholdsChanged(
            machine,
            t.tempThreshold,
            t.tempCountThreshold,
            t.vibraThreshold,
            t.vibraCountThreshold
        );
    }

    function _unitMachine(address machine) private view returns (Machine storage m) {
        m = _machines[machine];
        address unit = m.unit;
        if (unit == address(0)) revert MaintenanceServiceUnknownMachine(machine);
        if (msg.sender != unit) revert MaintenanceServiceUnauthorizedUnit(machine, msg.sender);
    }

    function _ownedMachine(address machine) private view returns (Machine storage m) {
        m = _machines[machine];
        address owner = m.owner;
        if (owner == address(0)) revert MaintenanceServiceUnknownMachine(machine);
        if (msg.sender != owner) revert MaintenanceServiceUnauthorizedOwner(machine, msg.sender);
    }

    function _existingRequest(uint256 requestId) private view returns (ServiceRequest storage request) {
        request = _requests[requestId];
        if (request.status == RequestStatus.None) revert MaintenanceServiceUnknownRequest(requestId);
    }

    function _providerRequest(
        uint256 requestId,
        RequestStatus expected
    ) private view returns (ServiceRequest storage request) {
        request = _existingRequest(requestId);
        if (msg.sender != request.provider) revert MaintenanceServiceUnauthorizedProvider(requestId, msg.sender);
        if (request.status != expected) {
            revert MaintenanceServiceUnexpectedRequestStatus(requestId, request.status, _statusBit(expected));
        }
    }

    function _checkParties(address unit, address provider) private pure {
        if (unit == address(0)) revert MaintenanceServiceInvalidUnit(unit);
        if (provider == address(0)) revert MaintenanceServiceInvalidProvider(provider);
    }

    function _statusBit(RequestStatus status) private pure returns (bytes32) {
        return bytes32(1 << uint8(status));
    }
}
