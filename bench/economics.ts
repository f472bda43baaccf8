/**
 * The sampling-rate study's cost: the whole default run (3 budgets × 15 seller counts, each
 * equilibrium certified from three starts and on a 10,001-point deviation grid, UPS at three
 * prices), and the rendering of its four figures. Goal: the computation under 2 s.
 * Run: npx ts-node bench/economics.ts [repetitions, default 5]
 * Prints one line per repetition, then one JSON object on the last line.
 */
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { runSamplingStudy, writeSamplingOutputs } from "../src/economics";

const repetitions = Number(process.argv[2] ?? 5);

async function main(): Promise<void> {
  const study: number[] = [];
  const files: number[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "commchain-bench-economics-"));
  try {
    for (let i = 0; i < repetitions; i++) {
      const t0 = performance.now();
      const result = runSamplingStudy();
      const t1 = performance.now();
      await writeSamplingOutputs(dir, result);
      const t2 = performance.now();
      if (!result.certified) throw new Error("an equilibrium of the default study is not certified");
      study.push(t1 - t0);
      files.push(t2 - t1);
      console.log(
        `run ${i + 1}: study ${(t1 - t0).toFixed(0)} ms (45 certified equilibria), files ${(t2 - t1).toFixed(0)} ms (JSON, report, 4 SVG)`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    JSON.stringify({
      bench: "economics",
      unit: "ms",
      repetitions,
      equilibria: 45,
      gridPoints: 10_001,
      studyMedianMs: Math.round(median(study)),
      studyMaxMs: Math.round(Math.max(...study)),
      filesMedianMs: Math.round(median(files)),
      goalMs: 2000,
      withinGoal: Math.max(...study) < 2000,
    }),
  );
}

void main();
