#!/usr/bin/env bash
# Issue-3 scale figures on hollow nodes (one `capstan agent` process running N simulated nodes):
# pods bound/s at 1,000 and 5,000 hollow nodes (10,000 pending pods), and creation->Running
# p50/p99 for a 3,000-replica Deployment with the API p99 during it and RSS per hollow node.
#   bash tests/perf/hollow_run.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Figures are in docs/benchmarks.md.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSTAN=${1:-${CAPSTAN:-$REPO_ROOT/build/bin/capstan}}
PLUGIN_DIR=${2:-${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}}
PY=/usr/bin/python3
echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for shape in ${SCHEDULE_SHAPES:-1000:10000 5000:10000}; do
  "$PY" "$REPO_ROOT/tests/perf/hollow_nodes.py" --mode schedule --capstan "$CAPSTAN" --plugin-dir "$PLUGIN_DIR" \
    --nodes "${shape%%:*}" --pods "${shape##*:}"
done
for shape in ${DEPLOYMENT_SHAPES:-1000:3000}; do
  "$PY" "$REPO_ROOT/tests/perf/hollow_nodes.py" --mode deployment --capstan "$CAPSTAN" --plugin-dir "$PLUGIN_DIR" \
    --nodes "${shape%%:*}" --replicas "${shape##*:}"
done
