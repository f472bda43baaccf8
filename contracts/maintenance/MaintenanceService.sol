// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
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
 * table and a unit needs no id besides the address it already knows.
 *
 * A machine is registered by its own key (`msg.sender == machine`), by a holder of
 * {REGISTRAR_ROLE}, or by anyone presenting an EIP-712 {RegisterMachine} signature of the machine
 * key ({registerMachineWithSignature}). Whoever sends the transaction, the machine's owner is the
 * machine's own account: nobody can squat a device's machine, and the deployer owns none.
 *
 * Roles are per machine, not global, so they live in the machine's record instead of
 * AccessControl: the owner configures the machine and may cancel its requests, the unit
 * reports readings and pays for parts, the provider accepts and completes service requests
 * addressed to it. A request remembers the provider it was addressed to; changing a machine's
 * provider leaves open requests with the old one until the owner cancels them. The global roles
 * are {REGISTRAR_ROLE} (registers machines, changes none) and the admin, who sets
 * {settingsDelay} and grants roles.
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
 *
 * Gas: a batch keeps its counts in memory and writes the machine's counters once. The unit's
 * address and both counters share one slot, the four thresholds a second one, and the
 * provider and part price a third that is read only when a count fires. When a batch orders
 * several parts, the unit pays their total in one `transferFrom`, after all records are
 * written (checks-effects-interactions).
 */
