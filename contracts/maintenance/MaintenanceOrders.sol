// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.24;

import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IMaintenanceService} from "./IMaintenanceService.sol";

/**
 * @title MaintenanceOrders
 * @notice The rules of what a count orders (Table 1, lines 12–20): a part order, what a report
 * pays for its orders, and who may pay an order later; a service request, and which step of its
 * lifecycle (requested, accepted, completed or cancelled) who may take.
 * @dev Internal functions only, so the compiler inlines them into {MaintenanceService}: nothing
 * to deploy or link. The functions check and compute; the service writes the records, emits the
 * events and moves the tokens.
 */
library MaintenanceOrders {
    /**
     * @notice The record of a part order a report pays for, dated now.
     * @dev Recorded `Paid` before the transfer, so a token calling back finds nothing to pay
     * again; the service marks it `Unpaid` if the transfer fails.
     * @param machine the machine the part is for
     * @param provider the provider the part is paid to
     * @param payer the machine's unit, which pays
     * @param price the machine's part price
     * @return order the record
     */
    function paidOrder(
        address machine,
        address provider,
        address payer,
        uint96 price
    ) internal view returns (IMaintenanceService.PartOrder memory order) {
        return
            IMaintenanceService.PartOrder({
                machine: machine,
                orderedAt: Time.timestamp(),
                status: IMaintenanceService.PartOrderStatus.Paid,
                payer: payer,
                price: price,
                provider: provider
            });
    }

    /**
     * @notice What a report pays for the `orders` parts it ordered, in one transfer.
     * @param price the machine's part price
     * @param orders the part orders the report fired
     * @return amount the total, which cannot overflow: a price fits in 96 bits
     */
    function batchPrice(uint96 price, uint256 orders) internal pure returns (uint256 amount) {
        return uint256(price) * orders;
    }

    /**
     * @notice Revert unless `caller` may pay part order `orderId` now: the order exists and is
     * `Unpaid`, and `caller` is its payer or its machine's owner.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceUnknownPartOrder},
     * {IMaintenanceService-MaintenanceServicePartOrderNotUnpaid} or
     * {IMaintenanceService-MaintenanceServiceUnauthorizedPayer}, in that order. The owner is read
     * only when `caller` is not the payer.
     * @param order the order's record
     * @param orderId the order
     * @param caller the account that pays
     * @param machines the service's machine records
     * @return machine the machine the order is for
     */
    function checkPayable(
        IMaintenanceService.PartOrder storage order,
        uint256 orderId,
        address caller,
        mapping(address machine => IMaintenanceService.Machine) storage machines
    ) internal view returns (address machine) {
        IMaintenanceService.PartOrderStatus status = order.status;
        if (status == IMaintenanceService.PartOrderStatus.None) {
            revert IMaintenanceService.MaintenanceServiceUnknownPartOrder(orderId);
        }
        if (status != IMaintenanceService.PartOrderStatus.Unpaid) {
            revert IMaintenanceService.MaintenanceServicePartOrderNotUnpaid(orderId, status);
        }
        machine = order.machine;
        if (caller != order.payer && caller != machines[machine].owner) {
            revert IMaintenanceService.MaintenanceServiceUnauthorizedPayer(orderId, caller);
        }
    }

    /**
     * @notice The record of a service request raised now, waiting for its provider to accept it.
     * @param machine the machine to service
     * @param provider the machine's provider, who accepts and completes the request
     * @param requester the account that raised it: the unit for a vibration request, the owner or
     * the unit for a manual one
     * @param origin why it was raised
     * @return request the record
     */
    function openedRequest(
        address machine,
        address provider,
        address requester,
        IMaintenanceService.RequestOrigin origin
    ) internal view returns (IMaintenanceService.ServiceRequest memory request) {
        request.machine = machine;
        request.requestedAt = Time.timestamp();
        request.provider = provider;
        request.status = IMaintenanceService.RequestStatus.Requested;
        request.origin = origin;
        request.requester = requester;
    }

    /**
     * @notice Revert with {IMaintenanceService-MaintenanceServiceUnknownRequest} unless service
     * request `requestId` exists.
     * @param request the request's record
     * @param requestId the request
     */
    function checkKnown(IMaintenanceService.ServiceRequest storage request, uint256 requestId) internal view {
        if (request.status == IMaintenanceService.RequestStatus.None) {
            revert IMaintenanceService.MaintenanceServiceUnknownRequest(requestId);
        }
    }

    /**
     * @notice Revert unless `caller` may move service request `requestId` on from `expected`:
     * the request exists, `caller` is its provider, and its status is `expected`.
     * @dev Reverts with {IMaintenanceService-MaintenanceServiceUnknownRequest},
     * {IMaintenanceService-MaintenanceServiceUnauthorizedProvider} or
     * {IMaintenanceService-MaintenanceServiceUnexpectedRequestStatus}, in that order.
     * @param request the request's record
     * @param requestId the request
     * @param caller the account that takes the step
     * @param expected the status the step starts from
     */
    function checkProviderStep(
        IMaintenanceService.ServiceRequest storage request,
        uint256 requestId,
        address caller,
        IMaintenanceService.RequestStatus expected
    ) internal view {
        checkKnown(request, requestId);
        if (caller != request.provider) {
            revert IMaintenanceService.MaintenanceServiceUnauthorizedProvider(requestId, caller);
        }
        IMaintenanceService.RequestStatus status = request.status;
        if (status != expected) {
            bytes32 expectedStates = statusBit(expected);
            revert IMaintenanceService.MaintenanceServiceUnexpectedRequestStatus(requestId, status, expectedStates);
        }
    }

    /**
     * @notice Revert with {IMaintenanceService-MaintenanceServiceUnexpectedRequestStatus} unless
     * a request in `status` can still be cancelled: it is requested or accepted, not yet done.
     * @param status the request's status
     * @param requestId the request
     */
    function checkCancellable(IMaintenanceService.RequestStatus status, uint256 requestId) internal pure {
        if (
            status != IMaintenanceService.RequestStatus.Requested &&
            status != IMaintenanceService.RequestStatus.Accepted
        ) {
            bytes32 cancellable =
                statusBit(IMaintenanceService.RequestStatus.Requested) |
                    statusBit(IMaintenanceService.RequestStatus.Accepted);
            revert IMaintenanceService.MaintenanceServiceUnexpectedRequestStatus(requestId, status, cancellable);
        }
    }

    /**
     * @notice The bit of `status` in the `expectedStates` set of
     * {IMaintenanceService-MaintenanceServiceUnexpectedRequestStatus}.
     * @param status a request status
     * @return bit `1 << status`
     */
    function statusBit(IMaintenanceService.RequestStatus status) internal pure returns (bytes32 bit) {
        return bytes32(1 << uint8(status));
    }
}
