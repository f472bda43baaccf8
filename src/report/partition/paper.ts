// The figures of the dividing paper (IV.C), printed beside ours in the report. The paper's own
// numbers: its experiment had 44 devices and 48,667 records, as the gen-traffic defaults do.

/** One row of the paper's Table I. */
export interface PaperTableIRow {
  /** The paper's label of the grouping method. */
  method: string;
  /** Inter-chain nodes; null where the paper writes "Null". */
  interChainNodes: number | null;
  count: number;
  cross: number;
}

/** Table I by our strategy name (the paper has no Louvain or optimized row). */
export const PAPER_TABLE_I: Readonly<Record<string, PaperTableIRow>> = {
  ungrouped: { method: "Ungrouped", interChainNodes: null, count: 2_141_348, cross: 0 },
  "random-3-1": { method: "Random, 3 groups No.1", interChainNodes: null, count: 834_634, cross: 231_041 },
  "random-3-2": { method: "Random, 3 groups No.2", interChainNodes: null, count: 1_399_677, cross: 944_376 },
  "random-4-1": { method: "Random, 4 groups No.1", interChainNodes: null, count: 697_724, cross: 275_052 },
  "random-4-2": { method: "Random, 4 groups No.2", interChainNodes: null, count: 958_928, cross: 731_827 },
  "random-5-1": { method: "Random, 5 groups No.1", interChainNodes: null, count: 510_002, cross: 126_346 },
  "random-5-2": { method: "Random, 5 groups No.2", interChainNodes: null, count: 835_004, cross: 678_367 },
  "edge-strength": { method: "By edge strength (3 groups)", interChainNodes: null, count: 1_068_800, cross: 8_798 },
  community: { method: "By community structure (5 groups)", interChainNodes: 2, count: 509_960, cross: 84_444 },
};

/** One row of the paper's Table II (storage space occupancy relative to the undivided ledger). */
export interface PaperTableIIRow {
  method: string;
  storageRatio: number;
  querySpeed: string;
  concurrency: string;
}

export const PAPER_TABLE_II: readonly PaperTableIIRow[] = [
  { method: "Non-dividing chain", storageRatio: 1, querySpeed: "Slow", concurrency: "Sequential processing" },
  { method: "Random dividing chain", storageRatio: 0.33, querySpeed: "Fast", concurrency: "Concurrent" },
  { method: "Dividing on community structure", storageRatio: 0.23, querySpeed: "Fast", concurrency: "Good concurrent" },
];
