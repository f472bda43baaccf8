// Property-based tests of the incentive mechanism (BPIIoT VI.B.3).
//
// 1. Model-based: over random sequences of actions on one accepted relationship, the token holds
//    exactly the rewards an independent model says were minted (rewards on attestation only, within
//    the per-relationship cap of each period), every balance matches the model, and no reward is
//    ever paid twice.
// 2. No free tokens: with no role held, any sequence of calls by unprivileged accounts (registering,
//    pairing up, adding records, signing attestations, accepting, rotating keys, asking for roles,
//    calling the minters directly) leaves the DataToken's total supply unchanged.
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import fc from "fast-check";
import {
  BONUS_REFUND_DELAY,
  Kind,
  REWARD_CAP,
  REWARD_PERIOD,
  RewardKind,
  SEED_TOKENS,
  UPLOAD_REWARD,
  VERIFICATION_REWARD,
  addPointer,
  attestAs,
  deployWithRelationship,
  pointer,
  relationshipAt,
  signAttestation,
  summaryAt,
} from "./fixtures";

/** Runs per property: enough to mix every action kind, few enough to stay fast. */
const NUM_RUNS = 40;
const MAX_ACTIONS = 14;
const ETHER = ethers.parseEther("1");

type Action =
  | { kind: "add"; by: "device" | "provider"; bonus: bigint }
  | { kind: "attest"; record: number; verifier: number }
  | { kind: "authorize"; record: number; reader: number }
  | { kind: "revoke"; record: number; reader: number }
  | { kind: "pay"; amount: bigint }
  | { kind: "setReward"; reward: number; amount: bigint }
  | { kind: "setCap"; cap: bigint }
  | { kind: "wait"; seconds: bigint }
  | { kind: "refund"; record: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      by: fc.constantFrom("device" as const, "provider" as const),
      bonus: fc.constantFrom(0n, 0n, ETHER, 3n * ETHER, 25n * ETHER),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("attest" as const), record: fc.nat(6), verifier: fc.nat(1) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("authorize" as const), record: fc.nat(6), reader: fc.nat(1) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("revoke" as const), record: fc.nat(6), reader: fc.nat(1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("pay" as const),
      amount: fc.constantFrom(ETHER, 5n * ETHER, 40n * ETHER),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("setReward" as const),
      reward: fc.nat(1),
      amount: fc.constantFrom(0n, ETHER, 7n * ETHER),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("setCap" as const), cap: fc.constantFrom(0n, 15n * ETHER, REWARD_CAP) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.constantFrom(REWARD_PERIOD, BONUS_REFUND_DELAY),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("refund" as const), record: fc.nat(6) }) },
);

/** The relationship with two registered readers, both parties seeded with tokens and approving the EPR for bonuses. */
async function deployForProperties() {
  const base = await deployWithRelationship();
  const { register, registrar, token, admin, epr, device, provider, thirdParty, provider2 } = base;
  await register.connect(registrar).register("second-lab", provider2.address, Kind.ThirdParty);
  for (const party of [device, provider]) {
    await token.connect(admin).mint(party.address, SEED_TOKENS);
    await token.connect(party).approve(epr, ethers.MaxUint256);
  }
  return { ...base, readers: [thirdParty, provider2] };
}

/** What the test believes the chain holds, computed without reading the chain. */
interface Model {
  records: {
    contentHash: string;
    objectDigest: string;
    bonus: bigint;
    addedBy: string;
    addedAt: bigint;
    attested: boolean;
    readers: Set<string>;
  }[];
  balances: Map<string, bigint>;
  minted: bigint;
  reward: bigint[];
  cap: bigint;
  /** Minted for the relationship in reward period `period`. */
  usage: { period: bigint; minted: bigint };
}

type Context = Awaited<ReturnType<typeof deployForProperties>>;

function credit(model: Model, account: string, amount: bigint) {
  model.balances.set(account, (model.balances.get(account) ?? 0n) + amount);
}

function balanceOf(model: Model, account: string) {
  return model.balances.get(account) ?? 0n;
}

