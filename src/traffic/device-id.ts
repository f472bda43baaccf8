// One rule for what a device id may be, shared by every reader that takes ids from outside
// (the traffic log, partition.json) and by the code that turns an id into a directory name.
// An id becomes a path segment (`<stateDir>/<id>`) and an on-chain identity string, so it
// must not escape its parent directory and must fit `Register.register`.

import { TrafficError } from "./errors";

/** `Register.MAX_ID_LENGTH` (contracts/identity/Register.sol): longer ids revert at registration. */
export const MAX_DEVICE_ID_BYTES = 64;

/** C0, DEL and C1 controls: they break CSV lines, terminals and the graph's NUL-joined pair keys. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `id` is not a valid device id, or `undefined` if it is one: 1 to {@link MAX_DEVICE_ID_BYTES}
 * bytes of UTF-8, no `/` or `\`, no control character, and neither `.` nor `..`.
 */
export function checkDeviceId(id: string): string | undefined {
  if (id === "") return "is empty";
  if (CONTROL_CHARACTER.test(id)) return `${JSON.stringify(id)} contains a control character`;
  const bytes = Buffer.byteLength(id, "utf8");
  if (bytes > MAX_DEVICE_ID_BYTES)
    return `${JSON.stringify(id)} is ${bytes} bytes of UTF-8, more than the ${MAX_DEVICE_ID_BYTES} Register accepts`;
  if (id.includes("/") || id.includes("\\")) return `${JSON.stringify(id)} contains a path separator ('/' or '\\')`;
  if (id === "." || id === "..") return `${JSON.stringify(id)} is a relative directory name, not a device id`;
  return undefined;
}

/** A device id that {@link checkDeviceId} refuses; `where` names the input (file, line, field). */
export class DeviceIdError extends TrafficError {
  constructor(
    readonly where: string,
    readonly id: string,
    readonly problem: string,
  ) {
    super(`${where}: device id ${problem}`);
  }
}

/** Returns `id` if valid, else throws a {@link DeviceIdError} naming `where`. */
export function assertDeviceId(id: string, where: string): string {
  const problem = checkDeviceId(id);
  if (problem !== undefined) throw new DeviceIdError(where, id, problem);
  return id;
}
