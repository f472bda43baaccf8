/**
 * Disjoint sets over the integers 0…size−1 (union by size, path halving), growable.
 * Hand-written: a dozen lines on typed arrays; graphology has no public union-find, and
 * percolation runs it over hundreds of thousands of cliques or clique faces.
 */
export class UnionFind {
  private parent: Int32Array;
  private size: Int32Array;
  private length = 0;

  constructor(initial = 0) {
    this.parent = new Int32Array(Math.max(initial, 16));
    this.size = new Int32Array(this.parent.length);
    this.grow(initial);
  }

  /** Number of elements. */
  get count(): number {
    return this.length;
  }

  /** Adds elements up to `count` (exclusive), each in a set of its own. */
  grow(count: number): void {
    if (count > this.parent.length) {
      let capacity = this.parent.length;
      while (capacity < count) capacity *= 2;
      const parent = new Int32Array(capacity);
      parent.set(this.parent.subarray(0, this.length));
      const size = new Int32Array(capacity);
      size.set(this.size.subarray(0, this.length));
      this.parent = parent;
      this.size = size;
    }
    for (let i = this.length; i < count; i++) {
      this.parent[i] = i;
      this.size[i] = 1;
    }
    this.length = Math.max(this.length, count);
  }

  find(x: number): number {
    const parent = this.parent;
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }
}
