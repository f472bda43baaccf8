/**
 * Review finding H3: one public mnemonic was the root of every key and nothing stopped it
 * reaching real chains: accounts.ts fell back to the development phrase silently, also with
 * `--external` geth/Besu chains, and every device key derived from it. These tests show the
 * phrase refused where its keys could hold value, `accounts:new` writing a phrase of one's own,
 * and an IoT unit running from a key file of its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { encryptKeystoreJsonSync, Mnemonic, Wallet } from "ethers";
import {
  DEFAULT_MNEMONIC,
  MNEMONIC_ENV,
  MNEMONIC_FILE_ENV,
  projectMnemonic,
  refuseDevelopmentMnemonic,
} from "../../src/chains/accounts";
import { DevelopmentMnemonicError, MnemonicFileError } from "../../src/chains/errors";
import { planTopology } from "../../src/chains/plan";
import { topologyPath, writeTopology, type Topology } from "../../src/chains/topology";
import { deployAll } from "../../src/deploy/deploy-all";
import { IoTConfigError } from "../../src/iot/errors";
import { unitChainFromTopology } from "../../src/iot/from-topology";
import { IoTUnit } from "../../src/iot/unit";
import { SyntheticSensor } from "../../src/iot/sensors";
import { loadUnitKey, UNIT_KEY_PASSWORD_ENV } from "../../src/iot/unit-key";
import { writePartition } from "../../src/partition/document";
import { partitionDocument } from "../src/chains/helpers";
import { deploySuite, LOW_COUNT_THRESHOLD, MACHINE } from "../src/iot/fixture";
import { rejection } from "../helpers/rejection";
import { runTask } from "../helpers/run-task";

const OWN_MNEMONIC = "test test test test test test test test test test test junk";

/** Runs `body` with the mnemonic variables set as given (undefined: unset), restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}
const DEVELOPMENT = { [MNEMONIC_ENV]: undefined, [MNEMONIC_FILE_ENV]: undefined };

/** A topology whose community chain is external (a geth/Besu node `chains:up` only connects to). */
function externalTopology(
  contracts: Record<string, string> = { MaintenanceService: `0x${"11".repeat(20)}`, DataToken: `0x${"22".repeat(20)}` },
): Topology {
  const topology = planTopology(["01", "02"], [["01", "02"]], {
    mainChainId: 46_000,
    ports: [1, 2],
    external: { "community-1": { rpc: "http://127.0.0.1:3", chainId: 1337 } },
  });
  topology.communities[0].contracts = { ...contracts };
  return topology;
}

