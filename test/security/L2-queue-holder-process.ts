// A unit-like process that opens (creating) a transaction queue and holds it until killed: the
// second writer of test/security/L2-single-writer.test.ts. argv: <queue file> <account>.
import { QueueFile } from "../../src/iot/queue-file";

async function main(): Promise<void> {
  const [file, account] = process.argv.slice(2);
  await QueueFile.open(file, { chainId: 31337, account, baseNonce: 0 });
  process.stdout.write("ready\n");
  // Held until the test kills this process.
  setInterval(() => undefined, 60_000);
}

// `hardhat test` loads every file under test/: run only when started as a process.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
