/**
 * The main job's market (digital-twin paper §4.2–4.6, design §1–3), on every community chain:
 *
 * 1. ownership: each dataset's owner queues it Low (a document: `enqueueLow`), then every status
 *    snapshot of the fleet is signed High by its device (fees of 0–2 CDT) and sent through the
 *    orderer, whose batches the registry checks against R1–R3;
 * 2. storage: the `cloud` account offers storage; an owner's upload before paying is refused
 *    (402); after `payStorage` its fragments go in through the gateway's `POST /v1/put`;
 * 3. tokenization: one asset per dataset, Complete, Partial (the lab allowed) and None, each
 *    audited by `cloud` (every fragment stored, their root the registered hash) before it lists;
 * 4. trades: the lab buys the Complete asset, delivered by proxy re-encryption and confirmed
 *    (completed); the lab opens an offer of the Partial asset that is never granted and takes its
 *    refund after the delivery window (refunded); the provider buys the Complete asset and disputes
 *    it, and the arbiter reads the evidence and resolves (resolved).
 *
 * Buyers and owners get DataToken from the `minter` for this, as the devices do for their parts.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  keccak256,
  parseEther,
  toUtf8Bytes,
  type ContractTransactionResponse,
  type HDNodeWallet,
  type JsonRpcProvider,
} from "ethers";
import {
  DataAsset__factory,
  DataToken__factory,
  DataTrade__factory,
  OwnershipRegistry__factory,
  StorageLedger__factory,
} from "../../../typechain-types";
import { deviceWallet, systemWallet } from "../../chains/accounts";
import { chainProvider } from "../../chains/providers";
import type { ChainEntry, Topology } from "../../chains/topology";
import { contractAddress } from "../../deploy/contracts";
import { DataKind, highEntry, LifecycleStage, Orderer, signOffer, signRegistration } from "../../market";
import { arbitrate } from "../../market/arbitrate";
import { eventOf } from "../../market/desk/send";
import { grantTrade, receiveTrade, requestCFrag } from "../../market/delivery";
import { GatewayRequestError } from "../../offchain";
import { checkFragment, checkManifest, sealFragments, type FragmentManifest } from "../../offchain/envelopes/fragments";
import { freshReceivingKey, wrapKeyForAsset, type PreKeyWrap } from "../../offchain/envelopes/pre";
import { TRADE_STATE } from "../../offchain/gateway/proxy";
import { putPaid } from "../../offchain/gateway/put";
import { createRandom } from "../../util/random";
import type { SharedStatusRecord } from "../fleet";
import { walletOf, type CommunityPlan } from "../participants";
import type { CommunityStore, RunStores } from "../stores";
import { sendGroup } from "../transactions";
import type { MarketBatch, MarketCommunity, MarketFacts, MarketTrade, Refused } from "./facts";

/** Bytes of each dataset: three fragments of the default 256 KiB. */
export const DATASET_BYTES = 600 * 1024;
/** The storage offer of `cloud`, per MiB-hour, and how long owners lease. */
export const STORAGE_PRICE_PER_MIB_HOUR = parseEther("0.1");
export const STORAGE_MAX_HOURS = 24n * 30n;
export const LEASE_HOURS = 24n;
/** The price of the Complete and Partial assets. */
export const ASSET_PRICE = parseEther("5");
/** DataToken the minter gives each buyer and each dataset owner for the market. */
export const MARKET_FUNDING = parseEther("50");
/** The refunded trade's delivery window, seconds: short, so the run waits it out. */
export const REFUND_DELIVERY_WINDOW = 2n;
/** Gas limit of the refund, sent without an estimate (see the refunded trade). */
export const REFUND_GAS_LIMIT = 200_000n;
/** Confirmation and arbitration windows of the signed offer, seconds. */
export const OFFER_CONFIRM_WINDOW = 3600n;
/** High fee of a snapshot by its sequence: 0, 1 or 2 CDT (High data *may* carry a fee, R2). */
export const feeOf = (sequence: number): bigint => parseEther(String(sequence % 3));

