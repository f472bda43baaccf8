// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IMaintenanceService} from "./IMaintenanceService.sol";
import {MaintenanceReadings} from "./MaintenanceReadings.sol";

/**
 * @title MaintenanceMachines
 * @notice The rules of a machine's record: which parties and settings a machine may have, what a
 * machine key signs to be registered by someone else, who may act on a machine (its owner, its
 * unit, or either), and when settings its owner proposed may be put in force.
 * @dev Internal functions only, so the compiler inlines them into {MaintenanceService}: nothing
 * to deploy or link. The functions check; the service writes the records and emits the events.
 * The caller is passed in, so each rule reads as what it decides about an account.
 */
library MaintenanceMachines {
    /// @notice The EIP-712 type a machine key signs to have itself registered by someone else.
    bytes32
        internal
        constant REGISTER_MACHINE_TYPEHASH = // The type string is EIP-712's, hashed at compile time: its length costs nothing at run time.
        // solhint-disable-next-line gas-small-strings
        keccak256("RegisterMachine(address machine,address unit,address provider,uint96 partPrice,uint256 deadline)");

    /**
     * @notice The EIP-712 struct hash of a `RegisterMachine` message.
     * @param machine the machine to register, whose key signs
     * @param unit the machine's unit
     * @param provider the machine's provider
     * @param partPrice the machine's part price
     * @param deadline the last timestamp the signature is valid at
     * @return structHash the hash the service wraps in its domain
     */
    function registrationHash(
        address machine,
        address unit,
        address provider,
        uint96 partPrice,
        uint256 deadline
    ) internal pure returns (bytes32 structHash) {
        return keccak256(abi.encode(REGISTER_MACHINE_TYPEHASH, machine, unit, provider, partPrice, deadline));
    }

    /**
     * @notice Revert with {IMaintenanceService-MaintenanceServiceInvalidSignature} unless
     * `signature` is the machine's over `digest`: an ECDSA signature of its key or, for a machine
     * that is a contract, one its ERC-1271 `isValidSignature` accepts.
     * @param machine the machine that signed
     * @param digest the EIP-712 digest of its `RegisterMachine` message
     * @param signature the signature
     */
    function checkSignature(address machine, bytes32 digest, bytes calldata signature) internal view {
        if (!SignatureChecker.isValidSignatureNow(machine, digest, signature)) {
            revert IMaintenanceService.MaintenanceServiceInvalidSignature(machine);
        }
    }

    /**
     * @notice Revert unless `machine` may be registered with `unit` and `provider`: it is not the
     * zero address, the parties pass {checkParties}, and it has no record yet.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceInvalidMachine}, as {checkParties},
     * or with {IMaintenanceService-MaintenanceServiceMachineAlreadyRegistered}, in that order.
     * @param m the machine's record
     * @param machine the machine
     * @param unit the unit it is to have
     * @param provider the provider it is to have
     */
    function checkRegistration(
        IMaintenanceService.Machine storage m,
        address machine,
        address unit,
        address provider
    ) internal view {
        if (machine == address(0)) revert IMaintenanceService.MaintenanceServiceInvalidMachine(machine);
        checkParties(unit, provider);
        address owner = m.owner;
        if (owner != address(0)) revert IMaintenanceService.MaintenanceServiceMachineAlreadyRegistered(machine, owner);
    }

    /**
     * @notice Revert unless `settings` may be a machine's: its parties pass {checkParties} and
     * its count thresholds {MaintenanceReadings-checkCountThresholds}.
     * @param settings the proposed settings
     */
    function checkSettings(IMaintenanceService.Settings calldata settings) internal pure {
        checkParties(settings.unit, settings.provider);
        MaintenanceReadings.checkCountThresholds(settings.thresholds);
    }

    /**
     * @notice Revert with {IMaintenanceService-MaintenanceServiceInvalidUnit} or
     * {IMaintenanceService-MaintenanceServiceInvalidProvider} if either party is the zero address.
     * @param unit the machine's unit
     * @param provider the machine's provider
     */
    function checkParties(address unit, address provider) internal pure {
        if (unit == address(0)) revert IMaintenanceService.MaintenanceServiceInvalidUnit(unit);
        if (provider == address(0)) revert IMaintenanceService.MaintenanceServiceInvalidProvider(provider);
    }

    /**
     * @notice Revert unless `caller` is the unit of registered machine `machine`.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceUnknownMachine} or
     * {IMaintenanceService-MaintenanceServiceUnauthorizedUnit}. A registered machine always has
     * a unit, so the unit alone tells whether it is registered.
     * @param m the machine's record
     * @param machine the machine
     * @param caller the account that acts
     */
    function checkUnit(IMaintenanceService.Machine storage m, address machine, address caller) internal view {
        address unit = m.unit;
        if (unit == address(0)) revert IMaintenanceService.MaintenanceServiceUnknownMachine(machine);
        if (caller != unit) revert IMaintenanceService.MaintenanceServiceUnauthorizedUnit(machine, caller);
    }

    /**
     * @notice Revert unless `caller` is the owner of registered machine `machine`.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceUnknownMachine} or
     * {IMaintenanceService-MaintenanceServiceUnauthorizedOwner}.
     * @param m the machine's record
     * @param machine the machine
     * @param caller the account that acts
     */
    function checkOwner(IMaintenanceService.Machine storage m, address machine, address caller) internal view {
        address owner = m.owner;
        if (owner == address(0)) revert IMaintenanceService.MaintenanceServiceUnknownMachine(machine);
        if (caller != owner) revert IMaintenanceService.MaintenanceServiceUnauthorizedOwner(machine, caller);
    }

    /**
     * @notice Revert unless `caller` may propose settings for registered machine `machine`: its
     * owner, whose proposal waits, or its unit, whose proposal applies at once.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceUnknownMachine} or
     * {IMaintenanceService-MaintenanceServiceUnauthorizedProposer}.
     * @param m the machine's record
     * @param machine the machine
     * @param caller the account that proposes
     * @return byUnit whether `caller` is the machine's unit
     */
    function checkProposer(
        IMaintenanceService.Machine storage m,
        address machine,
        address caller
    ) internal view returns (bool byUnit) {
        address owner = m.owner;
        if (owner == address(0)) revert IMaintenanceService.MaintenanceServiceUnknownMachine(machine);
        byUnit = caller == m.unit;
        if (!byUnit && caller != owner) {
            revert IMaintenanceService.MaintenanceServiceUnauthorizedProposer(machine, caller);
        }
    }

    /**
     * @notice Revert unless `caller`, the owner or the unit of registered machine `machine`, may
     * request service for it by hand.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceUnknownMachine} or
     * {IMaintenanceService-MaintenanceServiceUnauthorizedRequester}.
     * @param m the machine's record
     * @param machine the machine
     * @param caller the account that requests
     */
    function checkRequester(IMaintenanceService.Machine storage m, address machine, address caller) internal view {
        address owner = m.owner;
        if (owner == address(0)) revert IMaintenanceService.MaintenanceServiceUnknownMachine(machine);
        if (caller != owner && caller != m.unit) {
            revert IMaintenanceService.MaintenanceServiceUnauthorizedRequester(machine, caller);
        }
    }

    /**
     * @notice Revert unless settings proposed for `machine` are pending and in force by now, so
     * anyone may apply them.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceNoPendingSettings} or
     * {IMaintenanceService-MaintenanceServiceSettingsNotDue}.
     * @param machine the machine
     * @param effectiveAt when the pending settings come into force, zero when there are none
     */
    function checkDue(address machine, uint48 effectiveAt) internal view {
        if (effectiveAt == 0) revert IMaintenanceService.MaintenanceServiceNoPendingSettings(machine);
        if (Time.timestamp() < effectiveAt) {
            revert IMaintenanceService.MaintenanceServiceSettingsNotDue(machine, effectiveAt);
        }
    }
}
