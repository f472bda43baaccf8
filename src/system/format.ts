/**
 * What `npm start` prints when the run is over: what ran, the verification verdicts and where the
 * report is. Pure text from the run's outcome; the task passes how it shows paths.
 */
import type { RunOutcome } from "./run";

/** The run's closing lines; `show` turns a path into what the user reads (e.g. relative to the working directory). */
export function formatOutcome(outcome: RunOutcome, show: (file: string) => string): string {
  const report = outcome.report;
  return [
    "",
    `commchain ran in ${report.seconds.toFixed(1)} s: ${report.traffic.devices} devices, ${report.chains.communities.length} communities, ` +
      `${report.units.serviceRequests} service requests, ${report.units.partOrders} part orders, ${report.records.copies.toLocaleString("en-US")} record copies, ` +
      `${report.verification.valid} records VALID, tampered proof ${report.verification.tampered?.valid === false ? "INVALID" : "accepted"}`,
    `report: ${show(outcome.files.markdown)} (also report.json and charts/ in ${show(outcome.paths.root)})`,
  ].join("\n");
}
