import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { artifacts } from "hardhat";

/**
 * The external ABI of the deployed contracts is a contract with the off-chain code (relays,
 * light clients, the maintenance gateway) and with deployments already on chain: a refactor of
 * the Solidity must not change it. The snapshots in `abi/` were written from the contracts
 * before they were split into interface + implementation (+ library), so this test proves the
 * split kept every function, event and error with the same name, inputs, outputs, mutability and
 * indexing.
 *
 * Entries are compared as sets (the compiler orders errors and events as it meets them). The one
 * field normalised is `internalType`, the compiler's note of where a Solidity type is declared: a
 * struct or enum that moved from `AnchorHub` to `IAnchorHub` reads `struct IAnchorHub.Checkpoint`
 * instead of `struct AnchorHub.Checkpoint`; the encoding, selectors and topics are the same, so
 * the qualifier (the contract or its `I`-interface) is dropped on both sides. Any other change,
 * including a renamed struct or enum, still fails.
 */

const ACCESS_CONTROL = "@openzeppelin/contracts/access/AccessControl.sol:AccessControl";
const EIP712 = "@openzeppelin/contracts/utils/cryptography/EIP712.sol:EIP712";

const CONTRACTS = [
  {
    name: "AnchorHub",
    artifact: "contracts/anchor/AnchorHub.sol:AnchorHub",
    iface: "contracts/anchor/IAnchorHub.sol:IAnchorHub",
    bases: [ACCESS_CONTROL],
  },
  {
    name: "RecordLog",
    artifact: "contracts/anchor/RecordLog.sol:RecordLog",
    iface: "contracts/anchor/IRecordLog.sol:IRecordLog",
    bases: [ACCESS_CONTROL],
  },
  {
    name: "MaintenanceService",
    artifact: "contracts/maintenance/MaintenanceService.sol:MaintenanceService",
    iface: "contracts/maintenance/IMaintenanceService.sol:IMaintenanceService",
    bases: [ACCESS_CONTROL, EIP712],
  },
] as const;

interface AbiEntry {
  readonly type: string;
  readonly name?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `value` with `internalType` qualifiers of `contract` (or `I<contract>`) dropped. */
function normalise(value: Json, contract: string): Json {
  if (Array.isArray(value)) return value.map((item) => normalise(item, contract));
  if (value === null || typeof value !== "object") return value;
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value).sort()) {
    const field = value[key];
    out[key] =
      key === "internalType" && typeof field === "string"
        ? field.replace(new RegExp(`^(struct|enum) I?${contract}\\.`), "$1 ")
        : normalise(field, contract);
  }
  return out;
}

/** The ABI as a sorted list of canonical JSON entries. */
function entrySet(abi: readonly Json[], contract: string): string[] {
  return abi.map((entry) => JSON.stringify(normalise(entry, contract))).sort();
}

function snapshot(name: string): Json[] {
  return JSON.parse(readFileSync(path.join(__dirname, "abi", `${name}.json`), "utf8")) as Json[];
}

describe("ABI stability: the contracts' ABIs equal the committed snapshots", () => {
  for (const { name, artifact, iface, bases } of CONTRACTS) {
    it(`${name} has exactly the snapshot's functions, events and errors`, async () => {
      const { abi } = await artifacts.readArtifact(artifact);
      const actual = entrySet(abi as Json[], name);
      const expected = entrySet(snapshot(name), name);
      expect(
        actual.filter((entry) => !expected.includes(entry)),
        "entries not in the snapshot",
      ).to.deep.equal([]);
      expect(
        expected.filter((entry) => !actual.includes(entry)),
        "snapshot entries missing",
      ).to.deep.equal([]);
      expect(actual).to.deep.equal(expected);
    });

    it(`I${name} declares only entries of ${name}'s ABI`, async () => {
      const { abi } = await artifacts.readArtifact(iface);
      const contract = new Set(entrySet(snapshot(name), name));
      expect(entrySet(abi as Json[], name).filter((entry) => !contract.has(entry))).to.deep.equal([]);
    });

    it(`I${name} declares every function, event and error of ${name} but its constants and OpenZeppelin's`, async () => {
      const inherited = new Set<string>();
      for (const base of bases) {
        for (const entry of (await artifacts.readArtifact(base)).abi as AbiEntry[])
          inherited.add(`${entry.type} ${entry.name}`);
      }
      const declared = new Set(
        ((await artifacts.readArtifact(iface)).abi as AbiEntry[]).map((entry) => `${entry.type} ${entry.name}`),
      );
      const own = (snapshot(name) as unknown as AbiEntry[])
        .filter((entry) => entry.name !== undefined && !/^[A-Z0-9_]+$/.test(entry.name))
        // Errors of the libraries used (SafeCast, SafeERC20, ...) are in the ABI too; the contract's own start with its name.
        .filter((entry) => entry.type !== "error" || entry.name!.startsWith(name))
        .map((entry) => `${entry.type} ${entry.name}`)
        .filter((key) => !inherited.has(key));
      expect(own.filter((key) => !declared.has(key))).to.deep.equal([]);
    });
  }
});
