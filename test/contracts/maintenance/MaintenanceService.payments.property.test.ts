// Property-based test of part payments (M7): over random sequences of readings, funding,
// approvals, allowance withdrawals and settlements, tokens are conserved and nothing is paid
// twice. An independent model tracks what each order should be; after every action the chain
// must agree with it:
// - the total supply equals what was minted, and every token is held by the unit, the owner or
//   the provider (the service holds none: it never escrows);
// - the provider holds exactly the prices of the orders recorded Paid, and every order is Paid
//   or Unpaid as the model says (paid when the unit could pay the whole batch then, or settled
//   once with payPartOrder);
// - every reading counts: the counts and the number of requests and orders match the model.
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { OrderStatus, PART_PRICE, changeAsUnit, deployWithMachine } from "./fixture";

const NUM_RUNS = 25;
const MAX_ACTIONS = 12;
/** Count thresholds low enough that random batches fire often. */
const COUNT = 2n;
const HOT = 250;
const VIBRATING = 150;

type Action =
  | { kind: "report"; hot: boolean[]; vibrating: boolean[] }
  | { kind: "mint"; to: "unit" | "owner"; parts: bigint }
  | { kind: "approve"; by: "unit" | "owner"; parts: bigint }
  | { kind: "pay"; by: "unit" | "owner" | "stranger"; order: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: 1, max: 7 }).chain((n) =>
      fc.record({
        kind: fc.constant("report" as const),
        hot: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        vibrating: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("mint" as const),
      to: fc.constantFrom("unit" as const, "owner" as const),
      parts: fc.bigInt({ min: 1n, max: 3n }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("approve" as const),
      by: fc.constantFrom("unit" as const, "owner" as const),
      parts: fc.bigInt({ min: 0n, max: 4n }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("pay" as const),
      by: fc.constantFrom("unit" as const, "owner" as const, "stranger" as const),
      order: fc.nat(8),
    }),
  },
);

async function deployForProperty() {
  const f = await deployWithMachine();
  await changeAsUnit(f, {
    thresholds: { tempThreshold: 200n, tempCountThreshold: COUNT, vibraThreshold: 100n, vibraCountThreshold: COUNT },
  });
  return f;
}

describe("MaintenanceService: part payments (property)", function () {
  this.timeout(300_000);

  it("conserve tokens and pay every order at most once, whatever the unit can pay", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: MAX_ACTIONS }), async (actions) => {
        const f = await loadFixture(deployForProperty);
        const service = await f.service.getAddress();
        const signers = { unit: f.unit, owner: f.owner, stranger: f.stranger };
        const model = {
          balance: { unit: 0n, owner: 0n, provider: 0n },
          allowance: { unit: 0n, owner: 0n },
          minted: 0n,
          tempCount: 0n,
          vibraCount: 0n,
          requests: 0n,
          orders: [] as bigint[], // status per order id - 1
        };
        for (const action of actions) {
          if (action.kind === "mint") {
            const amount = action.parts * PART_PRICE;
            await f.token.connect(f.minter).mint(signers[action.to].address, amount);
            model.balance[action.to] += amount;
            model.minted += amount;
          } else if (action.kind === "approve") {
            const amount = action.parts * PART_PRICE;
            await f.token.connect(signers[action.by]).approve(service, amount);
            model.allowance[action.by] = amount;
          } else if (action.kind === "report") {
            let fired = 0n;
            for (let i = 0; i < action.hot.length; i++) {
              if (action.vibrating[i]) model.vibraCount++;
              if (action.hot[i]) model.tempCount++;
              if (model.vibraCount > COUNT) {
                model.requests++;
                model.vibraCount = 0n;
              }
              if (model.tempCount > COUNT) {
                fired++;
                model.tempCount = 0n;
              }
            }
            const cost = fired * PART_PRICE;
            const canPay = cost === 0n || (model.balance.unit >= cost && model.allowance.unit >= cost);
            if (canPay) {
              model.balance.unit -= cost;
              model.allowance.unit -= cost;
              model.balance.provider += cost;
            }
            for (let i = 0n; i < fired; i++) model.orders.push(canPay ? OrderStatus.Paid : OrderStatus.Unpaid);
            const temps = action.hot.map((h) => (h ? HOT : 20));
            const vibras = action.vibrating.map((v) => (v ? VIBRATING : 10));
            await f.service.connect(f.unit).reportReadings(f.machine.address, temps, vibras);
          } else {
            const id = BigInt(action.order + 1);
            const status = model.orders[action.order];
            const payer = action.by === "stranger" ? undefined : action.by;
            const ok =
              status === OrderStatus.Unpaid &&
              payer !== undefined &&
              model.balance[payer] >= PART_PRICE &&
              model.allowance[payer] >= PART_PRICE;
            const call = f.service.connect(signers[action.by]).payPartOrder(id);
            if (ok) {
              await expect(call)
                .to.emit(f.service, "PartOrderPaid")
                .withArgs(id, f.machine.address, f.provider.address, signers[payer].address, PART_PRICE);
              model.balance[payer] -= PART_PRICE;
              model.allowance[payer] -= PART_PRICE;
              model.balance.provider += PART_PRICE;
              model.orders[action.order] = OrderStatus.Paid;
            } else {
              await expect(call).to.be.reverted;
            }
          }

          const [unit, owner, provider, held, supply] = await Promise.all([
            f.token.balanceOf(f.unit.address),
            f.token.balanceOf(f.owner.address),
            f.token.balanceOf(f.provider.address),
            f.token.balanceOf(service),
            f.token.totalSupply(),
          ]);
          expect(supply).to.equal(model.minted);
          expect(held).to.equal(0n);
          expect(unit + owner + provider).to.equal(supply);
          expect({ unit, owner, provider }).to.deep.equal(model.balance);
          const statuses = await Promise.all(
            model.orders.map(async (_, i) => (await f.service.partOrder(BigInt(i + 1))).status),
          );
          expect(statuses).to.deep.equal(model.orders);
          const paidValue = BigInt(statuses.filter((s) => s === OrderStatus.Paid).length) * PART_PRICE;
          expect(provider).to.equal(paidValue);
          const m = await f.service.machineInfo(f.machine.address);
          expect([
            m.tempCount,
            m.vibraCount,
            await f.service.serviceRequestCount(),
            await f.service.partOrderCount(),
          ]).to.deep.equal([model.tempCount, model.vibraCount, model.requests, BigInt(model.orders.length)]);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
