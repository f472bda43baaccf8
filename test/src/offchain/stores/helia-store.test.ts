import { expect } from "chai";
import type { Helia } from "@helia/interface";
import { HeliaStore } from "../../../../src/offchain/stores/helia-store";

/**
 * A networked Helia node reduced to what `put` touches: a blockstore and a DHT `provide` that
 * only finishes when the test says so (or fails when aborted), so the order of events is exact.
 */
function fakeNetworkedHelia() {
  const stored: string[] = [];
  const provides: { cid: string; finish: () => void }[] = [];
  const helia = {
    blockstore: { put: async (cid: { toString(): string }) => void stored.push(cid.toString()) },
    routing: {
      provide: (cid: { toString(): string }, options: { signal: AbortSignal }) =>
        new Promise<void>((resolve, reject) => {
          provides.push({ cid: cid.toString(), finish: resolve });
          options.signal.addEventListener("abort", () => reject(new Error("provide aborted")));
        }),
    },
  } as unknown as Helia;
  return { helia, stored, provides };
}

describe("offchain/HeliaStore announcements", () => {
  it("put returns once the block is stored; announced waits for the provider record", async () => {
    const { helia, stored, provides } = fakeNetworkedHelia();
    const store = new HeliaStore(helia, { name: "fake", network: true, ownsNode: false });
    const cid = await store.put(new TextEncoder().encode("spindle 71.5 C"));
    expect(stored).to.deep.equal([cid]);
    expect(provides.map((p) => p.cid)).to.deep.equal([cid]);

    let announced = false;
    const waiting = store.announced(cid).then(() => (announced = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(announced).to.equal(false);
    provides[0].finish();
    await waiting;
    expect(announced).to.equal(true);
    await store.close();
  });

  it("close aborts publications under way, and announced then reports the failure", async () => {
    const { helia, provides } = fakeNetworkedHelia();
    const store = new HeliaStore(helia, { name: "fake", network: true, ownsNode: false });
    const cid = await store.put(new TextEncoder().encode("bearing 12 Hz"));
    expect(provides).to.have.length(1);
    await store.close();
    await store.announced(cid).then(
      () => expect.fail("the aborted publication should be reported"),
      (error: Error) => expect(error.message).to.equal("provide aborted"),
    );
  });

  it("a store without networking publishes nothing", async () => {
    const { helia, stored, provides } = fakeNetworkedHelia();
    const store = new HeliaStore(helia, { name: "fake", network: false, ownsNode: false });
    const cid = await store.put(new TextEncoder().encode("offline"));
    expect(stored).to.deep.equal([cid]);
    expect(provides).to.deep.equal([]);
    await store.announced(cid);
    await store.close();
  });
});
