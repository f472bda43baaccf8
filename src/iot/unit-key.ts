/**
 * A device's own key, kept on the device: an IoT unit can run from a key file instead of an index
 * on the project mnemonic, so the one phrase that derives every other key never has to be on a
 * device, and a device key that leaks is that device's alone.
 */
import fs from "node:fs";
import { Wallet, type HDNodeWallet } from "ethers";
import { IoTConfigError } from "./errors";

/** Environment variable holding the password of an encrypted JSON keystore key file. */
export const UNIT_KEY_PASSWORD_ENV = "COMMCHAIN_UNIT_KEY_PASSWORD";

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * Loads a unit's key file: an encrypted JSON keystore (Web3 Secret Storage, as geth, Clef and
 * ethers write it; password from `password` or `COMMCHAIN_UNIT_KEY_PASSWORD`), or a file holding
 * one hex private key, which must not be readable by group or others (mode 0600). Throws
 * {@link IoTConfigError} naming the file; the key itself is never put in a message.
 */
export function loadUnitKey(
  file: string,
  options: { password?: string; env?: NodeJS.ProcessEnv } = {},
): Wallet | HDNodeWallet {
  const option = "keyFile";
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new IoTConfigError(option, `${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!stat.isFile()) throw new IoTConfigError(option, `${file} is not a regular file`);
  const text = fs.readFileSync(file, "utf8").trim();
  if (text.startsWith("{")) {
    const password = options.password ?? (options.env ?? process.env)[UNIT_KEY_PASSWORD_ENV];
    if (password === undefined)
      throw new IoTConfigError(
        option,
        `${file} is an encrypted keystore: give its password in ${UNIT_KEY_PASSWORD_ENV}`,
      );
    try {
      return Wallet.fromEncryptedJsonSync(text, password);
    } catch (error) {
      throw new IoTConfigError(
        option,
        `${file} is not a keystore this password opens (${(error as Error).message.split("(")[0].trim()})`,
      );
    }
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new IoTConfigError(
      option,
      `${file} holds a plain private key and is readable by group or others (mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}); run chmod 600 ${file}`,
    );
  }
  if (!PRIVATE_KEY.test(text))
    throw new IoTConfigError(option, `${file} is neither an encrypted JSON keystore nor one 32-byte hex private key`);
  try {
    return new Wallet(text.startsWith("0x") ? text : `0x${text}`);
  } catch {
    throw new IoTConfigError(option, `${file} holds no valid secp256k1 private key (zero or above the curve order)`);
  }
}
