// Secure aggregation: the secure sum is the plain sum of the encoded vectors bit for bit with up to
// n − t dropouts of both kinds; one more aborts the round; the DA can never get both shares of an
// owner; masked words look uniform; t − 1 shares reveal nothing; too many owners are refused up front.
import { expect } from "chai";
import { recoverKey, splitKey } from "../../../src/crypto/key-shares";
import { randomSecretKey } from "../../../src/crypto/secp256k1";
import {
  addWords,
  bytesToWords,
  checkNoOverflow,
  checkSession,
  decodeSum,
  encodeVector,
  LearningConfigError,
  readMasked,
  runSecAggRound,
  SecAggBothSharesRequestedError,
  SecAggClient,
  SecAggMessageError,
  SecAggOverflowError,
  SecAggServer,
  SecAggTooFewSurvivorsError,
  simulatedAccounts,
  wordsToBytes,
  writeKeyList,
  writeRequest,
  type SecAggRoundOptions,
} from "../../../src/learning";
import { chiSquare, chiSquareCritical, seededBytes } from "./helpers";

const N = 7;
const T = 4; // ⌊7/2⌋ + 1
const DIMENSION = 14;
const accounts = simulatedAccounts(5, N);
const addresses = accounts.map((a) => a.address);

/** Encoded inputs of distinct real vectors, one per owner. */
function inputs(seed: number, n = N, dimension = DIMENSION): Uint32Array[] {
  return Array.from(
    { length: n },
    (_, u) => encodeVector(Float64Array.from({ length: dimension }, (_, j) => Math.sin(seed + 7 * u + j) * 3)).words,
  );
}

function plainSum(xs: readonly Uint32Array[], owners: readonly number[]): Uint32Array {
  const sum = new Uint32Array(xs[0].length);
  for (const u of owners) addWords(sum, xs[u]);
  return sum;
}

function round(options: Partial<SecAggRoundOptions> = {}) {
  return runSecAggRound({ task: "task-1", round: 1, inputs: inputs(1), accounts, random: seededBytes(1), ...options });
}

