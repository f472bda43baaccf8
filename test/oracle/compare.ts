import { expect } from "chai";

/**
 * Asserts two lists of communities (or cliques) in canonical order are equal. Compares one
 * string per community: chai's deep equality on thousands of nested arrays takes seconds.
 */
export function expectSameCommunities(actual: string[][], expected: string[][], message?: string): void {
  const key = (community: string[]) => community.join(" ");
  expect(actual.map(key), message).to.deep.equal(expected.map(key));
}
