/**
 * Rank statistics of benchmark figures. (Percentiles of durations are `distribution` in
 * src/system/report.ts.)
 */

/** Ranks of `values`, 1-based, ties given the mean of their ranks. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1].value === order[i].value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) result[order[k].index] = rank;
    i = j + 1;
  }
  return result;
}

/**
 * Spearman's rank correlation of `xs` and `ys` (Pearson's r of their ranks, so ties are handled):
 * from −1 to 1; `null` with fewer than two pairs or when either side is constant.
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new RangeError(`spearman: ${xs.length} xs against ${ys.length} ys`);
  if (xs.length < 2) return null;
  const [rx, ry] = [ranks(xs), ranks(ys)];
  const mean = (rx.length + 1) / 2;
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < rx.length; i++) {
    const [dx, dy] = [rx[i] - mean, ry[i] - mean];
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}
