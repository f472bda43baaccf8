/**
 * `market:status`: what the market of a community chain holds, read from the chain (events and
 * views) and the workspace: the registry's batches and queue, the leases, every asset with its
 * openness and state, every trade with its state and deadlines, and the escrow the trade
 * contract holds (the sum of open trades' prices, the invariant of `DataTrade`).
 */
import { toBeHex } from "ethers";
import { levelName, Level } from "../classify";
import { TRADE_STATE } from "../../offchain/gateway/proxy";
import type { MarketSession } from "./session";
import { ASSET_STATE, OPENNESS } from "./trading";

const OPENNESS_NAMES = Object.keys(OPENNESS) as (keyof typeof OPENNESS)[];

export interface AssetRow {
  readonly tokenId: string;
  readonly hash: string;
  /** Undefined once burnt (a rejected audit). */
  readonly holder?: string;
  readonly openness: string;
  readonly state: string;
  readonly price: string;
  readonly uri: string;
}

export interface TradeRow {
  readonly id: string;
  readonly hash: string;
  readonly buyer: string;
  readonly price: string;
  readonly state: string;
  readonly deliverBy: number;
  readonly confirmBy: number;
  readonly arbitrateBy: number;
}

export interface MarketStatus {
  readonly chain: string;
  readonly chainId: number;
  readonly registry: {
    readonly batchSize: number;
    readonly quotaBps: number;
    readonly batches: number;
    readonly lowPending: number;
    readonly registered: { readonly High: number; readonly Low: number };
    /** Signed High entries waiting in this workspace's orderer inbox. */
    readonly inbox: number;
  };
  readonly leases: number;
  readonly assets: AssetRow[];
  readonly trades: TradeRow[];
  /** Data token held by DataTrade: the open escrows. */
  readonly escrow: string;
  /** Sum of the prices of trades still Paid, Granted or Disputed: equal to `escrow`. */
  readonly openEscrow: string;
}

const OPEN_STATES = new Set(["Paid", "Granted", "Disputed"]);

export async function marketStatus(session: MarketSession): Promise<MarketStatus> {
  const { registry, ledger, assets, trade, token } = session.contracts;
  const registered = { High: 0, Low: 0 };
  for (const e of await registry.queryFilter(registry.filters.OwnershipRegistered()))
    registered[levelName(Number(e.args.level) as Level)]++;
  const tokenized = await assets.queryFilter(assets.filters.AssetTokenized());
  const assetRows = await Promise.all(
    tokenized.map(async (e): Promise<AssetRow> => {
      const tokenId = e.args.tokenId;
      const a = await assets.asset(tokenId);
      let holder: string | undefined;
      try {
        holder = await assets.ownerOf(tokenId);
      } catch {
        holder = undefined; // burnt: its audit failed
      }
      return {
        tokenId: tokenId.toString(),
        hash: e.args.dataHash,
        holder,
        openness: OPENNESS_NAMES[Number(a.openness)],
        state: ASSET_STATE[Number(a.state)],
        price: a.price.toString(),
        uri: a.uri,
      };
    }),
  );
  const count = Number(await trade.tradeCount());
  const trades = await Promise.all(
    Array.from({ length: count }, async (_, i): Promise<TradeRow> => {
      const t = await trade.trade(BigInt(i + 1));
      return {
        id: String(i + 1),
        hash: toBeHex(t.tokenId, 32),
        buyer: t.buyer,
        price: t.price.toString(),
        state: TRADE_STATE[Number(t.state)],
        deliverBy: Number(t.deliverBy),
        confirmBy: Number(t.confirmBy),
        arbitrateBy: Number(t.arbitrateBy),
      };
    }),
  );
  const openEscrow = trades.filter((t) => OPEN_STATES.has(t.state)).reduce((sum, t) => sum + BigInt(t.price), 0n);
  return {
    chain: session.chain.name,
    chainId: session.chain.chainId,
    registry: {
      batchSize: Number(await registry.batchSize()),
      quotaBps: Number(await registry.quotaBps()),
      batches: Number(await registry.batchCount()),
      lowPending: Number(await registry.lowPending()),
      registered,
      inbox: (await session.workspace.readInbox()).length,
    },
    leases: Number(await ledger.leaseCount()),
    assets: assetRows,
    trades,
    escrow: (await token.balanceOf(await trade.getAddress())).toString(),
    openEscrow: openEscrow.toString(),
  };
}
