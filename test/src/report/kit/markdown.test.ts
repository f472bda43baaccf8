import { expect } from "chai";
import {
  formatExponential,
  formatFixed,
  formatInteger,
  formatNumber,
  formatPercent,
  formatRatio,
  heading,
  markdownDocument,
  markdownTable,
  section,
} from "../../../../src/report/kit/markdown";

describe("report kit: markdown", () => {
  it("writes a table with a rule per alignment, left by default", () => {
    expect(markdownTable(["a", "b", "c", "d"], [["1", "2", "3", "4"]], ["right", "center", "left"])).to.equal(
      "| a | b | c | d |\n| ---: | :---: | --- | --- |\n| 1 | 2 | 3 | 4 |",
    );
    expect(markdownTable(["only"], [])).to.equal("| only |\n| --- |");
  });

  it("escapes pipes and folds newlines inside cells", () => {
    expect(markdownTable(["x|y"], [["one\ntwo"], [""]])).to.equal("| x\\|y |\n| --- |\n| one two |\n|  |");
  });

  it("writes headings, sections a paragraph apart and documents ending in a newline", () => {
    expect(heading("Title")).to.equal("# Title");
    expect(heading("Deep", 3)).to.equal("### Deep");
    expect(section("Checks", "text", "| a |")).to.equal("## Checks\n\ntext\n\n| a |");
    expect(section("Empty", "")).to.equal("## Empty\n\n");
    expect(markdownDocument([heading("T"), "p", section("S", "q")])).to.equal("# T\n\np\n\n## S\n\nq\n");
  });

  it("formats numbers the same on every machine", () => {
    expect(formatInteger(2141348)).to.equal("2,141,348");
    expect(formatInteger(2.5)).to.equal("3");
    expect(formatNumber(1234.5678, 2)).to.equal("1,234.57");
    expect(formatNumber(1000, 2)).to.equal("1,000");
    expect(formatNumber(0.1 + 0.2, 3)).to.equal("0.3");
    expect(formatFixed(12345.678, 1)).to.equal("12345.7");
    expect(formatFixed(0, 1)).to.equal("0.0");
    expect(formatRatio(0.238149)).to.equal("0.238");
    expect(formatRatio(1, 2)).to.equal("1.00");
    expect(formatPercent(0.08333)).to.equal("8.3%");
    expect(formatPercent(1)).to.equal("100.0%");
    expect(formatExponential(-1.234e-12)).to.equal("-1.23e-12");
    expect(formatExponential(5.6e-13, 1)).to.equal("5.6e-13");
  });
});
