import { expect } from "chai";
import { HDNodeWallet, Mnemonic } from "ethers";
import {
  accountWallet,
  chainAccounts,
  DEFAULT_MNEMONIC,
  deviceIndex,
  deviceWallet,
  MNEMONIC_ENV,
  PARTICIPANT_KINDS,
  participantWallet,
  projectMnemonic,
  SYSTEM_ROLES,
  systemWallet,
} from "../../../src/chains/accounts";
import {
  MnemonicError,
  UnlistedDeviceError,
  UnknownParticipantError,
  UnknownRoleError,
} from "../../../src/chains/errors";
import { partitionDocument } from "./helpers";

const DEVICES = ["01", "02", "03", "04", "05"];
const OTHER_MNEMONIC = "test test test test test test test test test test test junk";

describe("src/chains/accounts", () => {
  it("uses a valid documented development mnemonic unless COMMCHAIN_MNEMONIC is set", () => {
    expect(Mnemonic.isValidMnemonic(DEFAULT_MNEMONIC)).to.equal(true);
    expect(projectMnemonic({})).to.equal(DEFAULT_MNEMONIC);
    expect(projectMnemonic({ [MNEMONIC_ENV]: "  " })).to.equal(DEFAULT_MNEMONIC);
    expect(projectMnemonic({ [MNEMONIC_ENV]: ` ${OTHER_MNEMONIC} ` })).to.equal(OTHER_MNEMONIC);
    expect(() => projectMnemonic({ [MNEMONIC_ENV]: "not a mnemonic at all" })).to.throw(
      MnemonicError,
      "COMMCHAIN_MNEMONIC is not a valid BIP-39 mnemonic",
    );
  });

  it("gives device i the standard path m/44'/60'/0'/0/i, i its position in graph.nodes", () => {
    const doc = partitionDocument(DEVICES, [DEVICES]);
    for (const [i, id] of DEVICES.entries()) {
      const expected = HDNodeWallet.fromPhrase(DEFAULT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
      expect(deviceIndex(id, doc)).to.equal(i);
      expect(deviceWallet(id, doc).address).to.equal(expected.address);
      expect(deviceWallet(id, DEVICES).privateKey).to.equal(expected.privateKey);
      expect(deviceWallet(id, { devices: DEVICES }).address).to.equal(expected.address);
    }
    expect(deviceWallet("01", DEVICES, OTHER_MNEMONIC).address).to.equal(
      HDNodeWallet.fromPhrase(OTHER_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address,
    );
    // The address depends on the position, not the id: the same id elsewhere in the list moves.
    expect(deviceWallet("01", ["00", "01"]).address).to.equal(deviceWallet("02", DEVICES).address);
  });

  it("names an unknown device", () => {
    expect(() => deviceWallet("99", DEVICES)).to.throw(
      UnlistedDeviceError,
      'device "99" is not in the partition\'s device list (graph.nodes)',
    );
  });

  it("puts system roles on their own branch m/44'/60'/1'/0/<role index>", () => {
    expect(SYSTEM_ROLES).to.deep.equal(["deployer", "relayer", "writer", "minter", "orderer", "cloud"]);
    const addresses = SYSTEM_ROLES.map((role, i) => {
      const wallet = systemWallet(role);
      expect(wallet.address).to.equal(
        HDNodeWallet.fromPhrase(DEFAULT_MNEMONIC, undefined, `m/44'/60'/1'/0/${i}`).address,
      );
      expect(accountWallet("system", i).address).to.equal(wallet.address);
      return wallet.address;
    });
    const devices = DEVICES.map((id) => deviceWallet(id, DEVICES).address);
    expect(new Set([...addresses, ...devices]).size).to.equal(addresses.length + devices.length);
    expect(() => systemWallet("owner")).to.throw(
      UnknownRoleError,
      'system role "owner" is unknown; the roles are deployer, relayer, writer, minter, orderer, cloud',
    );
  });

  it("funds every system account and the members on a chain, a bridge device with the same account on each of its chains", () => {
    const first = chainAccounts({ members: ["01", "02", "03"] }, DEVICES);
    const second = chainAccounts({ members: ["03", "04", "05"] }, DEVICES);
    expect(first.map((a) => [a.kind, a.name, a.index, a.path])).to.deep.equal([
      ["system", "deployer", 0, "m/44'/60'/1'/0/0"],
      ["system", "relayer", 1, "m/44'/60'/1'/0/1"],
      ["system", "writer", 2, "m/44'/60'/1'/0/2"],
      ["system", "minter", 3, "m/44'/60'/1'/0/3"],
      ["system", "orderer", 4, "m/44'/60'/1'/0/4"],
      ["system", "cloud", 5, "m/44'/60'/1'/0/5"],
      ["device", "01", 0, "m/44'/60'/0'/0/0"],
      ["device", "02", 1, "m/44'/60'/0'/0/1"],
      ["device", "03", 2, "m/44'/60'/0'/0/2"],
    ]);
    const bridgeOnFirst = first.find((a) => a.name === "03");
    const bridgeOnSecond = second.find((a) => a.name === "03");
    expect(bridgeOnFirst).to.deep.equal(bridgeOnSecond);
    expect(bridgeOnFirst?.address).to.equal(deviceWallet("03", DEVICES).address);
    expect(HDNodeWallet.fromPhrase(DEFAULT_MNEMONIC, undefined, "m/44'/60'/0'/0/2").privateKey).to.equal(
      bridgeOnFirst?.privateKey,
    );
    expect(() => chainAccounts({ members: ["01", "zz"] }, DEVICES)).to.throw(UnlistedDeviceError, '"zz"');
  });

  it("puts each community's provider and third party on their own branch m/44'/60'/2'/0, two indexes per community", () => {
    expect(PARTICIPANT_KINDS).to.deep.equal(["provider", "thirdParty"]);
    const path = (i: number) => HDNodeWallet.fromPhrase(DEFAULT_MNEMONIC, undefined, `m/44'/60'/2'/0/${i}`).address;
    expect(participantWallet("provider", 1).address).to.equal(path(0));
    expect(participantWallet("thirdParty", 1).address).to.equal(path(1));
    expect(participantWallet("provider", 3).address).to.equal(path(4));
    expect(participantWallet("thirdParty", 3, OTHER_MNEMONIC).address).to.equal(
      HDNodeWallet.fromPhrase(OTHER_MNEMONIC, undefined, "m/44'/60'/2'/0/5").address,
    );
    const participants = [1, 2, 3].flatMap((c) => PARTICIPANT_KINDS.map((kind) => participantWallet(kind, c).address));
    const others = [
      ...SYSTEM_ROLES.map((role) => systemWallet(role).address),
      ...DEVICES.map((id) => deviceWallet(id, DEVICES).address),
    ];
    expect(new Set([...participants, ...others]).size).to.equal(participants.length + others.length);
    expect(() => participantWallet("provider", 0)).to.throw(
      UnknownParticipantError,
      'participant "provider" of community 0: the community number must be an integer ≥ 1',
    );
    expect(() => participantWallet("auditor" as never, 1)).to.throw(
      UnknownParticipantError,
      "the kinds are provider, thirdParty",
    );
  });
});
