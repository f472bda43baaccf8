// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IMaintenanceService
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
 * table and a unit needs no id besides the address it already knows.
 *
 * A machine is registered by its own key (`msg.sender == machine`), by a registrar, or by anyone
 * presenting an EIP-712 `RegisterMachine` signature of the machine key
 * ({registerMachineWithSignature}). Whoever sends the transaction, the machine's owner is the
 * machine's own account: nobody can squat a device's machine, and the deployer owns none.
 *
 * Roles are per machine: the owner configures the machine and may cancel its requests, the unit
 * reports readings and pays for parts, the provider accepts and completes service requests
 * addressed to it. A request remembers the provider it was addressed to; changing a machine's
 * provider leaves open requests with the old one until the owner cancels them.
 *
 * The unit pays for parts, so nobody but the unit changes what it pays at once: settings (unit,
 * provider, part price, thresholds) the unit proposes apply at once; settings the owner proposes
 * wait {settingsDelay} seconds, unless the unit accepts them earlier ({acceptSettings}). The
 * unit sees a pending change ({pendingSettings}, {SettingsProposed}) and can stop reporting or
 * lower its allowance before it takes effect.
 *
 * A part that cannot be paid does not revert the batch: its order is recorded `Unpaid` (event
 * {PartOrderUnpaid}), every reading is counted and every service request raised, and the order
 * is settled later with {payPartOrder}.
 */
interface IMaintenanceService {
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

    /// @notice What the owner or the unit may change on a machine: its parties, part price and thresholds.
    struct Settings {
        address unit;
        address provider;
        uint96 partPrice;
        Thresholds thresholds;
    }

    /// @notice Whether a part order is paid. `None` marks an id that was never issued.
    enum PartOrderStatus {
        None,
        Paid,
        Unpaid
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
        PartOrderStatus status;
        address payer;
        uint96 price;
        address provider;
    }

    /// @notice The token address given to the constructor is zero.
    error MaintenanceServiceInvalidToken(address token);
    /// @notice The admin address given to the constructor is zero.
    error MaintenanceServiceInvalidAdmin(address admin);
    /// @notice `caller` is neither `machine` itself nor a holder of `REGISTRAR_ROLE`.
    error MaintenanceServiceUnauthorizedRegistrar(address machine, address caller);
    /// @notice The registration signature of `machine` expired at `deadline`.
    error MaintenanceServiceExpiredSignature(address machine, uint256 deadline);
    /// @notice The registration signature is not one of `machine`'s key (or its ERC-1271 contract).
    error MaintenanceServiceInvalidSignature(address machine);
    /// @notice `caller` is neither the owner nor the unit of `machine`, so it may not propose settings.
    error MaintenanceServiceUnauthorizedProposer(address machine, address caller);
    /// @notice `machine` has no pending settings.
    error MaintenanceServiceNoPendingSettings(address machine);
    /// @notice The pending settings of `machine` take effect at `effectiveAt`, not yet.
    error MaintenanceServiceSettingsNotDue(address machine, uint48 effectiveAt);
    /// @notice A settings delay above `MAX_SETTINGS_DELAY`.
    error MaintenanceServiceInvalidSettingsDelay(uint256 delay, uint256 maxDelay);
    /// @notice `caller` is neither the payer of part order `orderId` nor its machine's owner.
    error MaintenanceServiceUnauthorizedPayer(uint256 orderId, address caller);
    /// @notice Part order `orderId` is `current`, not `Unpaid`.
    error MaintenanceServicePartOrderNotUnpaid(uint256 orderId, PartOrderStatus current);
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
    /// @notice A count threshold is zero or above `MAX_COUNT_THRESHOLD`.
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

