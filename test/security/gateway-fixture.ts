// Shared by the gateway security tests (no tests here): a store holding one sealed record, and a
// raw signed read request in the current challenge format.
import { Wallet, id } from "ethers";
import * as gatewayModule from "../../src/offchain/gateway/gateway";
import { SharingKeyring } from "../../src/offchain/envelopes/keyring";
import { openHeliaStore, type HeliaStore } from "../../src/offchain/stores/helia-store";
import type { SharedRecord } from "../../src/offchain/envelopes/shared-record";
import { tempDir, utf8 } from "../src/offchain/helpers";

export const CHAIN_ID = 31337n;
export const EPR = "0x00000000000000000000000000000000000e9a01";
export const reader = new Wallet(id("gateway security reader"));

export async function storeWithRecord(): Promise<{
  store: HeliaStore;
  record: SharedRecord;
  dispose: () => Promise<void>;
}> {
  const temp = await tempDir("gateway-security");
  const store = await openHeliaStore({ dir: temp.dir });
  const keyring = new SharingKeyring(new Wallet(id("gateway security device")).signingKey.publicKey);
  keyring.addReader(reader.signingKey.publicKey);
  const record = await keyring.write(store, utf8("sealed status snapshot"));
  return {
    store,
    record,
    dispose: async () => {
      await store.close();
      await temp.dispose();
    },
  };
}

/** Posts `body` to `/v1/read` of `url` with `headers`; returns status, headers and JSON. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/read`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const raw = await response.text();
  let json: Record<string, string> = {};
  try {
    json = JSON.parse(raw) as Record<string, string>;
  } catch {
    json = { raw };
  }
  return { status: response.status, retryAfter: response.headers.get("retry-after"), json };
}

/** A read request signed by `wallet` for the gateway at `url`, in the current format. */
export async function signedRead(
  url: string,
  wallet: { address: string; signMessage(message: string): Promise<string> },
  cid: string,
  recordId: bigint | string = 7n,
): Promise<Record<string, unknown>> {
  const origin = new URL(url).origin;
  const expiry = Math.floor(Date.now() / 1000) + 60;
  const nonce = gatewayModule.newChallengeNonce();
  const signature = await wallet.signMessage(
    gatewayModule.readChallenge({
      chainId: CHAIN_ID,
      eprAddress: EPR,
      recordId: BigInt(recordId),
      cid,
      origin,
      expiry,
      nonce,
    }),
  );
  return {
    cid,
    recordId: recordId.toString(),
    eprAddress: EPR,
    reader: wallet.address,
    chainId: CHAIN_ID.toString(),
    origin,
    expiry,
    nonce,
    signature,
  };
}
