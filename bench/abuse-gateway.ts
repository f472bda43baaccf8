/**
 * The gateway process of `bench/abuse.ts`: one community's gateway as a run starts it
 * (`src/system/stores.ts`: `communityReadPredicate` over the community chain's JSON-RPC, EPRs of
 * the community's relationship factory only), in a process of its own, in front of the store the
 * bench wrote the device's envelope to. Forked by the bench with an IPC channel; it is not a
 * bench by itself.
 *
 * Messages: the bench sends `{ type: "stats" }` (answered with the gateway's counters and the
 * JSON-RPC requests it sent to the chain) and `{ type: "close" }`. Started, it sends
 * `{ type: "ready", url }`.
 */
import { chainProvider } from "../src/chains/providers";
import { communityReadPredicate, createdByFactory, startGateway } from "../src/offchain/gateway/gateway";
import { openHeliaStore } from "../src/offchain/stores/helia-store";

/** What the bench passes (JSON in argv[2]). */
interface GatewayLaunch {
  name: string;
  rpc: string;
  chainId: number;
  factory: string;
  storeDir: string;
}

async function main(): Promise<void> {
  const launch = JSON.parse(process.argv[2]) as GatewayLaunch;
  const provider = chainProvider({ name: launch.name, rpc: launch.rpc, chainId: launch.chainId });
  // Every JSON-RPC payload the gate sends to the chain: the flood's cost on the chain.
  const rpc: Record<string, number> = {};
  provider.on("debug", (event: { action: string; payload?: { method: string } | { method: string }[] }) => {
    if (event.action !== "sendRpcPayload" || event.payload === undefined) return;
    for (const { method } of Array.isArray(event.payload) ? event.payload : [event.payload])
      rpc[method] = (rpc[method] ?? 0) + 1;
  });
  const store = await openHeliaStore({ dir: launch.storeDir });
  const trusted = createdByFactory(provider, launch.factory);
  const predicate = communityReadPredicate({ runner: provider, provider, trusted });
  const gateway = await startGateway({
    store,
    predicate,
    chainId: launch.chainId,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.on("message", (message: { type: string }) => {
    if (message.type === "stats") {
      process.send!({ type: "stats", stats: { ...gateway.stats }, rpc: { ...rpc }, cpu: process.cpuUsage() });
    } else if (message.type === "close") {
      void (async () => {
        await gateway.close();
        await store.close();
        provider.destroy();
        process.disconnect();
      })();
    }
  });
  process.send!({ type: "ready", url: gateway.url });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