contract MaintenanceService is AccessControl, EIP712 {
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
    /// @notice The role that may register any machine (it configures none afterwards).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice How long settings the owner proposes wait for the unit, unless the admin sets another delay.
    uint32 public constant DEFAULT_SETTINGS_DELAY = 2 days;
    /// @notice The longest {settingsDelay} the admin may set.
    uint32 public constant MAX_SETTINGS_DELAY = 30 days;
    /// @notice The EIP-712 domain name of machine registrations.
    string public constant EIP712_NAME = "commchain MaintenanceService";
    /// @notice The EIP-712 domain version of machine registrations.
    string public constant EIP712_VERSION = "1";
    /// @notice The EIP-712 type a machine key signs to have itself registered by someone else.
    bytes32 public constant REGISTER_MACHINE_TYPEHASH =
        // The type string is EIP-712's, hashed at compile time: its length costs nothing at run time.
        // solhint-disable-next-line gas-small-strings
        keccak256("RegisterMachine(address machine,address unit,address provider,uint96 partPrice,uint256 deadline)");

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

    /// @notice Settings the owner proposed, in force from `effectiveAt` or once the unit accepts them.
    struct PendingSettings {
        Settings settings;
        uint48 effectiveAt;
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
    mapping(address machine => PendingSettings) private _pending;
    uint256 private _requestCount;
    uint256 private _orderCount;
    uint32 private _settingsDelay;

    /// @notice The token address given to the constructor is zero.
    error MaintenanceServiceInvalidToken(address token);
    /// @notice The admin address given to the constructor is zero.
    error MaintenanceServiceInvalidAdmin(address admin);
    /// @notice `caller` is neither `machine` itself nor a holder of {REGISTRAR_ROLE}.
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
    /// @notice A settings delay above {MAX_SETTINGS_DELAY}.
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
     * @param token_ the data token parts are paid in (ERC-20 with EIP-2612 permit)
     * @param admin the account that grants {REGISTRAR_ROLE} and sets {settingsDelay}
     */
    constructor(IERC20 token_, address admin) EIP712(EIP712_NAME, EIP712_VERSION) {
        if (address(token_) == address(0)) revert MaintenanceServiceInvalidToken(address(token_));
        if (admin == address(0)) revert MaintenanceServiceInvalidAdmin(admin);
        TOKEN = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _settingsDelay = DEFAULT_SETTINGS_DELAY;
        emit SettingsDelayChanged(0, DEFAULT_SETTINGS_DELAY);
    }

    /**
     * @notice Register `machine`, owned by itself, with the paper's default thresholds. Only the
     * machine's own key or a holder of {REGISTRAR_ROLE} may; anyone else relays a signature of
     * the machine with {registerMachineWithSignature}.
     * @dev Reverts with {MaintenanceServiceUnauthorizedRegistrar} for another caller. Emits
     * {MachineRegistered} and {ThresholdsChanged}.
     * @param machine the machine's address (the paper's addr2), its owner from now on
     * @param unit the IoT unit that reports the machine's readings and pays for parts (addr1)
     * @param provider the service provider requests and orders go to (addr3)
     * @param partPrice the price of one spare part, in the token's smallest unit; zero for free parts
     */
    function registerMachine(address machine, address unit, address provider, uint96 partPrice) external {
        if (msg.sender != machine && !hasRole(REGISTRAR_ROLE, msg.sender)) {
            revert MaintenanceServiceUnauthorizedRegistrar(machine, msg.sender);
        }
        _register(machine, unit, provider, partPrice);
    }

    /**
     * @notice Register `machine` as {registerMachine} does, for anyone holding the machine key's
     * EIP-712 {REGISTER_MACHINE_TYPEHASH} signature over exactly these parties, price and deadline.
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
     * @param signature the machine's signature of the {RegisterMachine} struct
     */
    function registerMachineWithSignature(
        address machine,
        address unit,
        address provider,
        uint96 partPrice,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert MaintenanceServiceExpiredSignature(machine, deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(REGISTER_MACHINE_TYPEHASH, machine, unit, provider, partPrice, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(machine, digest, signature)) {
            revert MaintenanceServiceInvalidSignature(machine);
        }
        _register(machine, unit, provider, partPrice);
    }

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
     * @param settings the new settings; both count thresholds in 1..{MAX_COUNT_THRESHOLD}
     * @return effectiveAt when the settings take effect (now when they applied)
     */
    function proposeSettings(address machine, Settings calldata settings) external returns (uint48 effectiveAt) {
        Machine storage m = _machines[machine];
        address owner = m.owner;
        if (owner == address(0)) revert MaintenanceServiceUnknownMachine(machine);
        bool byUnit = msg.sender == m.unit;
        if (!byUnit && msg.sender != owner) revert MaintenanceServiceUnauthorizedProposer(machine, msg.sender);
        _checkSettings(settings);
        effectiveAt = Time.timestamp();
        if (byUnit || _settingsDelay == 0) {
            _applySettings(machine, m, settings);
            return effectiveAt;
        }
        effectiveAt += _settingsDelay;
        _pending[machine] = PendingSettings({settings: settings, effectiveAt: effectiveAt});
        emit SettingsProposed(machine, msg.sender, settings, effectiveAt);
    }

    /**
     * @notice Accept the pending settings of `machine` now, before their delay runs out. Only
     * its unit may.
     * @dev Reverts with {MaintenanceServiceUnknownMachine}, {MaintenanceServiceUnauthorizedUnit}
     * or {MaintenanceServiceNoPendingSettings}. Emits {SettingsAccepted}, {MachineUpdated} and
     * {ThresholdsChanged}.
     * @param machine the registered machine
     */
    function acceptSettings(address machine) external {
        Machine storage m = _unitMachine(machine);
        Settings memory settings = _takePending(machine).settings;
        emit SettingsAccepted(machine, msg.sender);
        _applySettings(machine, m, settings);
    }

    /**
     * @notice Put the pending settings of `machine` into effect once their delay has run out.
     * Anyone may.
     * @dev Reverts with {MaintenanceServiceNoPendingSettings} or
     * {MaintenanceServiceSettingsNotDue}. Emits {MachineUpdated} and {ThresholdsChanged}.
     * @param machine the machine with pending settings
     */
    function executeSettings(address machine) external {
        PendingSettings storage pending = _pending[machine];
        uint48 effectiveAt = pending.effectiveAt;
        if (effectiveAt == 0) revert MaintenanceServiceNoPendingSettings(machine);
        if (Time.timestamp() < effectiveAt) revert MaintenanceServiceSettingsNotDue(machine, effectiveAt);
        Settings memory settings = _takePending(machine).settings;
        _applySettings(machine, _machines[machine], settings);
    }

    /**
     * @notice Withdraw the pending settings of `machine`. Only its owner may.
     * @dev Reverts with {MaintenanceServiceUnknownMachine}, {MaintenanceServiceUnauthorizedOwner}
     * or {MaintenanceServiceNoPendingSettings}. Emits {SettingsCancelled}.
     * @param machine the registered machine
     */
    function cancelSettings(address machine) external {
        _ownedMachine(machine);
        _takePending(machine);
        emit SettingsCancelled(machine, msg.sender);
    }

    /**
     * @notice Set how long settings the owner proposes wait for the unit. Only the admin may.
     * @dev Proposals already pending keep their time. Reverts with
     * {MaintenanceServiceInvalidSettingsDelay} above {MAX_SETTINGS_DELAY}. Emits
     * {SettingsDelayChanged}.
     * @param delay the new delay, in seconds; zero applies the owner's proposals at once
     */
    function setSettingsDelay(uint32 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay > MAX_SETTINGS_DELAY) revert MaintenanceServiceInvalidSettingsDelay(delay, MAX_SETTINGS_DELAY);
        emit SettingsDelayChanged(_settingsDelay, delay);
        _settingsDelay = delay;
    }

    /**
     * @notice Pay the unpaid part order `orderId` to the provider it went to, from the caller's
     * tokens. Only the order's payer or its machine's owner may.
     * @dev The caller must have approved this contract for the price. The order is marked paid
     * before the transfer (checks-effects-interactions), so it is never paid twice. Reverts with
     * {MaintenanceServiceUnknownPartOrder}, {MaintenanceServicePartOrderNotUnpaid},
     * {MaintenanceServiceUnauthorizedPayer}, or the token's error. Emits {PartOrderPaid}.
     * @param orderId the unpaid order
     */
    function payPartOrder(uint256 orderId) external {
        PartOrder storage order = _orders[orderId];
        PartOrderStatus status = order.status;
        if (status == PartOrderStatus.None) revert MaintenanceServiceUnknownPartOrder(orderId);
        if (status != PartOrderStatus.Unpaid) revert MaintenanceServicePartOrderNotUnpaid(orderId, status);
        address machine = order.machine;
        if (msg.sender != order.payer && msg.sender != _machines[machine].owner) {
            revert MaintenanceServiceUnauthorizedPayer(orderId, msg.sender);
        }
        order.status = PartOrderStatus.Paid;
        address provider = order.provider;
        uint96 price = order.price;
        emit PartOrderPaid(orderId, machine, provider, msg.sender, price);
        TOKEN.safeTransferFrom(msg.sender, provider, price);
    }

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
    function reportReading(address machine, int32 temp, uint32 vibra) external {
        Machine storage m = _unitMachine(machine);
        Tally memory tally = _openTally(m);
        _count(tally, temp, vibra);
        _close(machine, m, tally, 1);
    }

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
    function reportReadings(address machine, int32[] calldata temps, uint32[] calldata vibras) external {
        _reportBatch(machine, temps, vibras);
    }

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
     * @notice Part order `orderId`: machine, payment status, payer, price, provider and time.
     * @dev Reverts with {MaintenanceServiceUnknownPartOrder} for an id never issued.
     * @param orderId the order, from 1 to {partOrderCount}
     * @return order the order
     */
    function partOrder(uint256 orderId) external view returns (PartOrder memory order) {
        order = _orders[orderId];
        if (order.machine == address(0)) revert MaintenanceServiceUnknownPartOrder(orderId);
    }

    /**
     * @notice The settings the owner proposed for `machine` and when they take effect.
     * @dev `effectiveAt` is zero when nothing is pending.
     * @param machine the machine
     * @return settings the proposed settings
     * @return effectiveAt when {executeSettings} may put them into effect; zero for none
     */
    function pendingSettings(address machine) external view returns (Settings memory settings, uint48 effectiveAt) {
        PendingSettings storage pending = _pending[machine];
        return (pending.settings, pending.effectiveAt);
    }

    /**
     * @notice How long settings the owner proposes wait for the unit.
     * @return delay the delay in seconds
     */
    function settingsDelay() external view returns (uint32 delay) {
        return _settingsDelay;
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
        uint256 firstOrder = _orderCount + 1;
        for (uint256 i = 0; i < tally.orders; ++i) {
            _orderPart(machine, provider, unit, price);
        }
        // Orders are recorded paid before the transfer, so a token calling back finds nothing to
        // pay again; a failed transfer reverts only itself, and the orders become unpaid.
        if (tally.orders != 0 && price != 0 && !TOKEN.trySafeTransferFrom(unit, provider, uint256(price) * tally.orders)) {
            for (uint256 id = firstOrder; id < firstOrder + tally.orders; ++id) {
                _orders[id].status = PartOrderStatus.Unpaid;
                emit PartOrderUnpaid(id, machine, unit, price);
            }
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
            status: PartOrderStatus.Paid,
            payer: payer,
            price: price,
            provider: provider
        });
        emit PartOrdered(orderId, machine, provider, payer, price);
    }

    function _register(address machine, address unit, address provider, uint96 partPrice) private {
        if (machine == address(0)) revert MaintenanceServiceInvalidMachine(machine);
        _checkParties(unit, provider);
        Machine storage m = _machines[machine];
        if (m.owner != address(0)) revert MaintenanceServiceMachineAlreadyRegistered(machine, m.owner);

        m.owner = machine;
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

        emit MachineRegistered(machine, machine, unit, provider, partPrice, msg.sender);
        _emitThresholds(machine, defaults);
    }

    function _checkSettings(Settings calldata settings) private pure {
        _checkParties(settings.unit, settings.provider);
        uint32 tempCountThreshold = settings.thresholds.tempCountThreshold;
        uint32 vibraCountThreshold = settings.thresholds.vibraCountThreshold;
        if (
            tempCountThreshold == 0 ||
            vibraCountThreshold == 0 ||
            tempCountThreshold > MAX_COUNT_THRESHOLD ||
            vibraCountThreshold > MAX_COUNT_THRESHOLD
        ) revert MaintenanceServiceInvalidCountThreshold(tempCountThreshold, vibraCountThreshold);
    }

    function _applySettings(address machine, Machine storage m, Settings memory settings) private {
        m.unit = settings.unit;
        m.provider = settings.provider;
        m.partPrice = settings.partPrice;
        m.thresholds = settings.thresholds;
        emit MachineUpdated(machine, settings.unit, settings.provider, settings.partPrice);
        _emitThresholds(machine, settings.thresholds);
    }

    /// @dev Removes and returns the pending settings of `machine`; reverts when there are none.
    function _takePending(address machine) private returns (PendingSettings memory pending) {
        pending = _pending[machine];
        if (pending.effectiveAt == 0) revert MaintenanceServiceNoPendingSettings(machine);
        delete _pending[machine];
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
