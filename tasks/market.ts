// The digital-twin data market's tasks (docs/market.md): one per step of the paper's flow, each a
// thin layer over src/market/desk. Every task works on one community chain (--chain, which may be
// left out when there is one) of a chains directory (--dir) as one account (--account).
import path from "node:path";
import { types } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import { parseUnits } from "ethers";
import { Level } from "../src/market/classify";
import { MarketInputError } from "../src/market/errors";
import { openContentStore } from "../src/offchain/stores/open-store";
import { parseDuration } from "../src/util/duration";
import type { MarketSession } from "../src/market/desk/session";
import {
  chainsDirParam,
  commchainTask,
  listItems,
  marketDeskModule,
  onInterrupt,
  projectPath,
  resolveChainsDir,
} from "./kit";
import { DEFAULT_LOCAL_STORE_DIR } from "./store";

const DIR_HOLDS = "topology.json, market/<chain>/";
const ACCOUNT_HELP =
  "Acting account: a system role (deployer, minter, orderer, cloud, …), provider or lab (the community's participants), or a device id";
const PROXIES_HELP = "Proxies: the store gateways' URLs, comma-separated (the owner's and buyer's lists must agree)";

interface MarketArgs {
  chain?: string;
  dir?: string;
  account?: string;
}

/** A market task: --chain, --dir and (unless read-only) --account with its default. */
function marketTask(
  name: string,
  description: string,
  account: string | "none" | "required",
): ConfigurableTaskDefinition {
  const task = commchainTask(`market:${name}`, description)
    .addOptionalParam("chain", "Community chain (may be left out when the topology has one)", undefined, types.string)
    .addOptionalParam(...chainsDirParam(DIR_HOLDS));
  if (account === "required") task.addParam("account", ACCOUNT_HELP, undefined, types.string);
  else if (account !== "none") task.addOptionalParam("account", ACCOUNT_HELP, account, types.string);
  return task;
}

/** Opens the session of `args`, runs `act`, prints its result under `title` and returns it. */
async function withMarket<T extends object>(
  args: MarketArgs,
  hre: HardhatRuntimeEnvironment,
  title: string,
  act: (session: MarketSession) => Promise<T>,
): Promise<T> {
  const desk = marketDeskModule();
  const session = desk.openMarket({ dir: resolveChainsDir(args.dir, hre), chain: args.chain, account: args.account });
  try {
    const result = await act(session);
    console.log(
      desk.formatFields(`${title} on ${session.chain.name}${args.account ? ` as ${args.account}` : ""}`, result),
    );
    return result;
  } finally {
    session.close();
  }
}

/** A data-token amount in whole tokens ("5", "0.25") as its smallest unit. */
function tokenAmount(text: string, option: string): bigint {
  try {
    const value = parseUnits(text.trim(), 18);
    if (value < 0n) throw new Error("negative");
    return value;
  } catch {
    throw new MarketInputError(option, `must be an amount of data token like 5 or 0.25, got ${JSON.stringify(text)}`);
  }
}

function seconds(text: string, option: string): bigint {
  const ms = parseDuration(text, option);
  if (ms < 1000) throw new MarketInputError(option, `must be at least 1 s, got ${JSON.stringify(text)}`);
  return BigInt(Math.floor(ms / 1000));
}

function positive(value: number, option: string): bigint {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new MarketInputError(option, `must be an integer ≥ 1, got ${value}`);
  return BigInt(value);
}

