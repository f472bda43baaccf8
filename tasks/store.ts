import path from "node:path";
import { readFile } from "node:fs/promises";
import { types } from "hardhat/config";
import { startStoreCluster } from "../src/offchain/stores/cluster";
import { communityReadPredicate, createdByFactory, startGateway, type Gateway } from "../src/offchain/gateway/gateway";
import { StoreClusterConfigError } from "../src/offchain/errors";
import {
  formatStoreStatus,
  removeClusterFile,
  storeStatus,
  writeClusterFile,
} from "../src/offchain/stores/store-status";
import { openContentStore } from "../src/offchain/stores/open-store";
import { chainNow, collectExpired, paidPutRoute, PutLedger } from "../src/offchain/gateway/put";
import { proxyRoutes } from "../src/offchain/gateway/proxy";
import type { GatewayRoute } from "../src/offchain/gateway/http";
import { formatStoreNodes } from "../src/offchain/stores/format";
import { writeFileAtomic } from "../src/io/atomic-write";
import { isAddress } from "ethers";
import { systemWallet } from "../src/chains/accounts";
import { commchainTask, optionalList, projectPath, untilInterrupted } from "./kit";

export const DEFAULT_STORE_DIR = path.join(".commchain", "store");
export const DEFAULT_LOCAL_STORE_DIR = path.join(DEFAULT_STORE_DIR, "local");
const LOCAL_DIR_HELP = `Standalone Helia store directory, used unless --ipfs-api is given; default ${DEFAULT_LOCAL_STORE_DIR} in the project`;
const IPFS_API_HELP =
  "Kubo RPC API URL (e.g. http://127.0.0.1:5001): use a Kubo daemon or IPFS cluster instead of the embedded Helia store";
const DIR_HELP = `Store directory: one sub-directory per node (peer.key, blocks/, datastore/); default ${DEFAULT_STORE_DIR} in the project`;

interface StoreUpArgs {
  dir?: string;
  count: number;
  names?: string;
  host: string;
  gateway: boolean;
  gatewayPort: number;
  gatewayUrl?: string;
  epr?: string;
  factory?: string;
  storageLedger?: string;
  providerAccount?: string;
  trade?: string;
  duration: number;
}

