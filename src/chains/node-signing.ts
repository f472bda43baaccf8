/**
 * JSON-RPC methods that make a node sign with a key it holds. A persistent chain process holds
 * the genesis accounts' keys (Hardhat funds an account only through its key), so answering these
 * would let any local process, or a web page, act as the deployer, the relayer or any device.
 * Every commchain client signs locally and sends `eth_sendRawTransaction`, so none needs them.
 */
export const NODE_SIGNING_METHODS: ReadonlySet<string> = new Set([
  "eth_sendTransaction",
  "eth_sign",
  "eth_signTransaction",
  "eth_signTypedData",
  "eth_signTypedData_v1",
  "eth_signTypedData_v3",
  "eth_signTypedData_v4",
  "personal_sign",
]);