    /// @notice `proposer` (the owner) proposed `settings` for `machine`, in force from `effectiveAt` unless the unit accepts earlier.
    event SettingsProposed(address indexed machine, address indexed proposer, Settings settings, uint48 effectiveAt);
    /// @notice The unit of `machine` accepted its pending settings before their delay ran out.
    event SettingsAccepted(address indexed machine, address indexed unit);
    /// @notice The owner of `machine` withdrew its pending settings.
    event SettingsCancelled(address indexed machine, address indexed owner);
    /// @notice The admin set the delay of owner-proposed settings from `oldDelay` to `newDelay` seconds.
    event SettingsDelayChanged(uint32 oldDelay, uint32 newDelay);
    /// @notice Part order `orderId` could not be paid when it was ordered; it stays `Unpaid` until {payPartOrder}.
    event PartOrderUnpaid(uint256 indexed orderId, address indexed machine, address indexed payer, uint256 price);
    /// @notice `payer` paid the `price` of the formerly unpaid part order `orderId` to `provider`.
    event PartOrderPaid(
        uint256 indexed orderId,
        address indexed machine,
        address indexed provider,
        address payer,
        uint256 price
    );
    /// @notice `registeredBy` registered `machine`, owned by `owner` (the machine itself),
    /// reported by `unit` and served by `provider`.
    event MachineRegistered(
        address indexed machine,
        address indexed owner,
        address indexed unit,
        address provider,
        uint96 partPrice,
        address registeredBy
    );
    /// @notice The unit, provider and part price of `machine` took effect (also emitted with the thresholds by every settings change).
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
    /// @notice Part order `orderId` for `machine` went to `provider` at `price`, charged to `payer`
    /// (paid in the same transaction unless {PartOrderUnpaid} follows).
    event PartOrdered(
        uint256 indexed orderId,
        address indexed machine,
        address indexed provider,
        address payer,
        uint256 price
    );

    /**
     * @notice Register `machine`, owned by itself, with the paper's default thresholds. Only the
     * machine's own key or a holder of `REGISTRAR_ROLE` may; anyone else relays a signature of
     * the machine with {registerMachineWithSignature}.
     * @dev Reverts with {MaintenanceServiceUnauthorizedRegistrar} for another caller. Emits
     * {MachineRegistered} and {ThresholdsChanged}.
     * @param machine the machine's address (the paper's addr2), its owner from now on
     * @param unit the IoT unit that reports the machine's readings and pays for parts (addr1)
     * @param provider the service provider requests and orders go to (addr3)
     * @param partPrice the price of one spare part, in the token's smallest unit; zero for free parts
     */
    function registerMachine(address machine, address unit, address provider, uint96 partPrice) external;