const OPENNESS = { Complete: 0, Partial: 1, None: 2 } as const;
const DATASET_SOURCES = ["equipment-spec", "process-plan", "production-task"] as const;

/** A dataset's plaintext starts with this marker, which nothing a proxy holds may contain. */
export function plaintextMarker(chain: string, index: number): string {
  return `commchain-market-plaintext/${chain}/${index}/`;
}

/** Options of {@link runMarket}. */
export interface RunMarketOptions {
  readonly topology: Topology;
  readonly plan: readonly CommunityPlan[];
  readonly records: readonly SharedStatusRecord[];
  readonly stores: RunStores;
  readonly seed: number;
  readonly mnemonic?: string;
  readonly onProgress?: (message: string) => void;
}

interface Dataset {
  readonly index: number;
  readonly owner: HDNodeWallet;
  readonly plaintext: Uint8Array;
  readonly manifest: FragmentManifest & { keyWrap: PreKeyWrap };
  readonly fragments: readonly Uint8Array[];
  readonly hash: string;
}

/** Runs the market on every community chain, communities in parallel. */
export async function runMarket(options: RunMarketOptions): Promise<MarketFacts> {
  const communities = await Promise.all(
    options.plan.map((plan) => {
      const chain = options.topology.communities.find((c) => c.name === plan.chain)!;
      return runCommunityMarket(options, plan, chain, options.stores.of(plan.chain));
    }),
  );
  return { communities };
}

function datasetBytes(chain: string, index: number, seed: number): Uint8Array {
  const random = createRandom(seed, 0x6d6b0000 + index);
  const bytes = new Uint8Array(DATASET_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256);
  bytes.set(new TextEncoder().encode(plaintextMarker(chain, index)));
  return bytes;
}