describe("security H3: the public development mnemonic never reaches a real chain, and keys can be one's own", function () {
  this.timeout(120_000);
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-h3-"));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  describe("the development mnemonic is refused where its keys could hold value", () => {
    it("chains:up --external refuses it before contacting the chain, and says how to set COMMCHAIN_MNEMONIC", async () => {
      const partition = path.join(work, "partition.json");
      await writePartition(partition, partitionDocument(["01", "02"], [["01", "02"]]));
      const dir = path.join(work, "chains");
      const error = (await withEnv(DEVELOPMENT, () =>
        rejection(
          runTask("chains:up", { partition, dir, basePort: 0, external: "main=http://127.0.0.1:1", timeout: 1 }),
        ),
      )) as Error;
      expect(error.message).to.contain(
        "chain main is external in --external, and no project mnemonic is set: the development mnemonic is public",
      );
      expect(error.message).to.contain("npx hardhat accounts:new");
      expect(error.message).to.contain("COMMCHAIN_MNEMONIC");
      expect(fs.existsSync(topologyPath(dir))).to.equal(false);
    });

    it("deploy:all refuses it for a topology with an external chain, before sending anything", async () => {
      writeTopology(topologyPath(work), externalTopology());
      const error = await withEnv(DEVELOPMENT, () =>
        rejection(deployAll({ dir: work, artifactResolver: undefined as never })),
      );
      expect(error).to.be.instanceOf(DevelopmentMnemonicError);
      expect((error as Error).message).to.match(
        /^chain community-1 \(chain id 1337\) is external in .*topology\.json, and no project mnemonic is set/,
      );
    });

    it("an IoT unit of an external chain refuses to derive its key from it", async () => {
      writeTopology(topologyPath(work), externalTopology());
      await withEnv(DEVELOPMENT, () => {
        expect(() => unitChainFromTopology(work, "01")).to.throw(
          DevelopmentMnemonicError,
          /chain community-1 \(chain id 1337\) is external/,
        );
      });
    });

    it("refuses a chain id that is not one chains:up created (whose genesis topology.json records)", () => {
      const local = planTopology(["01"], [["01"]], { mainChainId: 46_100, ports: [1, 2] });
      // chains:up created the community chain; the main entry was written by hand (no genesis).
      local.communities[0].genesis = {
        file: "community-1/genesis.json",
        timestamp: 1,
        hardfork: "cancun",
        blockGasLimit: 30_000_000,
        initialBaseFeePerGas: "1",
        coinbase: `0x${"00".repeat(20)}`,
        balance: "1",
        accounts: 5,
      };
      expect(() => refuseDevelopmentMnemonic(local, DEFAULT_MNEMONIC, "topology.json", 1)).to.throw(
        DevelopmentMnemonicError,
        /^chain id 1 is not a chain chains:up created \(topology\.json records the genesis of 46101\), and no project mnemonic is set/,
      );
      expect(() => refuseDevelopmentMnemonic(local, DEFAULT_MNEMONIC, "topology.json", 46_100)).to.throw(
        DevelopmentMnemonicError,
        /chain id 46100 is not a chain chains:up created/,
      );
      expect(() => refuseDevelopmentMnemonic(local, DEFAULT_MNEMONIC, "topology.json", 46_101)).to.not.throw();
    });

    it("accepts a mnemonic of one's own on external chains and unknown chain ids", async () => {
      expect(() => refuseDevelopmentMnemonic(externalTopology(), OWN_MNEMONIC, "topology.json", 1)).to.not.throw();
      writeTopology(topologyPath(work), externalTopology());
      const resolved = await withEnv({ [MNEMONIC_ENV]: OWN_MNEMONIC, [MNEMONIC_FILE_ENV]: undefined }, () =>
        unitChainFromTopology(work, "01"),
      );
      expect(resolved.wallet.address).to.equal(
        ethers.HDNodeWallet.fromPhrase(OWN_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address,
      );
    });
  });

  describe("accounts:new", () => {
    it("writes a fresh 12-word phrase to a 0600 file, which COMMCHAIN_MNEMONIC_FILE then uses", async () => {
      const out = path.join(work, "keys", "mnemonic");
      const { result, output } = await runTask<{ file: string; words: number }>("accounts:new", { out });
      expect(result).to.include({ file: out, words: 12 });
      expect(fs.statSync(out).mode & 0o777).to.equal(0o600);
      const phrase = fs.readFileSync(out, "utf8").trim();
      expect(phrase.split(" ")).to.have.length(12);
      expect(Mnemonic.isValidMnemonic(phrase)).to.equal(true);
      expect(phrase).to.not.equal(DEFAULT_MNEMONIC);
      expect(output).to.contain(`export ${MNEMONIC_FILE_ENV}=${out}`);
      expect(output).to.not.contain(phrase);
      expect(projectMnemonic({ [MNEMONIC_FILE_ENV]: out })).to.equal(phrase);
      // No temporary file is left beside it.
      expect(fs.readdirSync(path.dirname(out))).to.deep.equal(["mnemonic"]);
    });

    it("refuses to overwrite an existing file, and replaces it only with --force (24 words)", async () => {
      const out = path.join(work, "mnemonic");
      await runTask("accounts:new", { out });
      const first = fs.readFileSync(out, "utf8");
      const error = (await rejection(runTask("accounts:new", { out }))) as Error;
      expect(error.message).to.equal(
        `${out} (COMMCHAIN_MNEMONIC_FILE): exists already; it may hold the keys of a deployment: move it away, or pass --force to replace it`,
      );
      expect(fs.readFileSync(out, "utf8")).to.equal(first);
      await runTask("accounts:new", { out, force: true, words: 24 });
      const second = fs.readFileSync(out, "utf8").trim();
      expect(second.split(" ")).to.have.length(24);
      expect(`${second}\n`).to.not.equal(first);
      expect(fs.statSync(out).mode & 0o777).to.equal(0o600);
    });

    it("a mnemonic file readable by group or others is refused", () => {
      const out = path.join(work, "mnemonic");
      fs.writeFileSync(out, `${OWN_MNEMONIC}\n`, { mode: 0o644 });
      fs.chmodSync(out, 0o644);
      expect(() => projectMnemonic({ [MNEMONIC_FILE_ENV]: out })).to.throw(
        MnemonicFileError,
        `${out} (COMMCHAIN_MNEMONIC_FILE): is readable or writable by group or others (mode 0644); run chmod 600 ${out}`,
      );
      expect(() => projectMnemonic({ [MNEMONIC_FILE_ENV]: out, [MNEMONIC_ENV]: OWN_MNEMONIC })).to.throw(
        MnemonicFileError,
        /set only one/,
      );
    });
  });

  describe("device keys on the device", () => {
    it("validates a unit key file: 0600 for a plain key, the password for a keystore", async () => {
      const key = Wallet.createRandom();
      const plain = path.join(work, "unit.key");
      fs.writeFileSync(plain, `${key.privateKey}\n`, { mode: 0o600 });
      expect(loadUnitKey(plain).address).to.equal(key.address);
      fs.chmodSync(plain, 0o640);
      expect(() => loadUnitKey(plain)).to.throw(IoTConfigError, /readable by group or others \(mode 0640\)/);
      fs.writeFileSync(path.join(work, "bad.key"), "not a key\n", { mode: 0o600 });
      expect(() => loadUnitKey(path.join(work, "bad.key"))).to.throw(
        IoTConfigError,
        /neither an encrypted JSON keystore nor one 32-byte hex private key/,
      );

      const keystore = path.join(work, "unit.json");
      // A light scrypt cost keeps the test fast; real keystores use the default.
      fs.writeFileSync(
        keystore,
        encryptKeystoreJsonSync({ address: key.address, privateKey: key.privateKey }, "s3cret", {
          scrypt: { N: 1024 },
        }),
        { mode: 0o644 },
      );
      expect(loadUnitKey(keystore, { password: "s3cret" }).address).to.equal(key.address);
      expect(loadUnitKey(keystore, { env: { [UNIT_KEY_PASSWORD_ENV]: "s3cret" } }).address).to.equal(key.address);
      expect(() => loadUnitKey(keystore, { env: {} })).to.throw(
        IoTConfigError,
        new RegExp(`give its password in ${UNIT_KEY_PASSWORD_ENV}`),
      );
      expect(() => loadUnitKey(keystore, { password: "wrong" })).to.throw(
        IoTConfigError,
        /not a keystore this password opens/,
      );
    });

    it("a unit on an external chain runs from its own key file, with no mnemonic at all", async () => {
      const suite = await loadFixture(deploySuite);
      const keyFile = path.join(work, "unit.key");
      fs.writeFileSync(keyFile, suite.wallets.unit.privateKey, { mode: 0o600 });
      writeTopology(
        topologyPath(work),
        externalTopology({
          MaintenanceService: suite.contracts.maintenanceService,
          DataToken: suite.contracts.dataToken,
          Register: suite.contracts.register,
        }),
      );
      const resolved = await withEnv(DEVELOPMENT, () => unitChainFromTopology(work, "01", { keyFile }));
      expect(resolved.wallet.address).to.equal(suite.wallets.unit.address);

      const sensor = new SyntheticSensor({
        seed: 1,
        count: 12,
        episodes: [{ start: 2, length: LOW_COUNT_THRESHOLD + 1, kind: "vibration" }],
      });
      const unit = await IoTUnit.open({
        wallet: resolved.wallet,
        chain: network.provider,
        contracts: suite.contracts,
        machine: MACHINE,
        stateDir: path.join(work, "unit"),
        batch: { size: 5, maxDelayMs: 60_000 },
        queue: { pollIntervalMs: 5, retry: { initialMs: 10, maxMs: 50 } },
        sensor,
        funding: false,
      });
      try {
        await unit.run();
        await unit.idle();
      } finally {
        await unit.close();
      }
      expect(await suite.service.serviceRequestCount()).to.equal(1n);
      expect(await ethers.provider.getTransactionCount(suite.wallets.unit.address)).to.equal(3);
    });
  });
});
