// solidity-coverage settings (`npm run coverage`).
module.exports = {
  // Contracts that exist only to attack ours in tests are not part of the product.
  skipFiles: ["test/"],
  // Gas-bound tests measure the deployed bytecode; instrumented bytecode costs more by design.
  mocha: { grep: "\\[gas\\]", invert: true },
};