describe("learning/secagg", () => {
  describe("encoding", () => {
    it("quantises within [-clip, clip] to q levels and decodes a sum to within n quantisation steps", () => {
      const values = [-8, -3.25, 0, 1e-6, 7.999];
      const { words, clipped } = encodeVector(values);
      expect(clipped).to.equal(0);
      expect(words[0]).to.equal(0);
      expect(Math.max(...words)).to.be.below(2 ** 22);
      const decoded = decodeSum(words, 1);
      values.forEach((v, i) => expect(Math.abs(decoded[i] - v)).to.be.at.most(16 / (2 ** 22 - 1)));
    });

    it("clips values outside [-clip, clip] and counts them", () => {
      const { words, clipped } = encodeVector([9, -100, 8, 0]);
      expect(clipped).to.equal(2);
      expect([words[0], words[1]]).to.deep.equal([2 ** 22 - 1, 0]);
    });

    it("writes words as little-endian bytes and reads them back", () => {
      const words = Uint32Array.of(0, 1, 0xdeadbeef, 2 ** 32 - 1);
      const bytes = wordsToBytes(words);
      expect(Buffer.from(bytes).toString("hex")).to.equal("0000000001000000efbeadde" + "ffffffff");
      expect(Array.from(bytesToWords(bytes))).to.deep.equal(Array.from(words));
    });

    it("accepts 1,024 owners at q = 2^22 and refuses 1,025 (their sum could wrap 2^32)", () => {
      expect(() => checkNoOverflow(1024)).not.to.throw();
      expect(() => checkNoOverflow(1025))
        .to.throw(SecAggOverflowError)
        .that.satisfies((e: SecAggOverflowError) => e.owners === 1025 && e.q === 2 ** 22);
      const many = Array.from({ length: 1025 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
      expect(() => checkSession({ task: "t", round: 1, addresses: many, dimension: 1 })).to.throw(SecAggOverflowError);
    });

    it("refuses more owners than GF(2^8) shares and a threshold outside [2, n], naming the option", () => {
      const many = Array.from({ length: 256 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
      expect(() => checkSession({ task: "t", round: 1, addresses: many, dimension: 1 }))
        .to.throw(LearningConfigError)
        .with.property("option", "owners");
      for (const threshold of [1, N + 1])
        expect(() => checkSession({ task: "t", round: 1, addresses, dimension: 1, threshold }))
          .to.throw(LearningConfigError)
          .with.property("option", "threshold");
    });
  });

  describe("secure sum", () => {
    it("equals the plain sum of the encoded vectors bit for bit with no dropout", async () => {
      const r = await round();
      expect(r.contributors).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
      expect(r.responders).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
      expect(Buffer.from(wordsToBytes(r.sum)).equals(Buffer.from(wordsToBytes(plainSum(inputs(1), r.contributors))))).to
        .be.true;
    });

    for (const [name, before, after] of [
      ["n − t before sending their input", [1, 4, 6], []],
      ["n − t after sending their input", [], [0, 2, 5]],
      ["n − t of both kinds", [3, 6], [0]],
    ] as const) {
      it(`equals the plain sum of the contributors bit for bit with ${name}`, async () => {
        const r = await round({ dropBeforeInput: before, dropAfterInput: after });
        const contributors = [0, 1, 2, 3, 4, 5, 6].filter((u) => !(before as readonly number[]).includes(u));
        expect(r.contributors).to.deep.equal(contributors);
        expect(r.responders).to.have.length(T);
        expect(Array.from(r.sum)).to.deep.equal(Array.from(plainSum(inputs(1), contributors)));
      });
    }

    for (const [name, before, after, survivors] of [
      ["before sending their input", [0, 1, 2, 3], [], T - 1],
      ["of both kinds", [2, 3], [4, 5], T - 1],
      ["after sending their input", [], [1, 2, 3, 4], T - 1],
    ] as const) {
      it(`aborts with SecAggTooFewSurvivorsError at n − t + 1 dropouts ${name}`, async () => {
        const error = await round({ round: 3, dropBeforeInput: before, dropAfterInput: after }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(SecAggTooFewSurvivorsError);
        const e = error as SecAggTooFewSurvivorsError;
        expect([e.round, e.survivors, e.t]).to.deep.equal([3, survivors, T]);
      });
    }

    it("counts the bytes each owner sends and receives; a dropout before its input sends less", async () => {
      const r = await round({ dropBeforeInput: [2] });
      const maskedBytes = 1 + 2 + 4 + 4 * DIMENSION;
      expect(r.traffic.sent[0] - r.traffic.sent[2]).to.be.at.least(maskedBytes);
      expect(r.traffic.sent.every((b) => b > 0) && r.traffic.received.every((b) => b > 0)).to.be.true;
    });
  });

  describe("what the DA gets", () => {
    it("masked words of a constant input pass a χ² test of uniformity (p > 0.001), the input does not", async () => {
      const dimension = 4096;
      const constant = encodeVector(new Float64Array(dimension).fill(0.5)).words;
      const r = await runSecAggRound({
        task: "uniformity",
        round: 1,
        inputs: Array.from({ length: 3 }, () => constant),
        accounts: simulatedAccounts(9, 3),
        threshold: 2,
        random: seededBytes(42),
      });
      const words = [...r.masked.entries()].flatMap(([u, bytes]) => Array.from(readMasked(bytes, u).words));
      expect(words).to.have.length(3 * dimension);
      const critical = chiSquareCritical(255, 3.0902); // p = 0.001, 255 degrees of freedom: ≈ 330.5
      for (const [name, byteOf] of [
        ["high byte", (w: number) => w >>> 24],
        ["low byte", (w: number) => w & 0xff],
      ] as const) {
        const masked = new Array<number>(256).fill(0);
        for (const w of words) masked[byteOf(w)]++;
        expect(chiSquare(masked), name).to.be.below(critical);
        const plain = new Array<number>(256).fill(0);
        for (const w of constant) plain[byteOf(w)]++;
        expect(chiSquare(plain), `${name} of the plain input`).to.be.above(critical);
      }
    });

    it("t − 1 shares of a secret do not recover it, t shares do (the client's split)", async () => {
      const secret = randomSecretKey();
      const shares = await splitKey(secret, N, T - 1);
      expect(Buffer.from(await recoverKey(shares.slice(0, T - 1))).equals(Buffer.from(secret))).to.be.false;
      expect(Buffer.from(await recoverKey(shares.slice(2, 2 + T - 1))).equals(Buffer.from(secret))).to.be.false;
      expect(Buffer.from(await recoverKey(shares.slice(1, 1 + T))).equals(Buffer.from(secret))).to.be.true;
    });

    it("an owner refuses a request for both shares of one owner (SecAggBothSharesRequestedError)", async () => {
      const session = { task: "both", round: 1, addresses, dimension: DIMENSION };
      const server = new SecAggServer(session);
      const clients = accounts.map((a, u) => new SecAggClient(u, a, session, seededBytes(100 + u)));
      clients.forEach((c, u) => server.receiveKeys(u, c.advertiseKeys()));
      const list = server.keyList();
      for (const [u, c] of clients.entries()) server.receiveShares(u, await c.shareKeys(list));
      const x = inputs(2);
      clients.forEach((c, u) => server.receiveMasked(u, c.maskInput(server.inbox(u), x[u])));
      // A curious DA asks owner 0 for owner 3's self-mask share and its masking-key share.
      const greedy = writeRequest({ selfMaskOf: [0, 1, 2, 3, 4, 5, 6], maskingKeyOf: [3] });
      expect(() => clients[0].unmask(greedy))
        .to.throw(SecAggBothSharesRequestedError)
        .with.property("owner", 3);
    });

    it("an owner refuses a key list that leaves out or replaces its own keys", async () => {
      const session = { task: "list", round: 1, addresses, dimension: DIMENSION };
      const server = new SecAggServer(session);
      const clients = accounts.map((a, u) => new SecAggClient(u, a, session, seededBytes(200 + u)));
      const keys = clients.map((c) => c.advertiseKeys());
      keys.forEach((k, u) => server.receiveKeys(u, k));
      // A list holding a fresh (validly signed) key pair of owner 0 in place of the one client 0 advertised.
      const impostor = new SecAggClient(0, accounts[0], session, seededBytes(999)).advertiseKeys();
      const swapped = writeKeyList([impostor, ...keys.slice(1)]);
      const error = await clients[0].shareKeys(swapped).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(SecAggMessageError).with.property("owner", 0);
      expect(server.keyList()).to.have.length.above(0);
    });

    it("rejects keys whose signature is not the owner's account, naming the owner", () => {
      const session = { task: "sig", round: 1, addresses, dimension: DIMENSION };
      const server = new SecAggServer(session);
      const keys = new SecAggClient(2, accounts[2], session, seededBytes(7)).advertiseKeys();
      const forged = Uint8Array.from(keys);
      forged[3 + 65 + 10] ^= 1; // one bit of the masking key
      expect(() => server.receiveKeys(2, forged))
        .to.throw(SecAggMessageError)
        .that.satisfies((e: SecAggMessageError) => e.owner === 2 && /not by its account/.test(e.message));
      expect(() => server.receiveKeys(2, keys.subarray(0, 50)))
        .to.throw(SecAggMessageError)
        .with.property("owner", 2);
      // Owner 3's account cannot pass off keys as owner 2's.
      expect(() => new SecAggClient(2, accounts[3], session)).to.throw(LearningConfigError);
    });
  });
});
