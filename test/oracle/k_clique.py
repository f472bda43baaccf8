#!/usr/bin/env python3
"""Reference answers from networkx for the clique-percolation tests and benchmark.

Reads one JSON object on stdin, {"jobs": [job, ...]}, and writes one JSON object on stdout,
{"results": [result, ...]}, one result per job, in order. Every job carries the graph:
"nodes" (ids) and "edges" ([u, v] or [u, v, weight]). Operations ("op"):

- "find_cliques": {"cliques": [[ids]]}, networkx.find_cliques.
- "k_clique_communities" with "ks": {"byK": {k: [[ids]]}}, networkx k_clique_communities per k.
- "weighted_cpm" with "ks" and "intensity": {"byK": {k: [[ids]]}}, a brute force of Farkas et
  al. 2007: every k-clique (enumerate_all_cliques) whose geometric mean edge weight is >= the
  intensity is kept; kept k-cliques sharing k-1 nodes are joined; communities are the unions.

Each result also has "seconds": the time of the operation itself, measured here with
perf_counter around the computation only (no interpreter start, JSON parsing, graph building or
sorting of the output); k_clique_communities also gives "secondsByK", and with "repeat": r
runs each k r times and keeps the fastest.
"""
import json
import math
import sys
import time
from itertools import combinations

import networkx as nx
from networkx.algorithms.community import k_clique_communities


def build_graph(job):
    graph = nx.Graph()
    graph.add_nodes_from(job["nodes"])
    for edge in job["edges"]:
        if len(edge) > 2:
            graph.add_edge(edge[0], edge[1], weight=edge[2])
        else:
            graph.add_edge(edge[0], edge[1])
    return graph


def weighted_cpm(graph, k, intensity):
    # Brute force on purpose: the reference must be obviously right, not fast.
    parent = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept = []
    for clique in nx.enumerate_all_cliques(graph):
        if len(clique) < k:
            continue
        if len(clique) > k:
            break
        weights = [graph[u][v]["weight"] for u, v in combinations(clique, 2)]
        mean = math.prod(weights) ** (1.0 / len(weights))
        if mean >= intensity:
            kept.append(frozenset(clique))
    for clique in kept:
        for subset in combinations(sorted(clique), k - 1):
            parent.setdefault(frozenset(subset), frozenset(subset))
        subsets = [frozenset(s) for s in combinations(sorted(clique), k - 1)]
        for other in subsets[1:]:
            a, b = find(subsets[0]), find(other)
            if a != b:
                parent[a] = b
    communities = {}
    for clique in kept:
        root = find(frozenset(sorted(clique)[: k - 1]))
        communities.setdefault(root, set()).update(clique)
    return [sorted(c) for c in communities.values()]


def run(job):
    graph = build_graph(job)
    op = job["op"]
    if op == "find_cliques":
        start = time.perf_counter()
        cliques = [sorted(c) for c in nx.find_cliques(graph)]
        return {"cliques": cliques, "seconds": time.perf_counter() - start}
    if op == "k_clique_communities":
        by_k = {}
        seconds_by_k = {}
        for k in job["ks"]:
            for _ in range(job.get("repeat", 1)):
                start = time.perf_counter()
                communities = list(k_clique_communities(graph, k))
                elapsed = time.perf_counter() - start
                seconds_by_k[k] = min(elapsed, seconds_by_k.get(k, elapsed))
            by_k[k] = [sorted(c) for c in communities]
        return {"byK": by_k, "seconds": sum(seconds_by_k.values()), "secondsByK": seconds_by_k}
    if op == "weighted_cpm":
        by_k = {}
        start = time.perf_counter()
        for k in job["ks"]:
            by_k[k] = weighted_cpm(graph, k, job["intensity"])
        return {"byK": by_k, "seconds": time.perf_counter() - start}
    raise ValueError(f"unknown op {op!r}")


def main():
    request = json.load(sys.stdin)
    json.dump({"results": [run(job) for job in request["jobs"]]}, sys.stdout)


if __name__ == "__main__":
    main()