async function refusal(attempt: () => Promise<unknown>): Promise<Refused> {
  try {
    await attempt();
    return {};
  } catch (error) {
    if (error instanceof GatewayRequestError) return { status: error.status, code: error.code };
    throw error;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function runCommunityMarket(
  options: RunMarketOptions,
  plan: CommunityPlan,
  chain: ChainEntry,
  store: CommunityStore,
): Promise<MarketCommunity> {
  const provider: JsonRpcProvider = chainProvider(chain);
  const say = (message: string) => options.onProgress?.(`${chain.name}: ${message}`);
  try {
    const { mnemonic } = options;
    const [minter, orderer, cloud, arbiter] = (["minter", "orderer", "cloud", "deployer"] as const).map((role) =>
      systemWallet(role, mnemonic).connect(provider),
    );
    const lab = walletOf(plan.thirdParty, mnemonic).connect(provider);
    const providerBuyer = walletOf(plan.provider, mnemonic).connect(provider);
    // One derivation per device: its wallet signs several entries and transactions.
    const devices = new Map<string, HDNodeWallet>();
    const device = (id: string): HDNodeWallet => {
      let wallet = devices.get(id);
      if (wallet === undefined)
        devices.set(id, (wallet = deviceWallet(id, options.topology, mnemonic).connect(provider)));
      return wallet;
    };
    const address = (name: Parameters<typeof contractAddress>[1]) => contractAddress(chain, name);
    const token = DataToken__factory.connect(address("DataToken"), provider);
    const registry = OwnershipRegistry__factory.connect(address("OwnershipRegistry"), provider);
    const ledger = StorageLedger__factory.connect(address("StorageLedger"), provider);
    const assets = DataAsset__factory.connect(address("DataAsset"), provider);
    const trade = DataTrade__factory.connect(address("DataTrade"), provider);
    const { chainId } = await provider.getNetwork();
    const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);

    // The datasets: sealed into fragments, the data key wrapped for the asset (its hash = the root).
    const datasets: Dataset[] = DATASET_SOURCES.map((_, index) => {
      const owner = device(plan.devices[index % plan.devices.length]);
      const plaintext = datasetBytes(chain.name, index, options.seed);
      const sealed = sealFragments(plaintext);
      const keyWrap = wrapKeyForAsset(owner, sealed.manifest.root, sealed.key);
      sealed.key.fill(0);
      return {
        index,
        owner,
        plaintext,
        manifest: { ...sealed.manifest, keyWrap },
        fragments: sealed.fragments,
        hash: sealed.manifest.root,
      };
    });
    const owners = [...new Map(datasets.map((d) => [d.owner.address, d.owner])).values()];
    const snapshots = options.records.filter((r) => r.chain === chain.name);

    // Funding, the storage offer and the owners' allowances.
    await sendGroup(
      chain.name,
      minter,
      [lab, providerBuyer, ...owners].map((account) => ({
        what: `minting the market's DataToken to ${account.address}`,
        tx: token.connect(minter).mint.populateTransaction(account.address, MARKET_FUNDING),
        abi: token.interface,
      })),
    );
    await sendGroup(chain.name, cloud, [
      {
        what: "cloud's storage offer",
        tx: ledger.connect(cloud).setOffer.populateTransaction(STORAGE_PRICE_PER_MIB_HOUR, STORAGE_MAX_HOURS),
        abi: ledger.interface,
      },
    ]);
    for (const buyer of [lab, providerBuyer])
      await sendGroup(chain.name, buyer, [
        {
          what: "the buyer's allowance to DataTrade",
          tx: token.connect(buyer).approve.populateTransaction(address("DataTrade"), MARKET_FUNDING),
          abi: token.interface,
        },
      ]);

    // 1. Ownership: datasets Low (documents), then every snapshot High through the orderer.
    const registeredFrom = await provider.getBlockNumber();
    const feesBy = new Map<string, bigint>();
    for (const r of snapshots) feesBy.set(r.device, (feesBy.get(r.device) ?? 0n) + feeOf(r.sequence));
    const timestamp = await now();
    await Promise.all(
      owners.map((owner) =>
        sendGroup(
          chain.name,
          owner,
          datasets
            .filter((d) => d.owner.address === owner.address)
            .map((d) => ({
              what: `queuing dataset ${d.index} Low`,
              tx: registry
                .connect(owner)
                .enqueueLow.populateTransaction(d.hash, timestamp, DataKind.Virtual, LifecycleStage.Using),
              abi: registry.interface,
            })),
        ),
      ),
    );
    await Promise.all(
      [...feesBy].map(([id, fees]) =>
        fees === 0n
          ? Promise.resolve([])
          : sendGroup(chain.name, device(id), [
              {
                what: `device ${id}'s allowance of its registration fees`,
                tx: token.connect(device(id)).approve.populateTransaction(address("OwnershipRegistry"), fees),
                abi: token.interface,
              },
            ]),
      ),
    );
    say(`registering ${snapshots.length} snapshots High and ${datasets.length} datasets Low`);
    const ordering = await Orderer.open(registry.connect(orderer));
    try {
      const deadline = timestamp + 3600n;
      await Promise.all(
        snapshots.map(async (r) => {
          const owner = device(r.device);
          const entry = highEntry(
            {
              dataHash: r.contentHash,
              timestamp,
              fee: feeOf(r.sequence),
              owner: owner.address,
              nonce: BigInt(r.sequence),
              deadline,
            },
            { kind: DataKind.Physical, stage: LifecycleStage.Using },
          );
          const signature = await signRegistration(owner, await registry.getAddress(), chainId, entry);
          return ordering.submit({ entry, signature });
        }),
      );
      for (let round = 0; round < datasets.length && (await registry.lowPending()) > 0n; round++)
        await ordering.flush();
    } finally {
      await ordering.close();
    }
    const batchEvents = await registry.queryFilter(registry.filters.BatchRegistered(), registeredFrom + 1);
    const batches: MarketBatch[] = batchEvents.map((e) => ({
      batchId: Number(e.args.batchId),
      high: Number(e.args.high),
      low: Number(e.args.low),
      fees: e.args.fees.toString(),
    }));
    const owned = async (hash: string, owner: string, level: number) => {
      const record = await registry.registration(hash);
      return record.owner === owner && Number(record.level) === level;
    };
    const highOwned = await Promise.all(snapshots.map((r) => owned(r.contentHash, device(r.device).address, 1)));
    const lowOwned = await Promise.all(datasets.map((d) => owned(d.hash, d.owner.address, 0)));

    // 2. Storage: refused before payment, then paid and uploaded.
    const unpaidPut = await refusal(() => putPaid(store.gateway.url, datasets[0].fragments[0], datasets[0].owner));
    let leases = 0;
    let bytesPaid = 0;
    for (const owner of owners) {
      const mine = datasets.filter((d) => d.owner.address === owner.address);
      const bytes = mine.reduce((total, d) => total + d.fragments.reduce((t, f) => t + f.length, 0), 0);
      const price = await ledger.priceOf(cloud.address, bytes, LEASE_HOURS);
      await sendGroup(chain.name, owner, [
        {
          what: "the owner's storage allowance",
          tx: token.connect(owner).approve.populateTransaction(address("StorageLedger"), price),
          abi: token.interface,
        },
      ]);
      await sendGroup(chain.name, owner, [
        {
          what: `paying cloud for ${bytes} bytes`,
          tx: ledger
            .connect(owner)
            .payStorage.populateTransaction(cloud.address, bytes, LEASE_HOURS, price, await now()),
          abi: ledger.interface,
        },
      ]);
      leases++;
      bytesPaid += bytes;
      for (const d of mine)
        for (const [i, fragment] of d.fragments.entries())
          d.manifest.fragments[i].cid = (await putPaid(store.gateway.url, fragment, owner)).cid;
    }

    // 3. Tokenization and the audit.
    const openness = [OPENNESS.Complete, OPENNESS.Partial, OPENNESS.None] as const;
    for (const d of datasets)
      await sendGroup(chain.name, d.owner, [
        {
          what: `tokenizing dataset ${d.index}`,
          tx: assets
            .connect(d.owner)
            .tokenize.populateTransaction(
              d.hash,
              `commchain:${chain.name}/dataset/${d.index}`,
              openness[d.index] === OPENNESS.None ? 0n : ASSET_PRICE,
              openness[d.index],
              openness[d.index] === OPENNESS.Partial ? [lab.address] : [],
            ),
          abi: assets.interface,
        },
      ]);
    const fetchFragments = (d: Dataset) => Promise.all(d.manifest.fragments.map((f) => store.node.store.get(f.cid!)));
    for (const d of datasets) {
      checkManifest(d.manifest, d.hash);
      const stored = await fetchFragments(d);
      stored.forEach((sealed, i) => checkFragment(d.manifest, i, sealed));
    }
    await sendGroup(
      chain.name,
      cloud,
      datasets.map((d) => ({
        what: `cloud confirming dataset ${d.index} stored`,
        tx: assets.connect(cloud).confirmStored.populateTransaction(BigInt(d.hash)),
        abi: assets.interface,
      })),
    );
    const states = await Promise.all(datasets.map(async (d) => (await assets.asset(BigInt(d.hash))).state));
    const noneBuyable = await assets.canBuy(BigInt(datasets[2].hash), lab.address);
    say("registered, stored and tokenized; trading");

    // 4. Trades.
    const proxies = [store.gateway.url];
    const balance = (who: string) => token.balanceOf(who);
    const tradeOf = async (id: bigint) => TRADE_STATE[Number((await trade.trade(id)).state)];
    // The id is the TradeOpened log's: ids count from 1, and the three trades run one after another.
    const openedId = async (tx: Promise<ContractTransactionResponse>): Promise<bigint> => {
      const receipt = await (await tx).wait();
      if (receipt === null) throw new Error("no receipt for the trade's opening");
      return eventOf(receipt, trade, "TradeOpened").id as bigint;
    };
    const trades: MarketTrade[] = [];
    let refusedBeforeGrant: Refused = {};
    let refusedAfterRefund: Refused = {};
    let reads = 0;
    const complete = datasets[0];
    const holder = complete.owner;

    // The owner grants trade `id` of the Complete asset by PRE, and its buyer opens it (and confirms, if asked).
    const deliverComplete = async (
      buyer: HDNodeWallet,
      id: bigint,
      receiving: { secretKey: string; publicKey: string },
      confirm: boolean,
    ) => {
      const { threshold } = await grantTrade({
        owner: holder,
        trade: trade.connect(holder),
        tradeId: id,
        assetHash: complete.hash,
        buyerPreKey: receiving.publicKey,
        proxies,
      });
      const fragments = await fetchFragments(complete);
      const received = await receiveTrade({
        buyer,
        tradeId: id,
        receivingSecretKey: receiving.secretKey,
        manifest: complete.manifest,
        fragments,
        dataHash: complete.hash,
        proxies,
        threshold,
        trade: confirm ? trade.connect(buyer) : undefined,
      });
      reads++;
      return { threshold, fragments, received };
    };

    const completed = async (): Promise<MarketTrade> => {
      const receiving = freshReceivingKey();
      const before = await balance(holder.address);
      const id = await openedId(trade.connect(lab).buy(BigInt(complete.hash), ASSET_PRICE, receiving.publicKey));
      refusedBeforeGrant = await refusal(() => requestCFrag(proxies[0], id, complete.manifest.keyWrap.capsule, lab));
      const { received } = await deliverComplete(lab, id, receiving, true);
      return {
        plan: "completed",
        tradeId: Number(id),
        openness: "Complete",
        buyer: plan.thirdParty.id,
        price: ASSET_PRICE.toString(),
        state: await tradeOf(id),
        paidToOwner: ((await balance(holder.address)) - before).toString(),
        refundedToBuyer: "0",
        delivered: Buffer.from(received.data).equals(Buffer.from(complete.plaintext)),
      };
    };

    const refunded = async (): Promise<MarketTrade> => {
      const partial = datasets[1];
      const receiving = freshReceivingKey();
      const offer = {
        tokenId: BigInt(partial.hash),
        buyer: lab.address,
        price: ASSET_PRICE,
        buyerPreKey: receiving.publicKey,
        deliveryWindow: REFUND_DELIVERY_WINDOW,
        confirmWindow: OFFER_CONFIRM_WINDOW,
        nonce: BigInt(options.seed),
        deadline: (await now()) + 3600n,
      };
      const signature = await signOffer(partial.owner, address("DataTrade"), chainId, offer);
      const before = await balance(lab.address);
      const id = await openedId(trade.connect(lab).open(offer, signature));
      const deliverBy = (await trade.trade(id)).deliverBy;
      // Blocks are dated by the wall clock, but a gas estimate runs at the latest block's time: wait
      // the window out on the wall clock, then send with a set gas limit so the refund is dated now.
      await sleep(Math.max(0, (Number(deliverBy) + 1) * 1000 - Date.now()));
      await (await trade.connect(lab).refund(id, { gasLimit: REFUND_GAS_LIMIT })).wait();
      refusedAfterRefund = await refusal(() => requestCFrag(proxies[0], id, partial.manifest.keyWrap.capsule, lab));
      return {
        plan: "refunded",
        tradeId: Number(id),
        openness: "Partial",
        buyer: plan.thirdParty.id,
        price: ASSET_PRICE.toString(),
        state: await tradeOf(id),
        paidToOwner: "0",
        refundedToBuyer: ((await balance(lab.address)) - before + ASSET_PRICE).toString(),
        delivered: false,
      };
    };

    const resolved = async (): Promise<MarketTrade> => {
      const receiving = freshReceivingKey();
      const ownerBefore = await balance(holder.address);
      const buyerBefore = await balance(providerBuyer.address);
      const id = await openedId(
        trade.connect(providerBuyer).buy(BigInt(complete.hash), ASSET_PRICE, receiving.publicKey),
      );
      const { threshold, fragments, received } = await deliverComplete(providerBuyer, id, receiving, false);
      // The buyer claims the delivery is wrong; its evidence (the revealed per-trade key and the
      // cfrags) lets the arbiter check the claim, which here is false.
      const evidence = {
        receivingSecretKey: receiving.secretKey,
        buyerPreKey: receiving.publicKey,
        cfrags: received.cfrags,
        threshold,
        manifest: complete.manifest,
        fragments,
        dataHash: complete.hash,
      };
      const evidenceHash = keccakJson({ tradeId: id.toString(), cfrags: received.cfrags, key: receiving.secretKey });
      await (await trade.connect(providerBuyer).dispute(id, evidenceHash)).wait();
      const verdict = arbitrate(evidence);
      await (await trade.connect(arbiter).resolve(id, verdict.buyerBps)).wait();
      const buyerAfter = await balance(providerBuyer.address);
      return {
        plan: "resolved",
        tradeId: Number(id),
        openness: "Complete",
        buyer: plan.provider.id,
        price: ASSET_PRICE.toString(),
        state: await tradeOf(id),
        paidToOwner: ((await balance(holder.address)) - ownerBefore).toString(),
        refundedToBuyer: (buyerAfter - buyerBefore + ASSET_PRICE).toString(),
        delivered: Buffer.from(received.data).equals(Buffer.from(complete.plaintext)),
        verdict: `${verdict.claimHolds ? "claim holds" : "claim unfounded"}: ${verdict.reason}`,
      };
    };

    for (const [planned, run] of [
      ["completed", completed],
      ["refunded", refunded],
      ["resolved", resolved],
    ] as const) {
      try {
        trades.push(await run());
      } catch (error) {
        trades.push({
          plan: planned,
          openness: planned === "refunded" ? "Partial" : "Complete",
          buyer: planned === "resolved" ? plan.provider.id : plan.thirdParty.id,
          price: ASSET_PRICE.toString(),
          state: "failed",
          paidToOwner: "0",
          refundedToBuyer: "0",
          delivered: false,
          detail: (error as Error).message,
        });
      }
    }

    // What the proxy holds: no dataset's plaintext marker may be in any of its files.
    const files = store.marketDir === undefined ? [] : await filesUnder(store.marketDir);
    const markers = datasets.map((d) => Buffer.from(plaintextMarker(chain.name, d.index)));
    let plaintextFound = false;
    for (const file of files) {
      const content = await readFile(file);
      if (markers.some((m) => content.includes(m))) plaintextFound = true;
    }

    return {
      chain: chain.name,
      batchSize: ordering.params.batchSize,
      registrations: {
        high: highOwned.filter(Boolean).length,
        snapshots: snapshots.length,
        low: lowOwned.filter(Boolean).length,
        datasets: datasets.length,
        feesPaid: batches.reduce((total, b) => total + BigInt(b.fees), 0n).toString(),
      },
      batches,
      lowLeft: Number(await registry.lowPending()),
      storage: { leases, bytesPaid, fragments: datasets.reduce((t, d) => t + d.fragments.length, 0), unpaidPut },
      assets: {
        complete: openness.filter((o) => o === OPENNESS.Complete).length,
        partial: openness.filter((o) => o === OPENNESS.Partial).length,
        none: openness.filter((o) => o === OPENNESS.None).length,
        listed: states.filter((s) => Number(s) === 2).length,
      },
      noneBuyable,
      trades,
      pre: { reads, refusedBeforeGrant, refusedAfterRefund, filesScanned: files.length, plaintextFound },
      escrowLeft: (await balance(address("DataTrade"))).toString(),
    };
  } finally {
    provider.destroy();
  }
}

function keccakJson(value: unknown): string {
  return keccak256(toUtf8Bytes(JSON.stringify(value)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
