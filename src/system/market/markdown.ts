/** The market section of the run report: registrations and batches, storage, assets, trades. */
import { formatEther } from "ethers";
import { markdownTable } from "../../report/kit/markdown";
import type { MarketFacts } from "./facts";

const cdt = (wei: string) => `${formatEther(wei)} CDT`;

/** The section's paragraphs and tables (the report wraps them in its section). */
export function marketMarkdown(market: MarketFacts): string[] {
  const all = market.communities;
  return [
    "The digital-twin data market (paper §4.2–4.6): every status snapshot is registered High by its device through the orderer " +
      "(fees 0–2 CDT, batches of at most the registry's batch size, High by fee, a Low quota checked on chain), three datasets per community Low; " +
      "the datasets are stored in paid leases (an upload before payment is refused with 402), tokenized Complete, Partial (the lab allowed) and None, " +
      "audited by `cloud`, and traded three ways: bought by the lab and delivered by proxy re-encryption, opened by the lab and refunded after the delivery window, " +
      "bought by the provider, disputed, and resolved by the arbiter from the evidence.",
    markdownTable(
      [
        "community",
        "High (snapshots)",
        "Low (datasets)",
        "batches",
        "Low per batch",
        "fees to the orderer",
        "unpaid put",
        "assets listed",
      ],
      all.map((c) => [
        c.chain,
        `${c.registrations.high}/${c.registrations.snapshots}`,
        `${c.registrations.low}/${c.registrations.datasets}`,
        String(c.batches.length),
        c.batches.map((b) => b.low).join(" "),
        cdt(c.registrations.feesPaid),
        c.storage.unpaidPut.status === undefined
          ? "**accepted**"
          : `${c.storage.unpaidPut.status} ${c.storage.unpaidPut.code ?? ""}`,
        `${c.assets.listed}/${c.assets.complete + c.assets.partial + c.assets.none}`,
      ]),
    ),
    markdownTable(
      ["community", "trade", "asset", "buyer", "state", "to the owner", "back to the buyer", "delivered (PRE)", "note"],
      all.flatMap((c) =>
        c.trades.map((t) => [
          c.chain,
          `${t.plan}${t.tradeId === undefined ? "" : ` #${t.tradeId}`}`,
          t.openness,
          t.buyer,
          t.state,
          cdt(t.paidToOwner),
          cdt(t.refundedToBuyer),
          t.delivered ? "yes" : "no",
          t.verdict ?? t.detail ?? "",
        ]),
      ),
    ),
  ];
}
