/**
 * Worker thread of {@link BatchRootPool}: receives batches of records, answers their Merkle roots.
 * The hashing is the same code the RecordWriter runs on the main thread (`recordLeaf`, `MerkleTree`).
 */
import { parentPort } from "node:worker_threads";
import { MerkleTree } from "./merkle";
import { recordLeaf, type ChainRecord } from "./record";

/** A job: the records of one batch. */
export interface RootJob {
  readonly id: number;
  readonly records: readonly ChainRecord[];
}

/** The answer: the batch's root, or why it could not be computed. */
export type RootAnswer =
  { readonly id: number; readonly root: string } | { readonly id: number; readonly error: string };

parentPort?.on("message", (job: RootJob) => {
  let answer: RootAnswer;
  try {
    answer = { id: job.id, root: MerkleTree.fromLeaves(job.records.map(recordLeaf)).rootHex };
  } catch (error) {
    answer = { id: job.id, error: (error as Error).message };
  }
  parentPort?.postMessage(answer);
});