commchainTask(
  "store:up",
  "Starts the off-chain store cluster (one embedded Helia node per community, Kademlia DHT over TCP) in the foreground until Ctrl-C",
)
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addOptionalParam(
    "count",
    "Number of nodes, named node-1 … node-<count> (ignored when --names is given)",
    3,
    types.int,
  )
  .addOptionalParam(
    "names",
    "Node names, comma-separated (e.g. community-1,community-2,community-3)",
    undefined,
    types.string,
  )
  .addOptionalParam("host", "IPv4 address the nodes listen on", "127.0.0.1", types.string)
  .addFlag("gateway", "Also serve reads over HTTP, gated by EPR.canRead on the --network chain")
  .addOptionalParam("gatewayPort", "Gateway port (0: any free port)", 8701, types.int)
  .addOptionalParam(
    "gatewayUrl",
    "URL clients reach the gateway under, if not its listen address (e.g. with --host 0.0.0.0): read challenges must name it",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "epr",
    "EPR contract addresses the gateway trusts, comma-separated (with --gateway; or use --factory)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "factory",
    "Relationship factory whose EPRs the gateway trusts (isRelationship), instead of --epr",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "storageLedger",
    "StorageLedger contract: with --gateway and --provider-account, also serve paid uploads (POST /v1/put; put ledger in <dir>/gateway)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "providerAccount",
    "The storage provider account owners pay (with --storage-ledger): a 0x address or a system role (cloud)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "trade",
    "DataTrade contract: with --gateway, also act as a PRE proxy (POST /v1/kfrag, POST /v1/reencrypt; key in <dir>/gateway/proxy.key)",
    undefined,
    types.string,
  )
  .addOptionalParam("duration", "Seconds to run before stopping by itself (0: until Ctrl-C)", 0, types.int)
  .setAction(async (args: StoreUpArgs, hre) => {
    const dir = projectPath(args.dir, hre, DEFAULT_STORE_DIR);
    const names = optionalList(args.names);
    const trusted = optionalList(args.epr);
    if (args.gateway && trusted === undefined && args.factory === undefined) {
      throw new StoreClusterConfigError("epr", "--gateway needs the EPRs it may ask: --epr 0x…,0x… or --factory 0x…");
    }
    console.log(`starting ${names?.length ?? args.count} store node(s) in ${dir} …`);
    const cluster = await startStoreCluster({
      dir,
      names,
      count: names === undefined ? args.count : undefined,
      host: args.host,
    });
    let gateway: Gateway | undefined;
    try {
      if (cluster.nodes.length > 0) console.log(formatStoreNodes(cluster.nodes));
      if (args.gateway) {
        const gatewayDir = path.join(dir, "gateway");
        const routes: GatewayRoute[] = [];
        if (args.storageLedger !== undefined) {
          if (args.providerAccount === undefined)
            throw new StoreClusterConfigError("provider-account", "--storage-ledger needs --provider-account 0x…");
          routes.push(
            await paidPutRoute({
              store: cluster.nodes[0].store,
              runner: hre.ethers.provider,
              ledger: args.storageLedger,
              provider: isAddress(args.providerAccount)
                ? args.providerAccount
                : systemWallet(args.providerAccount).address,
              dataDir: gatewayDir,
            }),
          );
        }
        if (args.trade !== undefined)
          routes.push(
            ...(
              await proxyRoutes({
                runner: hre.ethers.provider,
                trade: args.trade,
                dataDir: gatewayDir,
                store: cluster.nodes[0].store,
              })
            ).routes,
          );
        gateway = await startGateway({
          routes,
          store: cluster.nodes[0].store,
          // The EPR must be trusted, its record must point at the CID (first registered in that
          // EPR), and canRead must say yes.
          predicate: communityReadPredicate({
            runner: hre.ethers.provider,
            provider: hre.ethers.provider,
            trusted: args.factory !== undefined ? createdByFactory(hre.ethers.provider, args.factory) : (trusted ?? []),
          }),
          chainId: (await hre.ethers.provider.getNetwork()).chainId,
          host: args.host,
          port: args.gatewayPort,
          origins: args.gatewayUrl === undefined ? [] : [args.gatewayUrl],
        });
        console.log(
          `gateway ${gateway.url} (POST /v1/read${routes.map((r) => `, ${r.method} ${r.path}`).join("")}), predicate EPR.record + EPR.canRead on network ${hre.network.name}`,
        );
      }
      const file = await writeClusterFile(cluster, gateway?.url);
      console.log(`cluster file ${file}; ${args.duration > 0 ? `stopping in ${args.duration} s` : "Ctrl-C stops"}`);
      await untilInterrupted(args.duration * 1000);
    } finally {
      console.log("stopping …");
      await gateway?.close();
      await cluster.stop();
      await removeClusterFile(dir);
    }
    console.log("stopped");
  });

commchainTask("store:status", "Prints the store nodes under --dir: peer id, blocks held, listen addresses if running")
  .addOptionalParam("dir", DIR_HELP, undefined, types.string)
  .addFlag("json", "Print JSON instead of a table")
  .setAction(async (args: { dir?: string; json: boolean }, hre) => {
    const status = await storeStatus(projectPath(args.dir, hre, DEFAULT_STORE_DIR));
    console.log(args.json ? JSON.stringify(status, null, 2) : formatStoreStatus(status));
    return status;
  });

