/**
 * The pure parts of `bench/sharing-latency.ts`: which paths a run measures (download path ×
 * step-2 variant), the goals, the Spearman trend per path and the latency chart (vega-lite, drawn
 * by `renderSvg` of src/report/kit).
 */
import type { TopLevelSpec } from "vega-lite";
import { VEGA_LITE_SCHEMA } from "../report/kit/vega";
import { spearman } from "../util/stats";

/** How the reader gets the data (steps 5–6). */
export const VIAS = ["gateway", "dht", "pre"] as const;
export type Via = (typeof VIAS)[number];
/** How step 2 reaches the chain: the EPR record alone, or with the ownership registered in orderer batches. */
export const STEP2S = ["epr", "orderer"] as const;
export type Step2 = (typeof STEP2S)[number];

/** One measured path. */
export interface BenchPath {
  readonly via: Via;
  readonly step2: Step2;
}

/** The default matrix: every download path with the EPR step 2, and the orderer step 2 on the gateway and PRE paths. */
export const DEFAULT_MATRIX: readonly BenchPath[] = [
  { via: "gateway", step2: "epr" },
  { via: "dht", step2: "epr" },
  { via: "pre", step2: "epr" },
  { via: "gateway", step2: "orderer" },
  { via: "pre", step2: "orderer" },
];

/** A path's name in the JSON and the chart: `via/step2`. */
export function pathName(path: BenchPath): string {
  return `${path.via}/${path.step2}`;
}

/**
 * The paths of a run from its environment: `BENCH_MATRIX` ("gateway/epr,pre/orderer") names them
 * outright; else the default matrix filtered by `BENCH_VIA` ("gateway", "dht", "pre", "both" =
 * gateway and dht, or "all", the default) and `BENCH_STEP2` ("epr", "orderer" or "all", the default).
 */
export function pathsFromEnv(env: Readonly<Record<string, string | undefined>>): BenchPath[] {
  if (env.BENCH_MATRIX !== undefined && env.BENCH_MATRIX.trim() !== "") {
    return env.BENCH_MATRIX.split(",").map((item) => {
      const [via, step2] = item.trim().split("/");
      if (!(VIAS as readonly string[]).includes(via) || !(STEP2S as readonly string[]).includes(step2))
        throw new RangeError(
          `BENCH_MATRIX: "${item.trim()}" is not via/step2 with via in ${VIAS.join(", ")} and step2 in ${STEP2S.join(", ")}`,
        );
      return { via: via as Via, step2: step2 as Step2 };
    });
  }
  const via = env.BENCH_VIA ?? "all";
  const step2 = env.BENCH_STEP2 ?? "all";
  const vias: readonly string[] = via === "all" ? VIAS : via === "both" ? ["gateway", "dht"] : [via];
  const step2s: readonly string[] = step2 === "all" ? STEP2S : [step2];
  for (const v of vias)
    if (!(VIAS as readonly string[]).includes(v))
      throw new RangeError(`BENCH_VIA: "${via}" is none of ${VIAS.join(", ")}, both, all`);
  for (const s of step2s)
    if (!(STEP2S as readonly string[]).includes(s))
      throw new RangeError(`BENCH_STEP2: "${step2}" is none of ${STEP2S.join(", ")}, all`);
  const paths = DEFAULT_MATRIX.filter((p) => vias.includes(p.via) && step2s.includes(p.step2));
  // A filter the default matrix leaves empty (BENCH_VIA=dht BENCH_STEP2=orderer) still measures what was asked.
  return paths.length > 0 ? paths : vias.flatMap((v) => step2s.map((s) => ({ via: v as Via, step2: s as Step2 })));
}

/** What the summary needs of a measured level. */
export interface LevelFigures {
  readonly sensors: number;
  readonly endToEnd: { readonly p50: number; readonly p95: number };
}

/** The paper's claim (§6.1, Fig. 8): sub-second sharing with 1 to 10 sensors. */
export const PAPER = {
  source: "Secure sharing of big digital twin data, §6.1, Fig. 8",
  setup: {
    ledger: "Hyperledger Fabric 2.3.2 test network",
    machine: "Alibaba Cloud ecs.g6.8xlarge, 32 vCPU",
    maxMessageCount: 5,
    storage: "Alibaba Cloud OSS",
    dapp: "Golang 1.16.5",
    sensors: "1-10 sharing at the same time",
  },
  claim: "latency rises with the number of sensors and stays sub-second (no values printed)",
  boundMs: 1000,
} as const;