async function blockTime(tx: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

/** The model's reward: what is left of the cap in the attestation's period. */
function payReward(model: Model, at: bigint, to: string, kind: number) {
  const requested = model.reward[kind];
  if (requested === 0n) return;
  const period = at / REWARD_PERIOD;
  if (model.usage.period !== period) model.usage = { period, minted: 0n };
  const left = model.usage.minted < model.cap ? model.cap - model.usage.minted : 0n;
  const paid = requested < left ? requested : left;
  model.usage.minted += paid;
  credit(model, to, paid);
  model.minted += paid;
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
      const call = addPointer(epr, adder, p, action.bonus);
      if (action.bonus > balanceOf(model, adder.address)) {
        await expect(call).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
        return;
      }
      const at = await blockTime(await call);
      model.records.push({
        contentHash: p.contentHash,
        objectDigest: p.objectDigest,
        bonus: action.bonus,
        addedBy: adder.address,
        addedAt: at,
        attested: false,
        readers: new Set(),
      });
      credit(model, adder.address, -action.bonus);
      credit(model, eprAddress, action.bonus);
      return;
    }
    case "attest": {
      const who = [verifier, verifier2][action.verifier];
      if (count === 0) {
        await expect(epr.connect(who).attest(action.record, ethers.id("x"), "0x")).to.be.revertedWithCustomError(
          epr,
          "RelationshipUnknownRecord",
        );
        return;
      }
      const id = action.record % count;
      const entry = model.records[id];
      const call = attestAs(epr, who, id, entry.objectDigest);
      if (entry.attested) {
        await expect(call).to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested");
        return;
      }
      const at = await blockTime(await call);
      entry.attested = true;
      credit(model, eprAddress, -entry.bonus);
      credit(model, who.address, entry.bonus);
      payReward(model, at, device.address, RewardKind.Upload);
      payReward(model, at, who.address, RewardKind.Verification);
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
      // The device spends tokens on maintenance: the provider gets tokens for bonuses.
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
    case "setCap": {
      await factory.connect(admin).setRewardCap(action.cap, Number(REWARD_PERIOD));
      model.cap = action.cap;
      return;
    }
    case "wait": {
      await time.increase(action.seconds);
      return;
    }
    case "refund": {
      if (count === 0) return;
      const id = action.record % count;
      const entry = model.records[id];
      const call = epr.connect(device).refundBonus(id);
      if (entry.attested)
        return void (await expect(call).to.be.revertedWithCustomError(epr, "RelationshipAlreadyAttested"));
      if (entry.bonus === 0n)
        return void (await expect(call).to.be.revertedWithCustomError(epr, "RelationshipNoBonus"));
      // The next block is at least one second after the latest.
      if (BigInt(await time.latest()) + 1n < entry.addedAt + BONUS_REFUND_DELAY) {
        return void (await expect(call).to.be.revertedWithCustomError(epr, "RelationshipBonusLocked"));
      }
      await call;
      credit(model, eprAddress, -entry.bonus);
      credit(model, entry.addedBy, entry.bonus);
      entry.bonus = 0n;
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
    records: [],
    balances: new Map(),
    minted: 2n * SEED_TOKENS,
    reward: [UPLOAD_REWARD, VERIFICATION_REWARD],
    cap: REWARD_CAP,
    usage: { period: -1n, minted: 0n },
  };
  for (const account of [ctx.verifier, ctx.verifier2]) model.balances.set(account.address, 0n);
  for (const account of [ctx.device, ctx.provider]) model.balances.set(account.address, SEED_TOKENS);
  model.balances.set(await ctx.epr.getAddress(), 0n);
  for (const action of actions) await step(ctx, model, action);
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
            await expect(attestAs(epr, who, id, entry.objectDigest)).to.be.revertedWithCustomError(
              epr,
              "RelationshipAlreadyAttested",
            );
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

// ---------------------------------------------------------------------------------------------
// No free tokens: unprivileged accounts only.

/** What an unprivileged account may try. Indexes pick among the attackers, their EPRs and records. */
type AttackerAction =
  | { kind: "registerSelf"; who: number; as: number }
  | { kind: "registerOther"; who: number; whom: number; as: number }
  | { kind: "createRelationship"; who: number; device: number; provider: number }
  | { kind: "addRecord"; who: number; epr: number; bonus: bigint }
  | { kind: "attest"; who: number; epr: number; record: number; honestDigest: boolean }
  | {
      kind: "decide";
      who: number;
      epr: number;
      decision: "acceptRelationship" | "rejectRelationship" | "deleteRelationship";
    }
  | { kind: "authorize"; who: number; epr: number; record: number; reader: number }
  | { kind: "rotate"; who: number; to: number }
  | { kind: "refund"; who: number; epr: number; record: number }
  | { kind: "transfer"; who: number; to: number; amount: bigint }
  | { kind: "grantSelf"; who: number; role: "minter" | "verifier" | "registrar" }
  | { kind: "mint"; who: number; amount: bigint }
  | { kind: "reward"; who: number }
  | { kind: "setReward"; who: number }
  | { kind: "linkSummary"; who: number; whom: number };

const ATTACKERS = 8;
const who = fc.nat(ATTACKERS - 1);
const attackerArb: fc.Arbitrary<AttackerAction> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("registerSelf" as const), who, as: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("registerOther" as const), who, whom: who, as: fc.nat(2) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("createRelationship" as const), who, device: who, provider: who }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("addRecord" as const),
      who,
      epr: fc.nat(3),
      bonus: fc.constantFrom(0n, 0n, ETHER),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("attest" as const),
      who,
      epr: fc.nat(3),
      record: fc.nat(4),
      honestDigest: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("decide" as const),
      who,
      epr: fc.nat(3),
      decision: fc.constantFrom(
        "acceptRelationship" as const,
        "rejectRelationship" as const,
        "deleteRelationship" as const,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("authorize" as const),
      who,
      epr: fc.nat(3),
      record: fc.nat(4),
      reader: who,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rotate" as const), who, to: who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("refund" as const), who, epr: fc.nat(3), record: fc.nat(4) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("transfer" as const), who, to: who, amount: fc.constantFrom(1n, ETHER) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("grantSelf" as const),
      who,
      role: fc.constantFrom("minter" as const, "verifier" as const, "registrar" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mint" as const), who, amount: fc.constantFrom(1n, ETHER) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reward" as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("setReward" as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("linkSummary" as const), who, whom: who }) },
);