commchainTask(
  "store:put",
  "Stores a file (at most 1 MiB, as one raw block) and prints its CID; encrypt first for anything private",
)
  .addParam("file", "File to store", undefined, types.inputFile)
  .addOptionalParam("dir", LOCAL_DIR_HELP, undefined, types.string)
  .addOptionalParam("ipfsApi", IPFS_API_HELP, undefined, types.string)
  .addFlag("pin", "Pin the object so garbage collection keeps it")
  .setAction(async (args: { file: string; dir?: string; ipfsApi?: string; pin: boolean }, hre) => {
    const store = await openContentStore({
      ipfsApi: args.ipfsApi,
      dir: projectPath(args.dir, hre, DEFAULT_LOCAL_STORE_DIR),
    });
    try {
      const cid = await store.put(await readFile(args.file));
      if (args.pin) await store.pin(cid);
      console.log(cid);
      return cid;
    } finally {
      await store.close();
    }
  });

commchainTask(
  "store:get",
  "Fetches an object by CID, checks it hashes to the CID, and writes it to --out (or prints it)",
)
  .addParam("cid", "CID of the object (CIDv1 raw, bafkrei…)", undefined, types.string)
  .addOptionalParam(
    "out",
    "File to write (atomically); prints the bytes as UTF-8 when omitted",
    undefined,
    types.string,
  )
  .addOptionalParam("dir", LOCAL_DIR_HELP, undefined, types.string)
  .addOptionalParam("ipfsApi", IPFS_API_HELP, undefined, types.string)
  .setAction(async (args: { cid: string; out?: string; dir?: string; ipfsApi?: string }, hre) => {
    const store = await openContentStore({
      ipfsApi: args.ipfsApi,
      dir: projectPath(args.dir, hre, DEFAULT_LOCAL_STORE_DIR),
    });
    try {
      const bytes = await store.get(args.cid);
      if (args.out === undefined) process.stdout.write(Buffer.from(bytes).toString("utf8") + "\n");
      else {
        await writeFileAtomic(path.resolve(args.out), bytes);
        console.log(`${bytes.length} bytes → ${args.out}`);
      }
      return bytes.length;
    } finally {
      await store.close();
    }
  });

commchainTask(
  "store:gc",
  "Unpins the objects of storage leases that have ended (by the --network chain's clock), as the put ledger of a gateway's data dir records them; prints a summary",
)
  .addOptionalParam(
    "dataDir",
    "The gateway's data directory holding put-ledger.ndjson (default .commchain/store/gateway)",
    undefined,
    types.string,
  )
  .addOptionalParam("dir", LOCAL_DIR_HELP, undefined, types.string)
  .addOptionalParam("ipfsApi", IPFS_API_HELP, undefined, types.string)
  .addFlag("dryRun", "List what would be unpinned; change nothing")
  .addFlag("json", "Print the summary as JSON")
  .setAction(
    async (args: { dataDir?: string; dir?: string; ipfsApi?: string; dryRun: boolean; json: boolean }, hre) => {
      const ledger = await PutLedger.open(projectPath(args.dataDir, hre, ".commchain/store/gateway"));
      const now = await chainNow(hre.ethers.provider);
      const store = await openContentStore({
        ipfsApi: args.ipfsApi,
        dir: projectPath(args.dir, hre, DEFAULT_LOCAL_STORE_DIR),
      });
      try {
        const summary = await collectExpired(ledger, store, now, { dryRun: args.dryRun });
        if (args.json) console.log(JSON.stringify(summary, null, 2));
        else {
          for (const e of summary.expired)
            console.log(
              `${args.dryRun ? "would unpin" : e.unpinned ? "unpinned" : "kept (another live lease holds it)"} ${e.cid} (owner ${e.owner}, lease ${e.leaseId} ended ${new Date(e.leaseEnd * 1000).toISOString()})`,
            );
          console.log(
            `${summary.expired.length} expired, ${summary.kept} live, ${summary.bytesFreed} bytes unpinned${args.dryRun ? " (dry run: nothing changed)" : ""}`,
          );
        }
        return summary;
      } finally {
        await store.close();
      }
    },
  );