    /**
     * @notice Register `machine` as {registerMachine} does, for anyone holding the machine key's
     * EIP-712 `REGISTER_MACHINE_TYPEHASH` signature over exactly these parties, price and deadline.
     * @dev The signature is checked with OpenZeppelin's SignatureChecker, so a machine that is a
     * contract signs through ERC-1271. It cannot be replayed: a machine is registered once, and
     * the deadline bounds how long an unused signature stays good. Reverts with
     * {MaintenanceServiceExpiredSignature} after `deadline`, {MaintenanceServiceInvalidSignature}
     * for a signature of another key or other values. Emits as {registerMachine}.
     * @param machine the machine's address, which signed
     * @param unit the IoT unit the machine signed for
     * @param provider the service provider the machine signed for
     * @param partPrice the part price the machine signed for
     * @param deadline the last second (block timestamp) the signature is good for
     * @param signature the machine's signature of the `RegisterMachine` struct
     */
    function registerMachineWithSignature(
        address machine,
        address unit,
        address provider,
        uint96 partPrice,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /**
     * @notice Propose new settings (unit, provider, part price, thresholds) for `machine`. Only
     * its owner or its unit may. The unit's own proposal applies at once; the owner's waits
     * {settingsDelay} seconds or until the unit accepts it, and replaces any earlier proposal.
     * @dev A delay of zero applies the owner's proposal at once too. Counts are kept: lowering a
     * count threshold below the current count makes the next reading fire, exactly as the paper's
     * rule compares after every reading. Open service requests stay with the provider they were
     * addressed to. Reverts with {MaintenanceServiceUnknownMachine},
     * {MaintenanceServiceUnauthorizedProposer}, {MaintenanceServiceInvalidUnit},
     * {MaintenanceServiceInvalidProvider} or {MaintenanceServiceInvalidCountThreshold}. Emits
     * {MachineUpdated} and {ThresholdsChanged} when the settings apply, {SettingsProposed} when
     * they wait.
     * @param machine the registered machine
     * @param settings the new settings; both count thresholds in 1..`MAX_COUNT_THRESHOLD`
     * @return effectiveAt when the settings take effect (now when they applied)
     */
    function proposeSettings(address machine, Settings calldata settings) external returns (uint48 effectiveAt);

    /**
     * @notice Accept the pending settings of `machine` now, before their delay runs out. Only
     * its unit may.
     * @dev Reverts with {MaintenanceServiceUnknownMachine}, {MaintenanceServiceUnauthorizedUnit}
     * or {MaintenanceServiceNoPendingSettings}. Emits {SettingsAccepted}, {MachineUpdated} and
     * {ThresholdsChanged}.
     * @param machine the registered machine
     */
    function acceptSettings(address machine) external;

    /**
     * @notice Put the pending settings of `machine` into effect once their delay has run out.
     * Anyone may.
     * @dev Reverts with {MaintenanceServiceNoPendingSettings} or
     * {MaintenanceServiceSettingsNotDue}. Emits {MachineUpdated} and {ThresholdsChanged}.
     * @param machine the machine with pending settings
     */
    function executeSettings(address machine) external;

    /**
     * @notice Withdraw the pending settings of `machine`. Only its owner may.
     * @dev Reverts with {MaintenanceServiceUnknownMachine}, {MaintenanceServiceUnauthorizedOwner}
     * or {MaintenanceServiceNoPendingSettings}. Emits {SettingsCancelled}.
     * @param machine the registered machine
     */
    function cancelSettings(address machine) external;

    /**
     * @notice Set how long settings the owner proposes wait for the unit. Only the admin may.
     * @dev Proposals already pending keep their time. Reverts with
     * {MaintenanceServiceInvalidSettingsDelay} above `MAX_SETTINGS_DELAY`. Emits
     * {SettingsDelayChanged}.
     * @param delay the new delay, in seconds; zero applies the owner's proposals at once
     */
    function setSettingsDelay(uint32 delay) external;

    /**
     * @notice Pay the unpaid part order `orderId` to the provider it went to, from the caller's
     * tokens. Only the order's payer or its machine's owner may.
     * @dev The caller must have approved this contract for the price. The order is marked paid
     * before the transfer (checks-effects-interactions), so it is never paid twice. Reverts with
     * {MaintenanceServiceUnknownPartOrder}, {MaintenanceServicePartOrderNotUnpaid},
     * {MaintenanceServiceUnauthorizedPayer}, or the token's error. Emits {PartOrderPaid}.
     * @param orderId the unpaid order
     */
    function payPartOrder(uint256 orderId) external;

    /**
     * @notice Report one reading of `machine`. Only its IoT unit may.
     * @dev Emits {ReadingsReported}, and {ServiceRequested} or {PartOrdered} when a count
     * fires. A part order pulls the part price from the caller with `transferFrom`, so the
     * caller must have approved this contract; without allowance or balance the reading still
     * counts, the order is recorded `Unpaid` ({PartOrderUnpaid}) and {payPartOrder} settles it.
     * @param machine the registered machine
     * @param temp the temperature read
     * @param vibra the vibration frequency read
     */
    function reportReading(address machine, int32 temp, uint32 vibra) external;

    /**
     * @notice Report a batch of readings of `machine`, in the order they were taken. Only its
     * IoT unit may.
     * @dev `temps[i]` and `vibras[i]` form reading `i`. If the parts it orders cannot be paid,
     * the batch still counts every reading and raises every request; its orders are recorded
     * `Unpaid`. Emits as {reportReading}.
     * @param machine the registered machine
     * @param temps the temperatures read
     * @param vibras the vibration frequencies read
     */
    function reportReadings(address machine, int32[] calldata temps, uint32[] calldata vibras) external;

    /**
     * @notice Apply an EIP-2612 permit of the caller for this contract, then report a batch as
     * {reportReadings}: the unit pays for parts without a separate `approve` transaction.
     * @dev The permit is tried and a failure ignored (OpenZeppelin's recommended pattern in
     * {IERC20Permit}): if someone front-ran it, the allowance is already set and the payment
     * goes through; if the allowance is missing, the batch's orders are recorded `Unpaid`.
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
    ) external;

    /**
     * @notice Raise a service request for `machine` by hand. Only its owner or unit may.
     * @dev The vibration counter is untouched. Emits {ServiceRequested}.
     * @param machine the registered machine
     * @return requestId the new request's id
     */
    function requestService(address machine) external returns (uint256 requestId);

    /**
     * @notice Accept service request `requestId`. Only the provider it was addressed to may,
     * and only while it is `Requested`.
     * @dev Emits {ServiceAccepted}.
     * @param requestId the request
     */
    function acceptServiceRequest(uint256 requestId) external;

    /**
     * @notice Complete service request `requestId`. Only the provider it was addressed to may,
     * and only once it is `Accepted`.
     * @dev Emits {ServiceCompleted}.
     * @param requestId the request
     */
    function completeServiceRequest(uint256 requestId) external;

    /**
     * @notice Cancel service request `requestId`. Only the machine's owner may, and only while
     * the request is `Requested` or `Accepted`.
     * @dev Emits {ServiceCancelled}.
     * @param requestId the request
     */
    function cancelServiceRequest(uint256 requestId) external;

    /**
     * @notice The data token parts are paid in.
     * @return paymentToken the ERC-20 (with EIP-2612 permit) given to the constructor
     */
    function token() external view returns (IERC20 paymentToken);

    /**
     * @notice Whether `machine` is registered.
     * @param machine the machine's address
     * @return registered true once {registerMachine} succeeded for it
     */
    function isRegistered(address machine) external view returns (bool registered);

    /**
     * @notice The record of `machine`: parties, part price, thresholds and current counts.
     * @dev Reverts with {MaintenanceServiceUnknownMachine} for an unregistered machine.
     * @param machine the registered machine
     * @return record the machine's record
     */
    function machineInfo(address machine) external view returns (Machine memory record);

    /**
     * @notice Service request `requestId` with its lifecycle timestamps.
     * @dev Reverts with {MaintenanceServiceUnknownRequest} for an id never issued.
     * @param requestId the request, from 1 to {serviceRequestCount}
     * @return request the request
     */
    function serviceRequest(uint256 requestId) external view returns (ServiceRequest memory request);

    /**
     * @notice Part order `orderId`: machine, payment status, payer, price, provider and time.
     * @dev Reverts with {MaintenanceServiceUnknownPartOrder} for an id never issued.
     * @param orderId the order, from 1 to {partOrderCount}
     * @return order the order
     */
    function partOrder(uint256 orderId) external view returns (PartOrder memory order);

    /**
     * @notice The settings the owner proposed for `machine` and when they take effect.
     * @dev `effectiveAt` is zero when nothing is pending.
     * @param machine the machine
     * @return settings the proposed settings
     * @return effectiveAt when {executeSettings} may put them into effect; zero for none
     */
    function pendingSettings(address machine) external view returns (Settings memory settings, uint48 effectiveAt);

    /**
     * @notice How long settings the owner proposes wait for the unit.
     * @return delay the delay in seconds
     */
    function settingsDelay() external view returns (uint32 delay);

    /**
     * @notice The number of service requests raised so far; ids run from 1 to it.
     * @return count the number of requests
     */
    function serviceRequestCount() external view returns (uint256 count);

    /**
     * @notice The number of parts ordered so far; ids run from 1 to it.
     * @return count the number of orders
     */
    function partOrderCount() external view returns (uint256 count);
}
