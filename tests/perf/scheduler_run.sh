#!/usr/bin/env bash
# Scheduling throughput of the scheduler plugin; prints pods bound/s and server RSS per shape.
#   bash tests/perf/scheduler_run.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Defaults: build/bin/capstan and the plugins-out beside it. Seeds Nodes and pending Pods with a
# server that has every plugin but the scheduler and the node agents (scheduler.so, node-agent.so,
# runtime-sim.so), then restarts it on the same data directory with all plugins and times the
# bindings (tests/perf/scheduler_throughput.py; python3, standard library only).
# SHAPES="NODES:PODS ..." overrides the shapes. Figures are in docs/benchmarks.md.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSTAN=${1:-${CAPSTAN:-$REPO_ROOT/build/bin/capstan}}
PLUGIN_DIR=${2:-${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}}
SHAPES=${SHAPES:-"1000:10000 5000:10000"}
[ -x "$CAPSTAN" ] || { echo "capstan binary not found: $CAPSTAN" >&2; exit 1; }
[ -f "$PLUGIN_DIR/scheduler.so" ] || { echo "no scheduler.so in $PLUGIN_DIR" >&2; exit 1; }
PYTHON=$(command -v python3 || echo /usr/bin/python3)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-schedrun.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/seed-plugins"
for so in "$PLUGIN_DIR"/*.so; do
  case $(basename "$so") in scheduler.so | node-agent.so | runtime-sim.so) ;; *) cp "$so" "$WORK/seed-plugins/" ;; esac
done

echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== capstan: $CAPSTAN"
RESULTS=()
for shape in $SHAPES; do
  "$PYTHON" "$REPO_ROOT/tests/perf/scheduler_throughput.py" --capstan "$CAPSTAN" --plugin-dir "$PLUGIN_DIR" \
    --seed-plugin-dir "$WORK/seed-plugins" --nodes "${shape%%:*}" --pods "${shape##*:}" --workdir "$WORK" \
    2>&1 | tee "$WORK/out.txt"
  RESULTS+=("$(grep '^RESULT' "$WORK/out.txt" | tail -1)")
done
echo
echo "== summary (target: >= 2,000 pods bound/s at 5,000 nodes)"
printf '%-8s %-8s %-12s %-14s %-10s %s\n' nodes pods seconds "pods bound/s" "RSS MB" "all PodScheduled=True after (s)"
for r in "${RESULTS[@]}"; do
  [ -n "$r" ] || { echo "(a shape failed: see above)"; continue; }
  f() { tr ' ' '\n' <<<"$r" | sed -n "s/^$1=//p"; }
  printf '%-8s %-8s %-12s %-14s %-10s %s\n' "$(f nodes)" "$(f pods)" "$(f seconds)" "$(f rate)" "$(f rss_mb)" "$(f podscheduled_s)"
done
