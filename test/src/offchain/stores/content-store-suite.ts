// The behaviour every ContentStore backend must have, as one mocha suite per backend.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import type { ContentStore } from "../../../../src/offchain/stores/store";
import { cidOf, MAX_OBJECT_BYTES } from "../../../../src/offchain/stores/cid";
import {
  ContentIntegrityError,
  ContentNotFoundError,
  InvalidCidError,
  NotPinnedError,
  ObjectTooLargeError,
  StoreClosedError,
} from "../../../../src/offchain/errors";
import { expectRejects, text, utf8 } from "../helpers";

export interface StoreHarness {
  /** Opens the backend (again, on the same data when called after `close`). */
  open(): Promise<ContentStore>;
  /** Makes the backend hand out `bytes` for `cid` from now on (to test `get`'s verification). */
  tamper(cid: string, bytes: Uint8Array): Promise<void>;
  /** Releases everything the harness set up. */
  dispose(): Promise<void>;
}

/** A CID of bytes no store was given. */
const absentCid = async (): Promise<string> => (await cidOf(randomBytes(32))).toString();

export function describeContentStore(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`ContentStore contract: ${name}`, function () {
    let harness: StoreHarness;
    let store: ContentStore;

    beforeEach(async function () {
      harness = await setup();
      store = await harness.open();
    });

    afterEach(async function () {
      await store?.close();
      await harness?.dispose();
    });

    it("put returns the CIDv1 raw sha2-256 CID of the bytes, and get returns the same bytes", async function () {
      const bytes = utf8("vibration 101 Hz at spindle 3");
      const cid = await store.put(bytes);
      expect(cid).to.equal((await cidOf(bytes)).toString());
      expect(cid.startsWith("bafkrei")).to.equal(true);
      expect(text(await store.get(cid))).to.equal("vibration 101 Hz at spindle 3");
    });

    it("stores binary and empty objects byte for byte, and put is idempotent", async function () {
      const bytes = new Uint8Array(randomBytes(70_000));
      const first = await store.put(bytes);
      const second = await store.put(bytes);
      expect(second).to.equal(first);
      expect(Buffer.from(await store.get(first)).equals(Buffer.from(bytes))).to.equal(true);
      const empty = await store.put(new Uint8Array());
      expect((await store.get(empty)).length).to.equal(0);
    });

    it("has reports what the store holds", async function () {
      const cid = await store.put(utf8("held"));
      expect(await store.has(cid)).to.equal(true);
      expect(await store.has(await absentCid())).to.equal(false);
    });

    it("get of a CID it does not hold throws ContentNotFoundError naming the CID", async function () {
      const cid = await absentCid();
      const error = await expectRejects(store.get(cid, { signal: AbortSignal.timeout(2_000) }), ContentNotFoundError);
      expect(error.cid).to.equal(cid);
    });

    it("rejects malformed CIDs and CIDs of another kind with InvalidCidError", async function () {
      const malformed = await expectRejects(store.get("not-a-cid"), InvalidCidError);
      expect(malformed.cid).to.equal("not-a-cid");
      // A CIDv0 (dag-pb) is a valid CID, but never one this project produces.
      const v0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
      const error = await expectRejects(store.has(v0), InvalidCidError);
      expect(error.reason).to.match(/version 0/);
    });

    it("refuses objects over MAX_OBJECT_BYTES with ObjectTooLargeError", async function () {
      const error = await expectRejects(store.put(new Uint8Array(MAX_OBJECT_BYTES + 1)), ObjectTooLargeError);
      expect(error.size).to.equal(MAX_OBJECT_BYTES + 1);
      expect(error.max).to.equal(MAX_OBJECT_BYTES);
    });

    it("get verifies the bytes against the CID: other bytes throw ContentIntegrityError", async function () {
      const cid = await store.put(utf8("genuine reading"));
      await harness.tamper(cid, utf8("forged reading!"));
      const error = await expectRejects(store.get(cid), ContentIntegrityError);
      expect(error.cid).to.equal(cid);
      expect(error.actualCid).to.equal((await cidOf(utf8("forged reading!"))).toString());
    });

    it("pins and unpins; unpinning what is not pinned throws NotPinnedError", async function () {
      const cid = await store.put(utf8("keep me"));
      expect(await store.isPinned(cid)).to.equal(false);
      await store.pin(cid);
      await store.pin(cid); // idempotent
      expect(await store.isPinned(cid)).to.equal(true);
      await store.unpin(cid);
      expect(await store.isPinned(cid)).to.equal(false);
      const error = await expectRejects(store.unpin(cid), NotPinnedError);
      expect(error.cid).to.equal(cid);
    });

    it("refuses every call after close with StoreClosedError, and close is idempotent", async function () {
      const cid = await store.put(utf8("before close"));
      await store.close();
      await store.close();
      await expectRejects(store.get(cid), StoreClosedError);
      await expectRejects(store.put(utf8("after close")), StoreClosedError);
    });

    it("keeps data and pins across a restart", async function () {
      const cid = await store.put(utf8("survives restarts"));
      await store.pin(cid);
      await store.close();
      store = await harness.open();
      expect(text(await store.get(cid))).to.equal("survives restarts");
      expect(await store.isPinned(cid)).to.equal(true);
    });
  });
}
