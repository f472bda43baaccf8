import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { RLP } from "@ethereumjs/rlp";
import { fetchHeaders } from "../../../src/anchor";

/** Byte sizes of the fields before `difficulty`: parentHash, ommersHash, coinbase, stateRoot, transactionsRoot, receiptsRoot, logsBloom. */
const FIXED_SIZES = [32, 32, 20, 32, 32, 32, 256];
const MIN_FIELDS = 15;
const MAX_SCALAR = 32;
const RUNS = 300;

type Parsed = [boolean, string, string, bigint];
const REJECTED: Parsed = [false, ethers.ZeroHash, ethers.ZeroHash, 0n];

/**
 * The reference: what @ethereumjs/rlp decodes as a header of the right shape — one long list of
 * at least 15 byte strings, the first seven of their fixed sizes, difficulty and number at most
 * 32 bytes.
 */
function reference(bytes: Uint8Array): Parsed {
  let decoded: unknown;
  try {
    decoded = RLP.decode(bytes);
  } catch {
    return REJECTED;
  }
  if (!Array.isArray(decoded) || bytes[0] < 0xf8 || decoded.length < MIN_FIELDS) return REJECTED;
  const fields = decoded as unknown[];
  if (fields.some((f) => !(f instanceof Uint8Array))) return REJECTED;
  const items = fields as Uint8Array[];
  if (FIXED_SIZES.some((size, i) => items[i].length !== size)) return REJECTED;
  if (items[7].length > MAX_SCALAR || items[8].length > MAX_SCALAR) return REJECTED;
  const number = items[8].length === 0 ? 0n : BigInt(ethers.hexlify(items[8]));
  return [true, ethers.hexlify(items[0]), ethers.hexlify(items[3]), number];
}

describe("BlockHeaderRLP.parse: differential fuzz against @ethereumjs/rlp", () => {
  let harness: Awaited<ReturnType<typeof deploy>>;
  let headers: Uint8Array[];
  async function deploy() {
    return ethers.deployContract("BlockHeaderRLPHarness");
  }
  before(async () => {
    harness = await deploy();
    // real headers of this Hardhat chain, some with transactions
    const [signer] = await ethers.getSigners();
    for (let i = 0; i < 3; i++) await (await signer.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
    for (let i = 0; i < 3; i++) await ethers.provider.send("evm_mine", []);
    const head = BigInt(await ethers.provider.getBlockNumber());
    headers = (await fetchHeaders(ethers.provider, head - 5n, head)).map((h) => ethers.getBytes(h.rlp));
  });

  async function agree(bytes: Uint8Array): Promise<void> {
    const [ok, parentHash, stateRoot, number] = await harness.parse(bytes);
    expect([ok, parentHash, stateRoot, number], ethers.hexlify(bytes)).to.deep.equal(reference(bytes));
  }

  const header = () => fc.integer({ min: 0, max: 5 }).map((i) => headers[i]);
  const fields = (bytes: Uint8Array) => RLP.decode(bytes) as Uint8Array[];

  it("accepts every real header with its fields", async () => {
    for (const h of headers) {
      expect((await harness.parse(h))[0]).to.equal(true);
      await agree(h);
    }
  });

  it("agrees on random bytes and random lists of byte strings", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 700 }), async (bytes) => agree(bytes)),
      { numRuns: RUNS },
    );
    const item = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ minLength: 256, maxLength: 256 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 10, maxLength: 22 }), async (list) => agree(RLP.encode(list))),
      { numRuns: RUNS },
    );
  });

  it("agrees on truncated headers and headers with a flipped bit or a replaced byte", async () => {
    await fc.assert(
      fc.asyncProperty(header(), fc.nat(), async (h, cut) => agree(h.slice(0, cut % h.length))),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(header(), fc.nat(), fc.integer({ min: 0, max: 7 }), async (h, at, bit) => {
        const bytes = h.slice();
        bytes[at % bytes.length] ^= 1 << bit;
        await agree(bytes);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(
        header(),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 255 }),
        async (h, at, value) => {
          const bytes = h.slice();
          bytes[at % bytes.length] = value;
          await agree(bytes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("agrees on headers with fields dropped, added, resized or nested, and trailing bytes", async () => {
    await fc.assert(
      fc.asyncProperty(header(), fc.integer({ min: 0, max: 22 }), async (h, keep) =>
        agree(RLP.encode(fields(h).slice(0, keep))),
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(
        header(),
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.constant([new Uint8Array([1])])), {
          minLength: 1,
          maxLength: 3,
        }),
        async (h, extra) => agree(RLP.encode([...fields(h), ...extra] as Parameters<typeof RLP.encode>[0])),
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(
        header(),
        fc.integer({ min: 0, max: 14 }),
        fc.uint8Array({ maxLength: 300 }),
        async (h, at, value) => {
          const list = fields(h);
          list[at] = value;
          await agree(RLP.encode(list));
        },
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(header(), fc.uint8Array({ minLength: 1, maxLength: 8 }), async (h, tail) =>
        agree(new Uint8Array([...h, ...tail])),
      ),
      { numRuns: RUNS / 4 },
    );
  });

  it("agrees on non-canonical encodings: a prefixed single byte, long forms of short lengths, leading zero lengths", async () => {
    const h = headers[0];
    const list = fields(h);
    // number 5 as 0x81 0x05 instead of 0x05
    const payload = Buffer.concat([
      ...list.slice(0, 8).map((f) => RLP.encode(f)),
      Buffer.from([0x81, 0x05]),
      ...list.slice(9).map((f) => RLP.encode(f)),
    ]);
    const wrap = (body: Uint8Array) => {
      const length = ethers.getBytes(ethers.toBeHex(body.length));
      return new Uint8Array([0xf7 + length.length, ...length, ...body]);
    };
    const refused = async (bytes: Uint8Array) => {
      expect(reference(bytes)[0]).to.equal(false);
      await agree(bytes);
    };
    await refused(wrap(payload));
    // difficulty 0 as a long-form empty string (0xb8 0x00)
    const longEmpty = Buffer.concat([
      ...list.slice(0, 7).map((f) => RLP.encode(f)),
      Buffer.from([0xb8, 0x00]),
      ...list.slice(8).map((f) => RLP.encode(f)),
    ]);
    await refused(wrap(longEmpty));
    // the list length with a leading zero byte
    const body = h.slice(1 + (h[0] - 0xf7));
    const length = ethers.getBytes(ethers.toBeHex(body.length));
    await refused(new Uint8Array([0xf7 + length.length + 1, 0, ...length, ...body]));
  });
});
