/**
 * How long commchain waits for a chain, in one place: every provider, transport and probe of a
 * chain takes its deadline from here, so "the chain is down" means the same everywhere.
 *
 * - `request`: one JSON-RPC request of a client at work (a transaction, a call, a receipt poll);
 * - `deploy`: one request of an Ignition deployment, which waits on compiled bytecode going in;
 * - `probe`: asking whether a chain answers at all (start-up, status, reachability), where a dead
 *   endpoint must be told quickly.
 *
 * Retries are the callers' policy, not the transport's: the IoT unit's queue retries outages with
 * backoff (src/iot/tx-queue.ts), the relay retries its next round (src/anchor/relay.ts), and a
 * deployment or a record run resumes where the chain is when run again.
 */
export const CHAIN_TIMEOUTS = {
  request: 10_000,
  deploy: 20_000,
  probe: 5_000,
} as const;
