/** The partition report's charts as vega-lite specs: the trust graph (Figure 2) and storage by strategy (Figure 3). */
import type { TopLevelSpec } from "vega-lite";
import type { PartitionDocument } from "../../partition/document";
import { formatInteger } from "../kit/markdown";
import { VEGA_LITE_SCHEMA } from "../kit/vega";
import { layoutTrustGraph } from "./layout";

/** Above this many devices the trust-graph chart draws communities instead of devices. */
export const MAX_CHARTED_DEVICES = 300;
/** The community-level summary draws at most this many communities (the largest). */
export const MAX_CHARTED_COMMUNITIES = 40;

const SIZE = 640;
/** Room around the outermost device for its label. */
const MARGIN = 0.3;
// The paper's Figure 2: edges above the threshold solid yellow, below it dashed blue.
const ABOVE = "≥ threshold";
const BELOW = "< threshold";
const EDGE_STYLE = {
  color: {
    field: "strength",
    type: "nominal",
    title: "edge strength",
    scale: { domain: [ABOVE, BELOW], range: ["#d4a000", "#4a7bd0"] },
  },
  strokeDash: {
    field: "strength",
    type: "nominal",
    sort: [ABOVE, BELOW],
    legend: null,
    scale: {
      domain: [ABOVE, BELOW],
      range: [
        [1, 0],
        [4, 3],
      ],
    },
  },
  opacity: {
    field: "strength",
    type: "nominal",
    sort: [ABOVE, BELOW],
    legend: null,
    scale: { domain: [ABOVE, BELOW], range: [0.9, 0.35] },
  },
} as const;
/** x and y on the same square domain, so circles stay round. */
function position(points: readonly { x: number; y: number }[]) {
  const reach = Math.max(1, ...points.map((p) => Math.max(Math.abs(p.x), Math.abs(p.y)))) + MARGIN;
  const axis = (field: "x" | "y") => ({
    field,
    type: "quantitative" as const,
    axis: null,
    scale: { domain: [-reach, reach] },
  });
  return { x: axis("x"), y: axis("y") };
}

interface EdgeDatum {
  x: number;
  y: number;
  x2: number;
  y2: number;
  strength: string;
  width: number;
}

function edgeLayer(edges: EdgeDatum[], axes: ReturnType<typeof position>) {
  return {
    data: { values: edges },
    mark: { type: "rule" },
    encoding: {
      ...axes,
      x2: { field: "x2" },
      y2: { field: "y2" },
      ...EDGE_STYLE,
      strokeWidth: { field: "width", type: "quantitative", legend: null, scale: { range: [0.6, 4] } },
    },
  };
}

