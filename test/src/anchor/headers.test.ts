import { expect } from "chai";
import { ethers } from "hardhat";
import { Hardfork } from "@ethereumjs/common";
import type { JSONRPCBlock } from "@ethereumjs/block";
import { BlockHeaderError, fetchHeader, fetchHeaders, headerFromRpc, headerHardfork } from "../../../src/anchor";
import { expectReject, inProcessChain } from "./fixtures";

describe("anchor/headers", () => {
  for (const [hardfork, expected] of [
    ["london", Hardfork.London],
    ["shanghai", Hardfork.Shanghai],
    ["cancun", Hardfork.Cancun],
    ["prague", Hardfork.Prague],
  ] as const) {
    it(`rebuilds ${hardfork} headers that hash to the RPC's hash`, async () => {
      const chain = await inProcessChain(31_500, hardfork);
      const signer = await chain.signer(0);
      await (await signer.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
      await chain.mine(2);
      await (
        await signer.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 5n, data: "0x1234" })
      ).wait();
      const latest = await fetchHeader(chain.rpc, "latest");
      const headers = await fetchHeaders(chain.rpc, 0n, latest.number);
      expect(headers.map((h) => h.number)).to.deep.equal([0n, 1n, 2n, 3n, 4n]);
      for (const header of headers) {
        const rpc = (await chain.rpc.send("eth_getBlockByNumber", [
          `0x${header.number.toString(16)}`,
          false,
        ])) as JSONRPCBlock;
        expect(headerHardfork(rpc as unknown as Record<string, unknown>)).to.equal(expected);
        expect(header.hash).to.equal(rpc.hash);
        expect(ethers.keccak256(header.rlp)).to.equal(rpc.hash);
        expect(header.stateRoot).to.equal(rpc.stateRoot);
        expect(header.parentHash).to.equal(rpc.parentHash);
      }
    });
  }

  it("rejects a block whose fields do not hash to its hash, and a missing block", async () => {
    const block = (await ethers.provider.send("eth_getBlockByNumber", ["0x0", false])) as JSONRPCBlock;
    expect(() => headerFromRpc({ ...block, gasUsed: "0x1" }, "community-2")).to.throw(
      BlockHeaderError,
      /^community-2 block 0x0: header hashes to 0x[0-9a-f]{64} but the node reports 0x/,
    );
    await expectReject(
      fetchHeader(ethers.provider, 10_000n, "community-2"),
      BlockHeaderError,
      /^community-2 has no block 10000$/,
    );
  });

  it("rejects headers that do not link (blocks skipped by hardhat_mine carry no parent hash)", async () => {
    const chain = await inProcessChain(31_501);
    await chain.rpc.send("hardhat_mine", ["0x10"]);
    await expectReject(
      fetchHeaders(chain.rpc, 0n, 16n, "community-3"),
      BlockHeaderError,
      /^community-3 block \d+: parent hash 0x0{64} is not block/,
    );
  });
});
