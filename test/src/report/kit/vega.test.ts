import { expect } from "chai";
import type { TopLevelSpec } from "vega-lite";
import { renderSvg, VEGA_LITE_SCHEMA } from "../../../../src/report/kit/vega";

// The smallest chart: one bar, no axes, no padding; every byte of its SVG is vega's.
const ONE_BAR: TopLevelSpec = {
  $schema: VEGA_LITE_SCHEMA,
  width: 20,
  height: 10,
  padding: 0,
  config: { view: { stroke: null } },
  data: { values: [{ v: 1 }] },
  mark: { type: "bar", color: "#4e79a7" },
  encoding: { y: { field: "v", type: "quantitative", axis: null } },
} as TopLevelSpec;

describe("report kit: vega", () => {
  it("declares vega-lite 6", () => {
    expect(VEGA_LITE_SCHEMA).to.equal("https://vega.github.io/schema/vega-lite/v6.json");
  });

  it("renders a spec to SVG headless, the same every time", async () => {
    const svg = await renderSvg(ONE_BAR);
    expect(svg).to.equal(EXPECTED);
    expect(await renderSvg(ONE_BAR)).to.equal(svg);
  });
});

const EXPECTED = [
  '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" class="marks" width="20" height="10" viewBox="0 0 20 10">',
  '<rect width="20" height="10" fill="white"/>',
  '<g fill="none" stroke-miterlimit="4" transform="translate(0,0)">',
  '<g class="mark-group role-frame root" role="graphics-object" aria-roledescription="group mark container">',
  '<g transform="translate(0,0)"><path class="background" aria-hidden="true" d="M0,0h20v10h-20Z"/>',
  '<g><g class="mark-rect role-mark marks" role="graphics-object" aria-roledescription="rect mark container">',
  '<path aria-label="v: 1" role="graphics-symbol" aria-roledescription="bar" d="M1,0h18v10h-18Z" fill="#4e79a7"/></g></g>',
  '<path class="foreground" aria-hidden="true" d="" display="none"/></g></g></g></svg>',
].join("");
