// Property-based tests of the incentive mechanism (BPIIoT VI.B.3): over random sequences of
// actions on one relationship, the token holds exactly the rewards an independent model says were
// minted, every balance matches the model, and no reward is ever paid twice. Records are added by
// either party: the device earns the upload reward for each, the adder pays its own bonus.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { Kind, RewardKind, UPLOAD_REWARD, VERIFICATION_REWARD, deployWithRelationship, pointer } from "./fixtures";

/** Runs per property: enough to mix every action kind, few enough to stay fast. */
const NUM_RUNS = 40;
const MAX_ACTIONS = 12;
const ETHER = ethers.parseEther("1");

type Action =
  | { kind: "add"; by: "device" | "provider"; bonus: bigint }
  | { kind: "attest"; record: number; verifier: number }
  | { kind: "authorize"; record: number; reader: number }
  | { kind: "revoke"; record: number; reader: number }
  | { kind: "pay"; amount: bigint }
  | { kind: "setReward"; reward: number; amount: bigint };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      by: fc.constantFrom("device" as const, "provider" as const),
      bonus: fc.constantFrom(0n, 0n, ETHER, 3n * ETHER, 25n * ETHER),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("attest" as const), record: fc.nat(6), verifier: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("authorize" as const), record: fc.nat(6), reader: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("revoke" as const), record: fc.nat(6), reader: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pay" as const), amount: fc.constantFrom(ETHER, 5n * ETHER, 40n * ETHER) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("setReward" as const), reward: fc.nat(1), amount: fc.constantFrom(0n, ETHER, 7n * ETHER) }) },
);

/** The relationship with two registered readers and both parties' standing approval for bonuses. */
async function deployForProperties() {
  const base = await deployWithRelationship();
  const { register, registrar, token, epr, device, provider, thirdParty, provider2 } = base;
  await register.connect(registrar).register("second-lab", provider2.address, Kind.ThirdParty);
  await token.connect(provider).approve(epr, ethers.MaxUint256);
  await token.connect(device).approve(epr, ethers.MaxUint256);
  return { ...base, readers: [thirdParty, provider2] };
}

/** What the test believes the chain holds, computed without reading the chain. */
interface Model {
  records: { contentHash: string; bonus: bigint; attested: boolean; readers: Set<string> }[];
  balances: Map<string, bigint>;
  minted: bigint;
  reward: bigint[];
}

/**
 * Every run starts with one record and the device paying its upload reward to the provider, so
 * the provider can attach bonuses from the first random action on (through the model like any action).
 */
const FUNDING: Action[] = [{ kind: "add", by: "provider", bonus: 0n }, { kind: "pay", amount: UPLOAD_REWARD }];

type Context = Awaited<ReturnType<typeof deployForProperties>>;

function credit(model: Model, account: string, amount: bigint) {
  model.balances.set(account, (model.balances.get(account) ?? 0n) + amount);
}

function balanceOf(model: Model, account: string) {
  return model.balances.get(account) ?? 0n;
}

