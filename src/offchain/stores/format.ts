/** What `store:up` prints about the nodes it started: name, peer id and listen addresses, a line each. */
import type { StoreNode } from "./cluster";

/** A line per node. */
export function formatStoreNodes(nodes: readonly Pick<StoreNode, "name" | "peerId" | "multiaddrs">[]): string {
  return nodes.map((node) => `${node.name.padEnd(16)} ${node.peerId}  ${node.multiaddrs.join(" ")}`).join("\n");
}
