import path from "node:path";
import { task, types } from "hardhat/config";
import { DEFAULT_MNEMONIC_FILE, newMnemonicHelp, writeNewMnemonic } from "../src/chains/mnemonic-file";

task("accounts:new", "Writes a fresh BIP-39 mnemonic (the root of every commchain key) to a file with mode 0600, for real chains")
  .addOptionalParam("out", `File to write (refused if it exists, unless --force); default ${DEFAULT_MNEMONIC_FILE} in the project`, undefined, types.string)
  .addOptionalParam("words", "Number of words: 12 (128-bit) or 24 (256-bit)", 12, types.int)
  .addFlag("force", "Replace an existing file (its phrase, and every key derived from it, is lost)")
  .setAction(async (args: { out?: string; words: number; force: boolean }, hre) => {
    const file = args.out === undefined ? path.join(hre.config.paths.root, DEFAULT_MNEMONIC_FILE) : path.resolve(args.out);
    const result = writeNewMnemonic(file, { words: args.words, force: args.force });
    console.log(newMnemonicHelp(result));
    return result;
  });
