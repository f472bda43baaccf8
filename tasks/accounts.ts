import { types } from "hardhat/config";
import { commchainTask, projectPath } from "./kit";
import { DEFAULT_MNEMONIC_FILE, newMnemonicHelp, writeNewMnemonic } from "../src/chains/mnemonic-file";

commchainTask(
  "accounts:new",
  "Writes a fresh BIP-39 mnemonic (the root of every commchain key) to a file with mode 0600, for real chains",
)
  .addOptionalParam(
    "out",
    `File to write (refused if it exists, unless --force); default ${DEFAULT_MNEMONIC_FILE} in the project`,
    undefined,
    types.string,
  )
  .addOptionalParam("words", "Number of words: 12 (128-bit) or 24 (256-bit)", 12, types.int)
  .addFlag("force", "Replace an existing file (its phrase, and every key derived from it, is lost)")
  .setAction(async (args: { out?: string; words: number; force: boolean }, hre) => {
    const file = projectPath(args.out, hre, DEFAULT_MNEMONIC_FILE);
    const result = writeNewMnemonic(file, { words: args.words, force: args.force });
    console.log(newMnemonicHelp(result));
    return result;
  });
