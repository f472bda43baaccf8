import { expect } from "chai";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(__dirname, "../../..");

describe("src/offchain import", function () {
  it("loads neither Helia nor libp2p until a store or node is opened", async function () {
    // A fresh process records every module resolved while the barrel is required.
    const script = `
      const { registerHooks } = require("node:module");
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });
      const offchain = require("./src/offchain");
      const heavy = seen.filter((s) => /^(helia|libp2p|blockstore-fs|datastore-fs|kubo-rpc-client)(\\/|$)|^@(libp2p|helia|chainsafe)\\//.test(s));
      console.log(JSON.stringify({ heavy, exports: typeof offchain.startStoreCluster }));
    `;
    const { stdout } = await run(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
      cwd: root,
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1) as string) as { heavy: string[]; exports: string };
    expect(result.exports).to.equal("function");
    expect(result.heavy).to.deep.equal([]);
  });
});
