/** What `gen-traffic` prints about the log it wrote: its size, cells, bridges, light pairs and span. */
import type { TrafficPlan } from "./generate";

/** The plan behind the log written to `file` (as the user should see the path). */
export function describeTrafficPlan(file: string, plan: TrafficPlan): string {
  const { options } = plan;
  const sizes = plan.groups.map((members) => members.length);
  return [
    `Wrote ${file}`,
    `  ${options.records.toLocaleString("en-US")} records, ${options.devices} devices (${plan.devices[0]}…${plan.devices[plan.devices.length - 1]}), seed ${options.seed}`,
    `  ${plan.groups.length} cells of ${Math.min(...sizes)}–${Math.max(...sizes)} devices, ${plan.bridges.length} bridge devices` +
      (plan.bridges.length > 0 && plan.bridges.length <= 10 ? ` (${plan.bridges.join(", ")})` : ""),
    `  ${plan.pairs.filter((pair) => pair.kind === "light").length} light pairs between cells, ${plan.hubs.length} hubs, ${plan.quiet.length} quiet devices`,
    `  span ${options.spanHours} h from ${new Date(options.start).toISOString()}; every in-cell pair ≥ ${plan.heartbeat} records ` +
      `(${plan.heartbeat / options.spanHours}/h), every light pair fewer`,
  ].join("\n");
}
