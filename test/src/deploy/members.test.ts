/**
 * Registering a community's member devices in its Register (in process): batches, the device
 * accounts and kind, skipping what is registered, and the conflicts that must stop it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deviceWallet } from "../../../src/chains/accounts";
import { DEVICE_KIND, MemberRegistrationError, memberAccounts, registerMembers } from "../../../src/deploy";
import { DEVICES, deployModules } from "./fixtures";

const chain = { members: DEVICES };
const topology = { devices: DEVICES };

async function blockNumber(): Promise<number> {
  return ethers.provider.getBlockNumber();
}

describe("deploy/members", () => {
  it("maps each member to its device wallet", () => {
    const members = memberAccounts({ members: ["03", "07"] }, topology);
    expect(members).to.deep.equal([
      { id: "03", account: deviceWallet("03", topology).address },
      { id: "07", account: deviceWallet("07", topology).address },
    ]);
    expect(members[0].account).to.not.equal(members[1].account);
  });

  it("registers all 44 devices in batches as kind Device with their accounts, then finds nothing to do", async () => {
    const { suite, deployer } = await loadFixture(deployModules);
    const register = suite.Register.connect(deployer);
    const members = memberAccounts(chain, topology);
    const lines: string[] = [];
    const start = await blockNumber();
    const result = await registerMembers(register, "community-1", members, {
      batchSize: 20,
      onProgress: (line) => lines.push(line),
    });
    expect(result).to.deep.equal({ registered: DEVICES, already: [], transactions: 44 });
    expect(await blockNumber()).to.equal(start + 44);
    expect(lines).to.deep.equal([
      "registered 20/44 member devices (20 now)",
      "registered 40/44 member devices (40 now)",
      "registered 44/44 member devices (44 now)",
    ]);
    for (const { id, account } of members) {
      expect(await register.addressOf(id)).to.equal(account);
      expect(await register.idOf(account)).to.equal(id);
      expect(await register.kindOf(account)).to.equal(DEVICE_KIND);
    }
    const again = await registerMembers(register, "community-1", members, { batchSize: 20 });
    expect(again).to.deep.equal({ registered: [], already: DEVICES, transactions: 0 });
    expect(await blockNumber()).to.equal(start + 44);
  });

  it("skips the members registered already and registers the others", async () => {
    const { suite, deployer } = await loadFixture(deployModules);
    const register = suite.Register.connect(deployer);
    const members = memberAccounts({ members: ["01", "02", "03", "04"] }, topology);
    await register.register(members[1].id, members[1].account, DEVICE_KIND);
    expect(await registerMembers(register, "community-1", members)).to.deep.equal({
      registered: ["01", "03", "04"],
      already: ["02"],
      transactions: 3,
    });
  });

  it("refuses a device whose id, account or kind is taken otherwise, naming chain and device", async () => {
    const { suite, deployer, stranger } = await loadFixture(deployModules);
    const register = suite.Register.connect(deployer);
    const [one, two, three] = memberAccounts({ members: ["01", "02", "03"] }, topology);
    await register.register("01", stranger.address, DEVICE_KIND);
    await register.register("someone-else", two.account, DEVICE_KIND);
    await register.register("03", three.account, 1n);
    const failure = (members: (typeof one)[]) =>
      registerMembers(register, "community-7", members).then(
        () => expect.fail("expected a rejection"),
        (error: Error) => error,
      );

    const taken = await failure([one]);
    expect(taken).to.be.instanceOf(MemberRegistrationError);
    expect(taken.message).to.equal(
      `chain community-7: device "01" is registered to ${stranger.address}, not to its device account ${one.account} (was COMMCHAIN_MNEMONIC changed?)`,
    );
    expect((await failure([two])).message).to.equal(
      `chain community-7: device "02" cannot be registered: its account ${two.account} already holds the identity "someone-else"`,
    );
    expect((await failure([three])).message).to.equal(
      'chain community-7: device "03" is registered with kind 1, not Device (0)',
    );
  });

  it("reports the Register's custom error when the signer is no registrar", async () => {
    const { suite, stranger } = await loadFixture(deployModules);
    const [member] = memberAccounts({ members: ["05"] }, topology);
    const error = await registerMembers(suite.Register.connect(stranger), "community-1", [member]).then(
      () => expect.fail("expected a rejection"),
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(MemberRegistrationError);
    expect(error.message).to.equal(
      `chain community-1: device "05" could not be registered to ${member.account}: RegisterUnauthorized(${stranger.address}, ${member.account})`,
    );
  });
});