function proxies(text: string): string[] {
  const urls = listItems(text);
  for (const url of urls)
    if (!/^https?:\/\//.test(url))
      throw new MarketInputError("--proxies", `${JSON.stringify(url)} is not an http(s) URL`);
  return urls;
}

marketTask(
  "register",
  "Registers data's ownership (first registration wins): a --file is sealed into encrypted fragments whose Merkle root is the hash; Low goes into the registry's queue, High is signed and left for market:orderer",
  "required",
)
  .addOptionalParam(
    "file",
    "Data to seal and register (manifest and fragments kept in market/<chain>/)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "hash",
    "A 32-byte hash to register as is (a status snapshot's content hash)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "level",
    'Level: "high" (time-sensitive, may carry a fee) or "low"; default low for --file, high for --hash',
    undefined,
    types.string,
  )
  .addOptionalParam("fee", "High only: the fee offered to the orderer, in data token", "0", types.string)
  .addOptionalParam(
    "fragmentSize",
    "Plaintext bytes per fragment when sealing a file (default 262144)",
    undefined,
    types.int,
  )
  .setAction(
    async (
      args: MarketArgs & { file?: string; hash?: string; level?: string; fee: string; fragmentSize?: number },
      hre,
    ) => {
      const levelText = (args.level ?? (args.file !== undefined ? "low" : "high")).toLowerCase();
      if (levelText !== "high" && levelText !== "low")
        throw new MarketInputError("--level", `must be "high" or "low", got ${JSON.stringify(args.level)}`);
      return withMarket(args, hre, "registered", (session) =>
        marketDeskModule().registerData(session, {
          file: args.file === undefined ? undefined : path.resolve(args.file),
          hash: args.hash,
          level: levelText === "high" ? Level.High : Level.Low,
          fee: tokenAmount(args.fee, "--fee"),
          fragmentSize: args.fragmentSize,
        }),
      );
    },
  );

marketTask(
  "orderer",
  "Runs the orderer: High entries of the inbox are batched (at most batchSize, High by fee descending, the Low quota taken on chain) until the pool and the Low queue are empty; --watch keeps going until Ctrl-C",
  "orderer",
)
  .addOptionalParam("batchTimeout", "Longest wait of a batch's first entry, e.g. 200ms or 2s", "200ms", types.string)
  .addFlag("watch", "Keep watching the inbox until Ctrl-C")
  .setAction(async (args: MarketArgs & { batchTimeout: string; watch: boolean }, hre) => {
    const stop = new AbortController();
    const release = onInterrupt(stop, {
      notice: () => process.stderr.write("\nstopping the orderer after this batch\n"),
    });
    try {
      return await withMarket(args, hre, "orderer", (session) =>
        marketDeskModule().runOrderer(session, {
          batchTimeoutMs: parseDuration(args.batchTimeout, "--batch-timeout"),
          watch: args.watch,
          signal: stop.signal,
          onBatch: (b) =>
            console.log(`batch ${b.batchId}: ${b.high} High + ${b.low} Low, fees ${b.fees} (${b.txHash})`),
        }),
      );
    } finally {
      release();
    }
  });

marketTask(
  "storage:offer",
  "Sets the acting storage provider's offer on StorageLedger: a price per MiB-hour and the longest lease",
  "cloud",
)
  .addParam("price", "Price per MiB-hour, in data token", undefined, types.string)
  .addOptionalParam("maxHours", "Longest lease, in hours", 720, types.int)
  .setAction(async (args: MarketArgs & { price: string; maxHours: number }, hre) =>
    withMarket(args, hre, "storage offer", (session) =>
      marketDeskModule().offerStorage(session, {
        pricePerMiBHour: tokenAmount(args.price, "--price"),
        maxHours: positive(args.maxHours, "--max-hours"),
      }),
    ),
  );

marketTask(
  "storage:pay",
  "Pays a storage provider for an asset's sealed fragments (bytes × hours at its offer) and, with --gateway, uploads them (POST /v1/put; refused 402 beyond the bytes paid)",
  "required",
)
  .addParam("hash", "The asset's hash (market:register --file printed it)", undefined, types.string)
  .addOptionalParam("provider", "The storage provider: an account name or a 0x address", "cloud", types.string)
  .addOptionalParam("hours", "Lease duration, in hours", 24, types.int)
  .addOptionalParam(
    "gateway",
    "The provider's gateway URL: upload the fragments there after paying",
    undefined,
    types.string,
  )
  .setAction(async (args: MarketArgs & { hash: string; provider: string; hours: number; gateway?: string }, hre) =>
    withMarket(args, hre, "storage paid", (session) =>
      marketDeskModule().payStorage(session, {
        hash: args.hash,
        provider: args.provider,
        hours: positive(args.hours, "--hours"),
        gateway: args.gateway,
      }),
    ),
  );

marketTask(
  "audit",
  "The storage provider's audit of an asset pending audit: every fragment in its store and their root the hash lists it; otherwise nothing is sent, or with --reject the asset is rejected",
  "cloud",
)
  .addParam("hash", "The asset's hash", undefined, types.string)
  .addOptionalParam(
    "manifest",
    "The asset's manifest (default market/<chain>/assets/<hash>.json)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "storeDir",
    `The provider's Helia store directory (a store:up node's, e.g. .commchain/store/<name>), unless --ipfs-api; default ${DEFAULT_LOCAL_STORE_DIR} in the project`,
    undefined,
    types.string,
  )
  .addOptionalParam("ipfsApi", "The provider's Kubo RPC API URL", undefined, types.string)
  .addFlag("reject", "Reject (and burn) the asset when a fragment is missing or wrong")
  .setAction(
    async (
      args: MarketArgs & { hash: string; manifest?: string; storeDir?: string; ipfsApi?: string; reject: boolean },
      hre,
    ) => {
      const store = await openContentStore({
        ipfsApi: args.ipfsApi,
        dir: projectPath(args.storeDir, hre, DEFAULT_LOCAL_STORE_DIR),
      });
      try {
        return await withMarket(args, hre, "audited", (session) =>
          marketDeskModule().auditAsset(session, {
            hash: args.hash,
            store,
            manifestFile: args.manifest === undefined ? undefined : path.resolve(args.manifest),
            reject: args.reject,
          }),
        );
      } finally {
        await store.close();
      }
    },
  );

marketTask(
  "tokenize",
  "Tokenizes a registered hash as an ERC-721 data asset of its registered owner, pending the provider's audit",
  "required",
)
  .addParam("hash", "The registered hash", undefined, types.string)
  .addOptionalParam("price", "Price, in data token", "0", types.string)
  .addOptionalParam(
    "openness",
    "complete (anyone buys), partial (the --allow list) or none (not for sale)",
    "complete",
    types.string,
  )
  .addOptionalParam(
    "allow",
    "Partial: accounts allowed to buy, comma-separated names or addresses",
    undefined,
    types.string,
  )
  .addOptionalParam("uri", "The asset's URI (default commchain:<chain>/asset/<hash>)", undefined, types.string)
  .setAction(
    async (args: MarketArgs & { hash: string; price: string; openness: string; allow?: string; uri?: string }, hre) =>
      withMarket(args, hre, "tokenized", (session) =>
        marketDeskModule().tokenizeAsset(session, {
          hash: args.hash,
          price: tokenAmount(args.price, "--price"),
          openness: args.openness,
          allow: listItems(args.allow),
          uri: args.uri,
        }),
      ),
  );

marketTask(
  "key",
  "Makes a fresh per-trade receiving key for a buyer (kept 0600 in market/<chain>/keys/) and prints its public key for market:offer",
  "required",
).setAction(async (args: MarketArgs, hre) =>
  withMarket(args, hre, "receiving key", (session) => marketDeskModule().newReceivingKey(session)),
);

marketTask(
  "buy",
  "Buys a Complete asset at its price: a fresh receiving key, the price escrowed in DataTrade; prints the trade id",
  "required",
)
  .addParam("hash", "The asset's hash", undefined, types.string)
  .addOptionalParam("maxPrice", "Most to pay, in data token (default: the listed price)", undefined, types.string)
  .setAction(async (args: MarketArgs & { hash: string; maxPrice?: string }, hre) =>
    withMarket(args, hre, "bought", (session) =>
      marketDeskModule().buyAsset(session, {
        hash: args.hash,
        maxPrice: args.maxPrice === undefined ? undefined : tokenAmount(args.maxPrice, "--max-price"),
      }),
    ),
  );

marketTask(
  "offer",
  "The asset holder signs an offer (EIP-712) to one buyer at a price, with delivery and confirmation windows; writes it for market:open",
  "required",
)
  .addParam("hash", "The asset's hash", undefined, types.string)
  .addParam("buyer", "The buyer: an account name or a 0x address", undefined, types.string)
  .addParam("buyerKey", "The buyer's receiving public key (market:key)", undefined, types.string)
  .addParam("price", "Price, in data token", undefined, types.string)
  .addOptionalParam("deliveryWindow", "Time to grant after the buyer opens, e.g. 1h", "1h", types.string)
  .addOptionalParam("confirmWindow", "Time to confirm or dispute after the grant", "24h", types.string)
  .addOptionalParam("ttl", "How long the offer may be opened", "1h", types.string)
  .addOptionalParam(
    "out",
    "Offer file to write (default offer-<trade contract>-<nonce>.json here)",
    undefined,
    types.string,
  )
  .setAction(
    async (
      args: MarketArgs & {
        hash: string;
        buyer: string;
        buyerKey: string;
        price: string;
        deliveryWindow: string;
        confirmWindow: string;
        ttl: string;
        out?: string;
      },
      hre,
    ) => {
      const nonce = BigInt(Date.now());
      return withMarket(args, hre, "offer signed", (session) =>
        marketDeskModule().signAssetOffer(session, {
          hash: args.hash,
          buyer: args.buyer,
          buyerKey: args.buyerKey,
          price: tokenAmount(args.price, "--price"),
          deliveryWindow: seconds(args.deliveryWindow, "--delivery-window"),
          confirmWindow: seconds(args.confirmWindow, "--confirm-window"),
          ttlSeconds: seconds(args.ttl, "--ttl"),
          nonce,
          out: path.resolve(args.out ?? `offer-${nonce}.json`),
        }),
      );
    },
  );

marketTask("open", "The buyer opens a signed offer: the price escrowed, the trade Paid", "required")
  .addParam("offer", "The offer file (market:offer)", undefined, types.string)
  .setAction(async (args: MarketArgs & { offer: string }, hre) =>
    withMarket(args, hre, "opened", (session) =>
      marketDeskModule().openOffer(session, { offerFile: path.resolve(args.offer) }),
    ),
  );

function deliveryParams(task: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return task
    .addParam("trade", "The trade id", undefined, types.string)
    .addParam("proxies", PROXIES_HELP, undefined, types.string)
    .addOptionalParam("threshold", "Proxies needed (t of n); default ⌊n/2⌋ + 1", undefined, types.int);
}

deliveryParams(
  marketTask(
    "grant",
    "The holder grants a Paid trade: t-of-n re-encryption key fragments for the buyer's key, one per proxy, then DataTrade.grant",
    "required",
  ),
).setAction(async (args: MarketArgs & { trade: string; proxies: string; threshold?: number }, hre) =>
  withMarket(args, hre, "granted", (session) =>
    marketDeskModule().grant(session, {
      tradeId: args.trade,
      proxies: proxies(args.proxies),
      threshold: args.threshold,
    }),
  ),
);

deliveryParams(
  marketTask(
    "confirm",
    "The buyer reads a granted trade's data through the proxies, checks it against the on-chain hash, writes it and confirms receipt (the owner is paid)",
    "required",
  ),
)
  .addParam("out", "File to write the data to (mode 0600)", undefined, types.string)
  .addOptionalParam("manifest", "The asset's manifest, when not in market/<chain>/assets/", undefined, types.string)
  .addFlag("noConfirm", "Read and check the data, confirm nothing on chain")
  .setAction(
    async (
      args: MarketArgs & {
        trade: string;
        proxies: string;
        threshold?: number;
        out: string;
        manifest?: string;
        noConfirm: boolean;
      },
      hre,
    ) =>
      withMarket(args, hre, args.noConfirm ? "read" : "confirmed", (session) =>
        marketDeskModule().confirm(session, {
          tradeId: args.trade,
          proxies: proxies(args.proxies),
          threshold: args.threshold,
          out: path.resolve(args.out),
          manifestFile: args.manifest === undefined ? undefined : path.resolve(args.manifest),
          noConfirm: args.noConfirm,
        }),
      ),
  );

marketTask(
  "refund",
  "The buyer takes back the escrow of a trade the owner did not grant within its delivery window",
  "required",
)
  .addParam("trade", "The trade id", undefined, types.string)
  .setAction(async (args: MarketArgs & { trade: string }, hre) =>
    withMarket(args, hre, "refunded", (session) => marketDeskModule().refund(session, { tradeId: args.trade })),
  );

marketTask(
  "claim",
  "The holder takes the escrow of a granted trade the buyer neither confirmed nor disputed within its confirmation window",
  "required",
)
  .addParam("trade", "The trade id", undefined, types.string)
  .setAction(async (args: MarketArgs & { trade: string }, hre) =>
    withMarket(args, hre, "claimed", (session) => marketDeskModule().claim(session, { tradeId: args.trade })),
  );

deliveryParams(
  marketTask(
    "dispute",
    "The buyer disputes a granted trade: gathers the cfrags and fragments, reveals the trade's receiving key in an evidence file and commits its hash on chain",
    "required",
  ),
)
  .addOptionalParam("manifest", "The asset's manifest, when not in market/<chain>/assets/", undefined, types.string)
  .addOptionalParam("out", "Evidence file (default market/<chain>/evidence/<trade>.json)", undefined, types.string)
  .setAction(
    async (
      args: MarketArgs & { trade: string; proxies: string; threshold?: number; manifest?: string; out?: string },
      hre,
    ) =>
      withMarket(args, hre, "disputed", (session) =>
        marketDeskModule().dispute(session, {
          tradeId: args.trade,
          proxies: proxies(args.proxies),
          threshold: args.threshold,
          manifestFile: args.manifest === undefined ? undefined : path.resolve(args.manifest),
          out: args.out === undefined ? undefined : path.resolve(args.out),
        }),
      ),
  );

marketTask(
  "resolve",
  "The arbiter resolves a disputed trade from its evidence file (checked against the hash on chain): refund when the delivery does not open to the data hash, else pay the owner",
  "deployer",
)
  .addParam("trade", "The trade id", undefined, types.string)
  .addParam("evidence", "The evidence file the buyer disputed with", undefined, types.string)
  .addOptionalParam(
    "buyerBps",
    "Override the verdict: the buyer's share in basis points (0–10000)",
    undefined,
    types.int,
  )
  .setAction(async (args: MarketArgs & { trade: string; evidence: string; buyerBps?: number }, hre) =>
    withMarket(args, hre, "resolved", (session) =>
      marketDeskModule().resolve(session, {
        tradeId: args.trade,
        evidenceFile: path.resolve(args.evidence),
        buyerBps: args.buyerBps,
      }),
    ),
  );

marketTask(
  "status",
  "The market of a community chain: registrations and batches, leases, assets by openness and state, trades by state, the escrow held",
  "none",
)
  .addFlag("json", "Print the status as JSON")
  .setAction(async (args: MarketArgs & { json: boolean }, hre) => {
    const desk = marketDeskModule();
    const session = desk.openMarket({ dir: resolveChainsDir(args.dir, hre), chain: args.chain });
    try {
      const status = await desk.marketStatus(session);
      console.log(args.json ? JSON.stringify(status, null, 2) : desk.formatMarketStatus(status));
      return status;
    } finally {
      session.close();
    }
  });