/** The goals: p95 end to end < 1 s at 10 sensors on every path (the paper's), and < 250 ms through the gateway (the project's). */
export const GOALS = {
  sensors: 10,
  paperP95Ms: PAPER.boundMs,
  gateway: { path: "gateway/epr", p95Ms: 250 },
} as const;

/** The goal block of the JSON from each path's levels. */
export function goalsOf(levels: Readonly<Record<string, readonly LevelFigures[]>>) {
  const at = (name: string) => levels[name]?.find((l) => l.sensors === GOALS.sensors);
  const byPath = Object.fromEntries(
    Object.keys(levels).map((name) => {
      const level = at(name);
      return [
        name,
        { p95AtGoalMs: level?.endToEnd.p95 ?? null, met: level !== undefined && level.endToEnd.p95 < GOALS.paperP95Ms },
      ];
    }),
  );
  const paths = Object.values(byPath);
  const gatewayLevel = at(GOALS.gateway.path);
  return {
    paper: {
      description: `p95 end to end < ${GOALS.paperP95Ms} ms with ${GOALS.sensors} sensors sharing at once, on every path (the paper's sub-second claim)`,
      sensors: GOALS.sensors,
      p95Ms: GOALS.paperP95Ms,
      byPath,
      met: paths.length > 0 && paths.every((p) => p.met),
    },
    gateway: {
      description: `p95 end to end < ${GOALS.gateway.p95Ms} ms with ${GOALS.sensors} sensors through the gateway (EPR step 2)`,
      sensors: GOALS.sensors,
      path: GOALS.gateway.path,
      p95Ms: GOALS.gateway.p95Ms,
      p95AtGoalMs: gatewayLevel?.endToEnd.p95 ?? null,
      met: gatewayLevel === undefined ? null : gatewayLevel.endToEnd.p95 < GOALS.gateway.p95Ms,
    },
  };
}

/** Spearman's ρ of the end-to-end p50 against the sensor count, per path (the paper's rising trend; reported, not asserted). */
export function trendOf(levels: Readonly<Record<string, readonly LevelFigures[]>>) {
  return Object.fromEntries(
    Object.entries(levels).map(([name, ls]) => [
      name,
      {
        rho: rounded(
          spearman(
            ls.map((l) => l.sensors),
            ls.map((l) => l.endToEnd.p50),
          ),
        ),
        levels: ls.length,
      },
    ]),
  );
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

/** p50 and p95 end to end against the number of sensors, one colour per path, solid p50 and dashed p95, a rule at the paper's bound. */
export function latencyChartSpec(
  levels: Readonly<Record<string, readonly LevelFigures[]>>,
  subtitle: string,
): TopLevelSpec {
  const names = Object.keys(levels);
  const values = Object.entries(levels).flatMap(([path, ls]) =>
    ls.flatMap((l) => [
      { path, sensors: l.sensors, stat: "p50", ms: l.endToEnd.p50 },
      { path, sensors: l.sensors, stat: "p95", ms: l.endToEnd.p95 },
    ]),
  );
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: "Latency of sharing sensor data, steps 1–6 (digital-twin paper, Fig. 8)", subtitle },
    width: 520,
    height: 320,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "sensors", type: "quantitative", title: "sensors sharing at once", axis: { tickMinStep: 1 } },
          y: { field: "ms", type: "quantitative", title: "end to end (ms)" },
          color: { field: "path", type: "nominal", title: "path (download/step 2)", sort: names },
          strokeDash: { field: "stat", type: "nominal", title: "percentile", sort: ["p50", "p95"] },
          detail: { field: "stat" },
          tooltip: [{ field: "path" }, { field: "sensors" }, { field: "stat" }, { field: "ms", title: "ms" }],
        },
      },
      {
        data: { values: [{ ms: PAPER.boundMs, label: `paper: sub-second (${PAPER.boundMs} ms)` }] },
        layer: [
          {
            mark: { type: "rule", color: "#e15759", strokeWidth: 2 },
            encoding: { y: { field: "ms", type: "quantitative" } },
          },
          {
            mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#e15759" },
            encoding: { y: { field: "ms", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}
