// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IMaintenanceService} from "./IMaintenanceService.sol";
import {MaintenanceMachines} from "./MaintenanceMachines.sol";
import {MaintenanceOrders} from "./MaintenanceOrders.sol";
import {MaintenanceReadings} from "./MaintenanceReadings.sol";

/**
 * @title MaintenanceService
 * @notice BPIIoT's `maintenanceService` for many machines at once, as {IMaintenanceService}
 * describes it. Its rules are internal libraries: counting readings {MaintenanceReadings}, who
 * may act on a machine and with which settings {MaintenanceMachines}, part orders and service
 * requests {MaintenanceOrders}; the contract keeps the state and moves the tokens.
 * @dev Roles are per machine, not global, so they live in the machine's record instead of
 * AccessControl. The global roles are {REGISTRAR_ROLE} (registers machines, changes none) and
 * the admin, who sets {settingsDelay} and grants roles.
 *
 * Gas: a batch keeps its counts in memory and writes the machine's counters once. The unit's
 * address and both counters share one slot, the four thresholds a second one, and the
 * provider and part price a third that is read only when a count fires. When a batch orders
 * several parts, the unit pays their total in one `transferFrom`, after all records are
 * written (checks-effects-interactions).
 */
contract MaintenanceService is IMaintenanceService, AccessControl, EIP712 {
    using SafeERC20 for IERC20;
    using MaintenanceReadings for MaintenanceReadings.Tally;

    /// @notice Readings above this temperature count towards a part order (paper: TempThreshold).
    int32 public constant DEFAULT_TEMP_THRESHOLD = MaintenanceReadings.DEFAULT_TEMP_THRESHOLD;
    /// @notice A part is ordered when more hot readings than this have been counted (paper: TempCountThreshold).
    uint32 public constant DEFAULT_TEMP_COUNT_THRESHOLD = MaintenanceReadings.DEFAULT_TEMP_COUNT_THRESHOLD;
    /// @notice Readings above this vibration frequency count towards a service request (paper: VibraThreshold).
    uint32 public constant DEFAULT_VIBRA_THRESHOLD = MaintenanceReadings.DEFAULT_VIBRA_THRESHOLD;
    /// @notice Service is requested when more vibrating readings than this have been counted (paper: VibraCountThreshold).
    uint32 public constant DEFAULT_VIBRA_COUNT_THRESHOLD = MaintenanceReadings.DEFAULT_VIBRA_COUNT_THRESHOLD;
    /// @notice The largest count threshold: a count must still fit in 32 bits once it exceeds it.
    uint32 public constant MAX_COUNT_THRESHOLD = MaintenanceReadings.MAX_COUNT_THRESHOLD;
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
    bytes32 public constant REGISTER_MACHINE_TYPEHASH = MaintenanceMachines.REGISTER_MACHINE_TYPEHASH;

    /// @notice Settings the owner proposed, in force from `effectiveAt` or once the unit accepts them.
    struct PendingSettings {
        Settings settings;
        uint48 effectiveAt;
    }

    IERC20 private immutable TOKEN;

    mapping(address machine => Machine) private _machines;
    mapping(uint256 requestId => ServiceRequest) private _requests;
    mapping(uint256 orderId => PartOrder) private _orders;
    mapping(address machine => PendingSettings) private _pending;
    uint256 private _requestCount;
    uint256 private _orderCount;
    uint32 private _settingsDelay;

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

    /// @inheritdoc IMaintenanceService
    function registerMachine(address machine, address unit, address provider, uint96 partPrice) external {
        if (msg.sender != machine && !hasRole(REGISTRAR_ROLE, msg.sender)) {
            revert MaintenanceServiceUnauthorizedRegistrar(machine, msg.sender);
        }
        _register(machine, unit, provider, partPrice);
    }

    /// @inheritdoc IMaintenanceService
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
            MaintenanceMachines.registrationHash(machine, unit, provider, partPrice, deadline)
        );
        MaintenanceMachines.checkSignature(machine, digest, signature);
        _register(machine, unit, provider, partPrice);
    }

    /// @inheritdoc IMaintenanceService
    function proposeSettings(address machine, Settings calldata settings) external returns (uint48 effectiveAt) {
        Machine storage m = _machines[machine];
        bool byUnit = MaintenanceMachines.checkProposer(m, machine, msg.sender);
        MaintenanceMachines.checkSettings(settings);
        effectiveAt = Time.timestamp();
        if (byUnit || _settingsDelay == 0) {
            _applySettings(machine, m, settings);
            return effectiveAt;
        }
        effectiveAt += _settingsDelay;
        _pending[machine] = PendingSettings({settings: settings, effectiveAt: effectiveAt});
        emit SettingsProposed(machine, msg.sender, settings, effectiveAt);
    }

    /// @inheritdoc IMaintenanceService
    function acceptSettings(address machine) external {
        Machine storage m = _unitMachine(machine);
        Settings memory settings = _takePending(machine).settings;
        emit SettingsAccepted(machine, msg.sender);
        _applySettings(machine, m, settings);
    }

    /// @inheritdoc IMaintenanceService
    function executeSettings(address machine) external {
        MaintenanceMachines.checkDue(machine, _pending[machine].effectiveAt);
        Settings memory settings = _takePending(machine).settings;
        _applySettings(machine, _machines[machine], settings);
    }

    /// @inheritdoc IMaintenanceService
    function cancelSettings(address machine) external {
        _ownedMachine(machine);
        _takePending(machine);
        emit SettingsCancelled(machine, msg.sender);
    }

    /**
     * @inheritdoc IMaintenanceService
     * @dev Reverts with {AccessControlUnauthorizedAccount} unless the caller holds
     * {DEFAULT_ADMIN_ROLE}, otherwise as {IMaintenanceService-setSettingsDelay}.
     */
    function setSettingsDelay(uint32 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay > MAX_SETTINGS_DELAY) revert MaintenanceServiceInvalidSettingsDelay(delay, MAX_SETTINGS_DELAY);
        emit SettingsDelayChanged(_settingsDelay, delay);
        _settingsDelay = delay;
    }

    /// @inheritdoc IMaintenanceService
    function payPartOrder(uint256 orderId) external {
        PartOrder storage order = _orders[orderId];
        address machine = MaintenanceOrders.checkPayable(order, orderId, msg.sender, _machines);
        order.status = PartOrderStatus.Paid;
        address provider = order.provider;
        uint96 price = order.price;
        emit PartOrderPaid(orderId, machine, provider, msg.sender, price);
        TOKEN.safeTransferFrom(msg.sender, provider, price);
    }

    /// @inheritdoc IMaintenanceService
    function reportReading(address machine, int32 temp, uint32 vibra) external {
        Machine storage m = _unitMachine(machine);
        MaintenanceReadings.Tally memory tally = MaintenanceReadings.open(m);
        tally.count(temp, vibra);
        _close(machine, m, tally, 1);
    }

    /// @inheritdoc IMaintenanceService
    function reportReadings(address machine, int32[] calldata temps, uint32[] calldata vibras) external {
        _reportBatch(machine, temps, vibras);
    }

    /// @inheritdoc IMaintenanceService
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

    /// @inheritdoc IMaintenanceService
    function requestService(address machine) external returns (uint256 requestId) {
        Machine storage m = _machines[machine];
        MaintenanceMachines.checkRequester(m, machine, msg.sender);
        return _requestService(machine, m.provider, msg.sender, RequestOrigin.Manual);
    }

    /// @inheritdoc IMaintenanceService
    function acceptServiceRequest(uint256 requestId) external {
        ServiceRequest storage request = _requests[requestId];
        MaintenanceOrders.checkProviderStep(request, requestId, msg.sender, RequestStatus.Requested);
        request.status = RequestStatus.Accepted;
        request.acceptedAt = Time.timestamp();
        emit ServiceAccepted(requestId, request.machine, msg.sender);
    }

    /// @inheritdoc IMaintenanceService
    function completeServiceRequest(uint256 requestId) external {
        ServiceRequest storage request = _requests[requestId];
        MaintenanceOrders.checkProviderStep(request, requestId, msg.sender, RequestStatus.Accepted);
        request.status = RequestStatus.Completed;
        request.completedAt = Time.timestamp();
        emit ServiceCompleted(requestId, request.machine, msg.sender);
    }

    /// @inheritdoc IMaintenanceService
    function cancelServiceRequest(uint256 requestId) external {
        ServiceRequest storage request = _existingRequest(requestId);
        address machine = request.machine;
        if (msg.sender != _machines[machine].owner) revert MaintenanceServiceUnauthorizedOwner(machine, msg.sender);
        MaintenanceOrders.checkCancellable(request.status, requestId);
        request.status = RequestStatus.Cancelled;
        request.cancelledAt = Time.timestamp();
        emit ServiceCancelled(requestId, machine, msg.sender);
    }

    /// @inheritdoc IMaintenanceService
    function token() external view returns (IERC20 paymentToken) {
        return TOKEN;
    }

    /// @inheritdoc IMaintenanceService
    function isRegistered(address machine) external view returns (bool registered) {
        return _machines[machine].owner != address(0);
    }

    /// @inheritdoc IMaintenanceService
    function machineInfo(address machine) external view returns (Machine memory record) {
        record = _machines[machine];
        if (record.owner == address(0)) revert MaintenanceServiceUnknownMachine(machine);
    }

    /// @inheritdoc IMaintenanceService
    function serviceRequest(uint256 requestId) external view returns (ServiceRequest memory request) {
        return _existingRequest(requestId);
    }

    /// @inheritdoc IMaintenanceService
    function partOrder(uint256 orderId) external view returns (PartOrder memory order) {
        order = _orders[orderId];
        if (order.machine == address(0)) revert MaintenanceServiceUnknownPartOrder(orderId);
    }

    /// @inheritdoc IMaintenanceService
    function pendingSettings(address machine) external view returns (Settings memory settings, uint48 effectiveAt) {
        PendingSettings storage pending = _pending[machine];
        return (pending.settings, pending.effectiveAt);
    }

    /// @inheritdoc IMaintenanceService
    function settingsDelay() external view returns (uint32 delay) {
        return _settingsDelay;
    }

    /// @inheritdoc IMaintenanceService
    function serviceRequestCount() external view returns (uint256 count) {
        return _requestCount;
    }

    /// @inheritdoc IMaintenanceService
    function partOrderCount() external view returns (uint256 count) {
        return _orderCount;
    }

    function _reportBatch(address machine, int32[] calldata temps, uint32[] calldata vibras) private {
        Machine storage m = _unitMachine(machine);
        uint256 readings = MaintenanceReadings.checkBatch(machine, temps, vibras);
        MaintenanceReadings.Tally memory tally = MaintenanceReadings.open(m);
        tally.countAll(temps, vibras);
        _close(machine, m, tally, readings);
    }

    /// @dev Writes the counts, records what fired, then pays (checks-effects-interactions).
    function _close(
        address machine,
        Machine storage m,
        MaintenanceReadings.Tally memory tally,
        uint256 readings
    ) private {
        (uint32 tempCount, uint32 vibraCount) = tally.save(m);
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
        uint256 amount = MaintenanceOrders.batchPrice(price, tally.orders);
        if (amount != 0 && !TOKEN.trySafeTransferFrom(unit, provider, amount)) {
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
        _requests[requestId] = MaintenanceOrders.openedRequest(machine, provider, requester, origin);
        emit ServiceRequested(requestId, machine, provider, requester, origin);
    }

    /// @dev Records the order; the caller pays for all orders of a report in one transfer.
    function _orderPart(address machine, address provider, address payer, uint96 price) private {
        uint256 orderId = ++_orderCount;
        _orders[orderId] = MaintenanceOrders.paidOrder(machine, provider, payer, price);
        emit PartOrdered(orderId, machine, provider, payer, price);
    }

    function _register(address machine, address unit, address provider, uint96 partPrice) private {
        Machine storage m = _machines[machine];
        MaintenanceMachines.checkRegistration(m, machine, unit, provider);

        m.owner = machine;
        m.unit = unit;
        m.provider = provider;
        m.partPrice = partPrice;
        Thresholds memory defaults = MaintenanceReadings.defaultThresholds();
        m.thresholds = defaults;

        emit MachineRegistered(machine, machine, unit, provider, partPrice, msg.sender);
        _emitThresholds(machine, defaults);
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
        emit ThresholdsChanged(machine, t.tempThreshold, t.tempCountThreshold, t.vibraThreshold, t.vibraCountThreshold);
    }

    function _unitMachine(address machine) private view returns (Machine storage m) {
        m = _machines[machine];
        MaintenanceMachines.checkUnit(m, machine, msg.sender);
    }

    function _ownedMachine(address machine) private view returns (Machine storage m) {
        m = _machines[machine];
        MaintenanceMachines.checkOwner(m, machine, msg.sender);
    }

    function _existingRequest(uint256 requestId) private view returns (ServiceRequest storage request) {
        request = _requests[requestId];
        MaintenanceOrders.checkKnown(request, requestId);
    }
}
