import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

const PARENT = ethers.keccak256(ethers.toUtf8Bytes("parent"));
const STATE = ethers.keccak256(ethers.toUtf8Bytes("state"));
const HASH = ethers.keccak256(ethers.toUtf8Bytes("other"));

/** The fields of a Frontier header (up to `nonce`, the fewest a header has), as RLP items (byte strings), in the header's order. */
function headerFields(number: bigint, difficulty = "0x"): string[] {
  return [
    PARENT,
    HASH,
    ethers.zeroPadValue("0x01", 20),
    STATE,
    HASH,
    HASH,
    ethers.zeroPadValue("0x", 256),
    difficulty,
    ethers.toBeArray(number).length === 0 ? "0x" : ethers.toBeHex(number),
    ethers.toBeHex(30_000_000),
    "0x",
    ethers.toBeHex(1_700_000_000),
    "0x",
    HASH,
    "0x0000000000000000",
  ];
}

function encode(fields: string[]): string {
  return ethers.encodeRlp(fields);
}

/** `header` with byte `index` replaced by `value`. */
function withByte(header: string, index: number, value: number): string {
  const bytes = ethers.getBytes(header);
  bytes[index] = value;
  return ethers.hexlify(bytes);
}

async function deployHarness() {
  return ethers.deployContract("BlockHeaderRLPHarness");
}

describe("BlockHeaderRLP", () => {
  describe("well-formed headers", () => {
    for (const number of [0n, 1n, 0x7fn, 0x80n, 123_456n, 2n ** 64n - 1n]) {
      it(`reads parentHash, stateRoot and number ${number}`, async () => {
        const harness = await loadFixture(deployHarness);
        const [ok, parent, state, parsed] = await harness.parse(encode(headerFields(number)));
        expect([ok, parent, state, parsed]).to.deep.equal([true, PARENT, STATE, number]);
      });
    }

    it("skips a multi-byte difficulty (pre-merge headers) to reach the number", async () => {
      const harness = await loadFixture(deployHarness);
      const [ok, , , parsed] = await harness.parse(encode(headerFields(42n, "0x020000")));
      expect([ok, parsed]).to.deep.equal([true, 42n]);
    });
  });

  describe("malformed headers are refused, never misread", () => {
    // The list payload starts after the prefix 0xf9 and its two length bytes.
    const PAYLOAD = 3;
    const good = encode(headerFields(7n));

    const cases: [string, () => string][] = [
      ["empty bytes", () => "0x"],
      ["a short list (prefix below 0xf8)", () => ethers.encodeRlp([PARENT])],
      ["a string instead of a list", () => ethers.encodeRlp(ethers.hexlify(new Uint8Array(600)))],
      ["a list prefix without its length bytes", () => "0xf9"],
      ["a list whose length disagrees with the bytes", () => good + "00"],
      ["a list too short to hold the fixed fields", () => ethers.encodeRlp([PARENT, HASH, HASH])],
      ["parentHash without its 32-byte prefix", () => withByte(good, PAYLOAD + 0, 0x9f)],
      ["ommersHash without its prefix", () => withByte(good, PAYLOAD + 33, 0x9f)],
      ["coinbase without its 20-byte prefix", () => withByte(good, PAYLOAD + 66, 0x93)],
      ["stateRoot without its prefix", () => withByte(good, PAYLOAD + 87, 0x9f)],
      ["transactionsRoot without its prefix", () => withByte(good, PAYLOAD + 120, 0x9f)],
      ["receiptsRoot without its prefix", () => withByte(good, PAYLOAD + 153, 0x9f)],
      ["logsBloom without its long-string prefix", () => withByte(good, PAYLOAD + 186, 0xb8)],
      ["logsBloom of another length", () => withByte(good, PAYLOAD + 188, 0x01)],
      ["a difficulty that is a list", () => withByte(good, PAYLOAD + 445, 0xc0)],
      [
        "a number longer than 32 bytes",
        () => encode(headerFields(0n).map((f, i) => (i === 8 ? ethers.hexlify(new Uint8Array(33).fill(1)) : f))),
      ],
    ];
    for (const [name, build] of cases) {
      it(name, async () => {
        const harness = await loadFixture(deployHarness);
        const [ok, parent, state, number] = await harness.parse(build());
        expect([ok, parent, state, number]).to.deep.equal([false, ethers.ZeroHash, ethers.ZeroHash, 0n]);
      });
    }

    it("a number cut off by the end of the header", async () => {
      const harness = await loadFixture(deployHarness);
      // Exactly the fixed fields, a one-byte difficulty and a number prefix announcing 8 bytes.
      const fixed = ethers.getBytes(encode(headerFields(7n))).slice(PAYLOAD, PAYLOAD + 445);
      const payload = ethers.concat([fixed, "0x80", "0x88", "0x0102"]);
      const header = ethers.concat(["0xf9", ethers.toBeHex(ethers.getBytes(payload).length, 2), payload]);
      const [ok] = await harness.parse(header);
      expect(ok).to.equal(false);
    });
  });
});