/** Apply one action to the chain and to the model; a rejected action must leave both unchanged. */
async function step(ctx: Context, model: Model, action: Action) {
  const { epr, factory, token, admin, device, provider, verifier, verifier2, readers } = ctx;
  const eprAddress = await epr.getAddress();
  const count = model.records.length;
  switch (action.kind) {
    case "add": {
      const p = pointer(count + 100);
      const adder = action.by === "device" ? device : provider;
      const call = epr.connect(adder).addRecord(p.query, p.contentHash, p.uri, action.bonus);
      if (action.bonus > balanceOf(model, adder.address)) {
        await expect(call).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
        return;
      }
      await call;
      model.records.push({ contentHash: p.contentHash, bonus: action.bonus, attested: false, readers: new Set() });
      credit(model, adder.address, -action.bonus);
      credit(model, eprAddress, action.bonus);
      credit(model, device.address, model.reward[RewardKind.Upload]);
      model.minted += model.reward[RewardKind.Upload];
      return;
    }
    case "attest": {
      const who = [verifier, verifier2][action.verifier];
      if (count === 0) {
        await expect(epr.connect(who).attest(action.record, ethers.id("x")))
          .to.be.revertedWithCustomError(epr, "RelationshipUnknownRecord");
        return;
      }
      const id = action.record % count;
      const entry = model.records[id];
      const call = epr.connect(who).attest(id, entry.contentHash);
      if (entry.attested) {
        await expect(call).to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested");
        return;
      }
      await call;
      entry.attested = true;
      credit(model, eprAddress, -entry.bonus);
      credit(model, who.address, entry.bonus + model.reward[RewardKind.Verification]);
      model.minted += model.reward[RewardKind.Verification];
      return;
    }
    case "authorize":
    case "revoke": {
      if (count === 0) return;
      const id = action.record % count;
      const reader = readers[action.reader].address;
      const known = model.records[id].readers.has(reader);
      if (action.kind === "authorize") {
        const call = epr.connect(device).authorize(id, reader);
        if (known) return void (await expect(call).to.be.revertedWithCustomError(epr, "RelationshipAlreadyAuthorized"));
        await call;
        model.records[id].readers.add(reader);
      } else {
        const call = epr.connect(device).revoke(id, reader);
        if (!known) return void (await expect(call).to.be.revertedWithCustomError(epr, "RelationshipNotAuthorized"));
        await call;
        model.records[id].readers.delete(reader);
      }
      return;
    }
    case "pay": {
      // The device spends its rewards on maintenance: the only way the provider gets tokens for bonuses.
      const call = token.connect(device).transfer(provider.address, action.amount);
      if (action.amount > balanceOf(model, device.address)) {
        await expect(call).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
        return;
      }
      await call;
      credit(model, device.address, -action.amount);
      credit(model, provider.address, action.amount);
      return;
    }
    case "setReward": {
      await factory.connect(admin).setRewardAmount(action.reward, action.amount);
      model.reward[action.reward] = action.amount;
      return;
    }
  }
}

/** The chain agrees with the model: total supply, every balance, every reader. */
async function expectMatches(ctx: Context, model: Model) {
  const { token, epr, readers } = ctx;
  expect(await token.totalSupply()).to.equal(model.minted);
  for (const [account, amount] of model.balances) expect(await token.balanceOf(account)).to.equal(amount, account);
  expect(await epr.recordCount()).to.equal(BigInt(model.records.length));
  for (const [id, entry] of model.records.entries()) {
    for (const reader of readers) {
      expect(await epr.canRead(id, reader.address)).to.equal(entry.readers.has(reader.address));
    }
  }
}

async function run(actions: Action[]) {
  const ctx = await loadFixture(deployForProperties);
  const model: Model = {
    records: [], balances: new Map(), minted: 0n, reward: [UPLOAD_REWARD, VERIFICATION_REWARD],
  };
  for (const account of [ctx.device, ctx.provider, ctx.verifier, ctx.verifier2]) model.balances.set(account.address, 0n);
  model.balances.set(await ctx.epr.getAddress(), 0n);
  for (const action of [...FUNDING, ...actions]) await step(ctx, model, action);
  return { ctx, model };
}

describe("Rewards (property-based)", () => {
  it("total supply equals the rewards the model minted, and every balance matches, after any sequence", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: MAX_ACTIONS }), async (actions) => {
        const { ctx, model } = await run(actions);
        await expectMatches(ctx, model);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("never pays a reward twice: re-attesting any attested record reverts and changes no balance", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: MAX_ACTIONS }), async (actions) => {
        const { ctx, model } = await run(actions);
        const { epr, token, verifier, verifier2 } = ctx;
        const supply = await token.totalSupply();
        const accounts = [...model.balances.keys()];
        const before = await Promise.all(accounts.map((a) => token.balanceOf(a)));
        for (const [id, entry] of model.records.entries()) {
          if (!entry.attested) continue;
          for (const who of [verifier, verifier2]) {
            await expect(epr.connect(who).attest(id, entry.contentHash))
              .to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested");
          }
        }
        expect(await Promise.all(accounts.map((a) => token.balanceOf(a)))).to.deep.equal(before);
        expect(await token.totalSupply()).to.equal(supply);
        expect(supply).to.equal(model.minted);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
