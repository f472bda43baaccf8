#!/usr/bin/env bash
# The README's "Step by step", runnable: every task of the pipeline once, on a small workload, in
# a directory of its own (default: a fresh temporary one), stopping the chains at the end even
# if a step fails. Usage: scripts/walkthrough.sh [work-dir]
set -euo pipefail
cd "$(dirname "$0")/.."

work="${1:-$(mktemp -d -t commchain-walkthrough-XXXXXX)}"
mkdir -p "$work"
export COMMCHAIN_DIR="$work/chains"
hh() { echo; echo "\$ npx hardhat $*"; npx hardhat "$@"; }
trap 'hh chains:down || true' EXIT

hh gen-traffic --nodes 15 --groups 3 --overlap 1 --records 3000 --out "$work/traffic.csv"
hh partition --log "$work/traffic.csv" --out "$work/out"
hh chains:up --partition "$work/out/partition.json" --base-port 0
hh deploy:all
hh records:send --log "$work/traffic.csv"
hh anchor
hh verify:record --chain community-1 --record 0
hh records:verify --line 2
hh chains:status
echo
echo "walkthrough done: $work (chains stop now; \`npx hardhat chains:up --dir $COMMCHAIN_DIR\` restarts them)"