/**
 * The deployment as the main job leaves it (a registrar-vetted provider, an accepted relationship
 * with one record, verifiers and a funded device), plus fresh accounts: the attackers are the
 * device, the provider, the third party and five accounts holding no identity. None holds a role.
 */
async function deployForAttackers() {
  const base = await deployWithRelationship();
  const { token, admin, epr, device, provider, thirdParty, outsider, device2, provider2 } = base;
  await addPointer(epr, provider, pointer(0));
  await token.connect(admin).mint(device.address, SEED_TOKENS);
  const extra = (await ethers.getSigners()).slice(10, 12);
  const attackers = [device, provider, thirdParty, outsider, device2, provider2, ...extra];
  expect(attackers).to.have.length(ATTACKERS);
  return { ...base, attackers };
}

/** The EPRs the attackers know of, and the object digest of every record added (its adder knows it). */
interface Known {
  eprs: string[];
  digests: Map<string, string>;
}

/** Sends one attacker action; whatever it does, reverting is allowed (most must revert). */
async function attempt(
  ctx: Awaited<ReturnType<typeof deployForAttackers>>,
  known: Known,
  n: number,
  action: AttackerAction,
) {
  const { register, factory, token, attackers } = ctx;
  const { eprs, digests } = known;
  const a = (i: number): HardhatEthersSigner => attackers[i % attackers.length];
  const me = a(action.who);
  const eprAt = async (i: number) => relationshipAt(eprs[i % eprs.length]);
  const send = async () => {
    switch (action.kind) {
      case "registerSelf":
        return register.connect(me).register(`attacker-${n}`, me.address, action.as);
      case "registerOther":
        return register.connect(me).register(`victim-${n}`, a(action.whom).address, action.as);
      case "createRelationship": {
        const tx = await factory.connect(me).createRelationship(a(action.device).address, a(action.provider).address);
        eprs.push(await factory.relationshipOf(a(action.device).address, a(action.provider).address));
        return tx;
      }
      case "addRecord": {
        const epr = await eprAt(action.epr);
        await token.connect(me).approve(epr, ethers.MaxUint256);
        const p = pointer(1000 + n);
        const id = await epr.recordCount();
        const tx = await addPointer(epr, me, p, action.bonus);
        digests.set(`${await epr.getAddress()}#${id}`, p.objectDigest);
        return tx;
      }
      case "attest": {
        const epr = await eprAt(action.epr);
        const count = Number(await epr.recordCount());
        if (count === 0) return epr.connect(me).attest(0, ethers.ZeroHash, "0x");
        const id = action.record % count;
        // An adder knows its object's digest (and colludes); otherwise it is a guess.
        const honest = digests.get(`${await epr.getAddress()}#${id}`);
        const digest = action.honestDigest && honest !== undefined ? honest : ethers.id(`guess ${n}`);
        return epr.connect(me).attest(id, digest, await signAttestation(epr, me, id, digest));
      }
      case "decide": {
        const summary = await register.summaryOf(me.address);
        return (await summaryAt(summary)).connect(me)[action.decision](eprs[action.epr % eprs.length]);
      }
      case "authorize":
        return (await eprAt(action.epr)).connect(me).authorize(action.record, a(action.reader).address);
      case "rotate":
        return register
          .connect(me)
          .changeAccount(await register.idOf(me.address), ethers.Wallet.createRandom().address);
      case "refund":
        return (await eprAt(action.epr)).connect(me).refundBonus(action.record);
      case "transfer":
        return token.connect(me).transfer(a(action.to).address, action.amount);
      case "grantSelf": {
        const [contract, role] =
          action.role === "minter"
            ? [token, await token.MINTER_ROLE()]
            : action.role === "verifier"
              ? [factory, await factory.VERIFIER_ROLE()]
              : [register, await register.REGISTRAR_ROLE()];
        return contract.connect(me).grantRole(role, me.address);
      }
      case "mint":
        return token.connect(me).mint(me.address, action.amount);
      case "reward":
        return factory.connect(me).reward(RewardKind.Upload, me.address, 0);
      case "setReward":
        return factory.connect(me).setRewardAmount(RewardKind.Upload, ETHER * 1000n);
      case "linkSummary":
        return factory.connect(me).linkSummary(a(action.whom).address);
    }
  };
  try {
    await (await send()).wait();
  } catch {
    // Refused: the point of most of these calls.
  }
}

describe("No free tokens (property-based, H1)", () => {
  it("with no role held, any sequence of calls by unprivileged accounts leaves the total supply unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(attackerArb, { minLength: 1, maxLength: 20 }), async (actions) => {
        const ctx = await loadFixture(deployForAttackers);
        const { token, factory, register, attackers, epr } = ctx;
        const supply = await token.totalSupply();
        const known: Known = {
          eprs: [await epr.getAddress()],
          digests: new Map([[`${await epr.getAddress()}#0`, pointer(0).objectDigest]]),
        };
        for (const [n, action] of actions.entries()) await attempt(ctx, known, n, action);
        expect(await token.totalSupply()).to.equal(supply);
        // And nobody gained a role on the way.
        for (const attacker of attackers) {
          expect(await token.hasRole(await token.MINTER_ROLE(), attacker.address)).to.equal(false);
          expect(await factory.isVerifier(attacker.address)).to.equal(false);
          expect(await register.hasRole(await register.REGISTRAR_ROLE(), attacker.address)).to.equal(false);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
