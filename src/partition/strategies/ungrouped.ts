import type { DeviceId } from "../../traffic/types";
import { compareDeviceIds } from "../order";
import type { Grouping } from "./grouping";

/** The undivided ledger: one chain that every device stores (the first row of Table I). */
export function ungroupedGrouping(devices: readonly DeviceId[]): Grouping {
  return { name: "ungrouped", groups: devices.length === 0 ? [] : [[...devices].sort(compareDeviceIds)] };
}
