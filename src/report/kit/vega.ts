/**
 * The one vega-lite → SVG renderer of the reports. Charts are vega-lite specs built by their
 * report (pure, testable as data); rendering them is the same for all.
 */
import type { TopLevelSpec } from "vega-lite";

/** The `$schema` every chart spec declares. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Renders a vega-lite spec to SVG headless: compiled by vega-lite, rendered by vega's View with
 * no renderer attached. The two packages are ESM with top-level await, so they are loaded with a
 * real dynamic import (require() cannot load them).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vegaLite, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  // Warnings go to the console otherwise; the specs here are fixed, so only errors matter.
  const logger = vega.logger(vega.Error);
  const view = new vega.View(vega.parse(vegaLite.compile(spec, { logger }).spec), {
    renderer: "none",
    logLevel: vega.Error,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
