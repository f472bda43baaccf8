// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {IMaintenanceService} from "./IMaintenanceService.sol";

/**
 * @title MaintenanceReadings
 * @notice The counting rule of BPIIoT's `maintenanceService` (Table 1, lines 7–20): how readings
 * move a machine's temperature and vibration counts against its thresholds, and when a count
 * fires (a service request or a part order) and resets.
 * @dev Internal functions only, so the compiler inlines them into {MaintenanceService}: nothing
 * to deploy or link. A machine starts with the paper's thresholds ({defaultThresholds}) and any
 * thresholds set later pass {checkCountThresholds}. A report opens a {Tally} from the machine's
 * record ({open}), counts every reading in memory ({count}, {countAll}) and writes the two
 * counters back once ({save}); what fired is left in the tally for the service to record and pay.
 */
library MaintenanceReadings {
    /// @notice The paper's TempThreshold: readings above this temperature count towards a part order.
    int32 internal constant DEFAULT_TEMP_THRESHOLD = 200;
    /// @notice The paper's TempCountThreshold: a part is ordered when the temperature count exceeds it.
    uint32 internal constant DEFAULT_TEMP_COUNT_THRESHOLD = 1000;
    /// @notice The paper's VibraThreshold: readings above this vibration frequency count towards a service request.
    uint32 internal constant DEFAULT_VIBRA_THRESHOLD = 100;
    /// @notice The paper's VibraCountThreshold: service is requested when the vibration count exceeds it.
    uint32 internal constant DEFAULT_VIBRA_COUNT_THRESHOLD = 1000;
    /// @notice The largest count threshold: a count must still fit in 32 bits once it exceeds it.
    uint32 internal constant MAX_COUNT_THRESHOLD = type(uint32).max - 1;

    /// @notice The running counts of one report, kept in memory so storage is written once.
    /// @param tempThreshold a temperature above it counts
    /// @param tempCountThreshold a part is ordered when the temperature count exceeds it
    /// @param vibraThreshold a vibration frequency above it counts
    /// @param vibraCountThreshold service is requested when the vibration count exceeds it
    /// @param tempCount the temperature count so far
    /// @param vibraCount the vibration count so far
    /// @param requests the service requests fired so far
    /// @param orders the part orders fired so far
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

    /**
     * @notice A tally of the thresholds and current counts of machine `m`, nothing fired yet.
     * @param m the machine's record
     * @return tally the opened tally
     */
    function open(IMaintenanceService.Machine storage m) internal view returns (Tally memory tally) {
        IMaintenanceService.Thresholds memory t = m.thresholds;
        tally.tempThreshold = t.tempThreshold;
        tally.tempCountThreshold = t.tempCountThreshold;
        tally.vibraThreshold = t.vibraThreshold;
        tally.vibraCountThreshold = t.vibraCountThreshold;
        tally.tempCount = m.tempCount;
        tally.vibraCount = m.vibraCount;
    }

    /**
     * @notice Count one reading: count, then fire and reset a count past its threshold.
     * @dev Comparisons are strict: a reading equal to its threshold does not count, and a count
     * fires once it exceeds its count threshold.
     * @param tally the open tally
     * @param temp the temperature read
     * @param vibra the vibration frequency read
     */
    function count(Tally memory tally, int32 temp, uint32 vibra) internal pure {
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

    /**
     * @notice Revert unless `temps` and `vibras` are a batch of readings: as many of each, and at
     * least one.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceReadingsLengthMismatch} or
     * {IMaintenanceService-MaintenanceServiceEmptyBatch}.
     * @param machine the machine the batch is for
     * @param temps the temperatures read
     * @param vibras the vibration frequencies read
     * @return readings the number of readings in the batch
     */
    function checkBatch(
        address machine,
        int32[] calldata temps,
        uint32[] calldata vibras
    ) internal pure returns (uint256 readings) {
        readings = temps.length;
        uint256 vibraReadings = vibras.length;
        if (readings != vibraReadings) {
            revert IMaintenanceService.MaintenanceServiceReadingsLengthMismatch(readings, vibraReadings);
        }
        if (readings == 0) revert IMaintenanceService.MaintenanceServiceEmptyBatch(machine);
    }

    /**
     * @notice Count readings `(temps[i], vibras[i])` in order, as {count} does one.
     * @dev The caller checks that both arrays have the same length ({checkBatch}).
     * @param tally the open tally
     * @param temps the temperatures read
     * @param vibras the vibration frequencies read, as many as `temps`
     */
    function countAll(Tally memory tally, int32[] calldata temps, uint32[] calldata vibras) internal pure {
        uint256 readings = temps.length;
        for (uint256 i = 0; i < readings; ++i) {
            count(tally, temps[i], vibras[i]);
        }
    }

    /**
     * @notice Write the tally's counts back to machine `m`.
     * @param tally the tally after counting
     * @param m the machine's record the tally was opened from
     * @return tempCount the machine's temperature count now
     * @return vibraCount the machine's vibration count now
     */
    function save(
        Tally memory tally,
        IMaintenanceService.Machine storage m
    ) internal returns (uint32 tempCount, uint32 vibraCount) {
        // Both counts are at most their count threshold after counting, or unchanged: they fit.
        tempCount = uint32(tally.tempCount);
        vibraCount = uint32(tally.vibraCount);
        m.tempCount = tempCount;
        m.vibraCount = vibraCount;
    }

    /**
     * @notice The paper's thresholds, which every machine starts with.
     * @return thresholds the defaults
     */
    function defaultThresholds() internal pure returns (IMaintenanceService.Thresholds memory thresholds) {
        return
            IMaintenanceService.Thresholds({
                tempThreshold: DEFAULT_TEMP_THRESHOLD,
                tempCountThreshold: DEFAULT_TEMP_COUNT_THRESHOLD,
                vibraThreshold: DEFAULT_VIBRA_THRESHOLD,
                vibraCountThreshold: DEFAULT_VIBRA_COUNT_THRESHOLD
            });
    }

    /**
     * @notice Revert with {IMaintenanceService-MaintenanceServiceInvalidCountThreshold} unless both
     * count thresholds of `t` are in 1..{MAX_COUNT_THRESHOLD}.
     * @param t the thresholds a machine is to use
     */
    function checkCountThresholds(IMaintenanceService.Thresholds calldata t) internal pure {
        uint32 tempCountThreshold = t.tempCountThreshold;
        uint32 vibraCountThreshold = t.vibraCountThreshold;
        if (
            tempCountThreshold == 0 ||
            vibraCountThreshold == 0 ||
            tempCountThreshold > MAX_COUNT_THRESHOLD ||
            vibraCountThreshold > MAX_COUNT_THRESHOLD
        ) revert IMaintenanceService.MaintenanceServiceInvalidCountThreshold(tempCountThreshold, vibraCountThreshold);
    }
}