function deviceChart(doc: PartitionDocument): TopLevelSpec {
  const placed = layoutTrustGraph(doc.graph.nodes, doc.chosen);
  const at = new Map(placed.map((p) => [p.id, p]));
  const threshold = doc.threshold.value;
  const edges = doc.graph.edges.map(([u, v, weight]) => ({
    x: at.get(u)!.x,
    y: at.get(u)!.y,
    x2: at.get(v)!.x,
    y2: at.get(v)!.y,
    strength: weight >= threshold ? ABOVE : BELOW,
    width: weight,
  }));
  // Weak edges first, so that the strong ones are drawn over them.
  edges.sort((a, b) => a.width - b.width);
  const nodes = placed.map((p) => ({
    id: p.id,
    x: p.x,
    y: p.y,
    community: p.community === 0 ? "uncovered" : `community ${p.community}`,
    role:
      p.communities.length >= 2 ? `bridge (${p.communities.join(" + ")})` : p.community === 0 ? "uncovered" : "member",
    kind: p.communities.length >= 2 ? "bridge" : p.community === 0 ? "uncovered" : "member",
  }));
  const axes = position(placed);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Trust graph: ${doc.graph.nodes.length} devices, threshold ${threshold} ${doc.threshold.unit}`,
      subtitle: `chosen k = ${doc.chosen.k}: ${doc.chosen.communities.length} communities, bridges ${doc.chosen.interChainNodes.join(", ") || "none"}`,
    },
    width: SIZE,
    height: SIZE,
    layer: [
      edgeLayer(edges, axes),
      {
        data: { values: nodes },
        mark: { type: "point", filled: true, stroke: "#222", strokeWidth: 0.8 },
        encoding: {
          ...axes,
          color: { field: "community", type: "nominal", title: "community", scale: { scheme: "tableau10" } },
          shape: {
            field: "kind",
            type: "nominal",
            title: "device",
            scale: { domain: ["member", "bridge", "uncovered"], range: ["circle", "diamond", "square"] },
          },
          size: {
            field: "kind",
            type: "nominal",
            sort: ["member", "bridge", "uncovered"],
            legend: null,
            scale: { domain: ["member", "bridge", "uncovered"], range: [180, 420, 180] },
          },
          tooltip: [{ field: "id" }, { field: "role" }],
        },
      },
      {
        data: { values: nodes },
        mark: { type: "text", dy: -12, fontSize: 9 },
        encoding: { ...axes, text: { field: "id" } },
      },
    ],
    resolve: {
      scale: { color: "independent", size: "independent", opacity: "independent" },
      legend: { color: "independent" },
    },
  } as TopLevelSpec;
}

/**
 * At thousands of devices a device-level drawing is unreadable and slow: the summary draws the
 * largest communities as nodes (area by members) and their records to each other as edges.
 */
function communityChart(doc: PartitionDocument): TopLevelSpec {
  const shown = doc.chosen.communities
    .map((members, i) => ({ index: i + 1, members }))
    .sort((a, b) => b.members.length - a.members.length || a.index - b.index)
    .slice(0, MAX_CHARTED_COMMUNITIES);
  const communityOf = new Map<string, number[]>();
  shown.forEach(({ members }, slot) => {
    for (const d of members) communityOf.set(d, [...(communityOf.get(d) ?? []), slot]);
  });
  const centres = shown.map((_, slot) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * slot) / shown.length;
    return { x: 1.6 * Math.cos(angle), y: 1.6 * Math.sin(angle) };
  });
  const between = new Map<string, number>();
  for (const [u, v, weight] of doc.graph.edges) {
    for (const a of communityOf.get(u) ?? []) {
      for (const b of communityOf.get(v) ?? []) {
        if (a === b) continue;
        const key = a < b ? `${a},${b}` : `${b},${a}`;
        between.set(key, (between.get(key) ?? 0) + weight);
      }
    }
  }
  const edges = [...between.entries()]
    .map(([key, weight]) => {
      const [a, b] = key.split(",").map(Number);
      return {
        x: centres[a].x,
        y: centres[a].y,
        x2: centres[b].x,
        y2: centres[b].y,
        strength: weight >= doc.threshold.value ? ABOVE : BELOW,
        width: weight,
      };
    })
    .sort((a, b) => a.width - b.width);
  const nodes = shown.map(({ index, members }, slot) => ({
    ...centres[slot],
    label: `C${index} (${members.length})`,
    members: members.length,
  }));
  const axes = position(nodes);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `Trust graph summary: the ${shown.length} largest of ${doc.chosen.communities.length} communities`,
      subtitle: `${doc.graph.nodes.length} devices are too many to draw one by one; edges sum the strength between communities (threshold ${doc.threshold.value} ${doc.threshold.unit})`,
    },
    width: SIZE,
    height: SIZE,
    layer: [
      edgeLayer(edges, axes),
      {
        data: { values: nodes },
        mark: { type: "circle", stroke: "#222", strokeWidth: 0.8, color: "#59a14f" },
        encoding: {
          ...axes,
          size: { field: "members", type: "quantitative", title: "devices", scale: { range: [80, 900], zero: false } },
        },
      },
      {
        data: { values: nodes },
        mark: { type: "text", dy: -16, fontSize: 9 },
        encoding: { ...axes, text: { field: "label" } },
      },
    ],
    resolve: { scale: { size: "independent", opacity: "independent" } },
  } as TopLevelSpec;
}

/**
 * The trust graph as the paper's Figure 2: devices placed by community (colour), bridges as
 * diamonds, edges at or above the threshold solid, below it dashed. Above MAX_CHARTED_DEVICES
 * devices, a community-level summary instead.
 */
export function trustGraphSpec(doc: PartitionDocument): TopLevelSpec {
  return doc.graph.nodes.length <= MAX_CHARTED_DEVICES ? deviceChart(doc) : communityChart(doc);
}

/** Storage (count) and cross-chain storage by strategy, as the paper's Figure 3. */
export function storageSpec(doc: PartitionDocument): TopLevelSpec {
  const names = doc.strategies.map((s) => s.name);
  const values = doc.strategies.flatMap((s) => [
    { strategy: s.name, measure: "count", value: s.count },
    { strategy: s.name, measure: "cross", value: s.cross },
  ]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Storage by grouping strategy (formula 1)",
      subtitle: `${formatInteger(doc.log.records)} records, ${formatInteger(doc.log.devices)} devices`,
    },
    width: { step: 44 },
    height: 320,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: { field: "strategy", type: "nominal", sort: names, title: null, axis: { labelAngle: -40 } },
      xOffset: { field: "measure", type: "nominal", sort: ["count", "cross"] },
      y: { field: "value", type: "quantitative", title: "record copies stored" },
      color: {
        field: "measure",
        type: "nominal",
        title: null,
        sort: ["count", "cross"],
        scale: { range: ["#4e79a7", "#e15759"] },
      },
      tooltip: [{ field: "strategy" }, { field: "measure" }, { field: "value", format: "," }],
    },
  } as TopLevelSpec;
}
