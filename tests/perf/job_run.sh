#!/usr/bin/env bash
# Issue-15 Job figures on hollow nodes: a Job of 1,000 completions at parallelism 100, RUNS times
# (default 5), printing every RESULT line and the medians. Figures are in docs/benchmarks.md.
#   bash tests/perf/job_run.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSTAN=${1:-${CAPSTAN:-$REPO_ROOT/build/bin/capstan}}
PLUGIN_DIR=${2:-${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}}
RUNS=${RUNS:-5}
echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for ((i = 1; i <= RUNS; i++)); do
  # Captured, then printed: `tee /dev/stderr` would reopen (and truncate) a redirected log.
  out=$(/usr/bin/python3 "$REPO_ROOT/tests/perf/job_bench.py" --capstan "$CAPSTAN" --plugin-dir "$PLUGIN_DIR" \
    --nodes "${NODES:-100}" --completions "${COMPLETIONS:-1000}" --parallelism "${PARALLELISM:-100}" \
    --pod-command "${POD_COMMAND:-exit}" 2>&1)
  echo "$out"
  results+=("$(grep '^RESULT' <<<"$out")")
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for key in seconds created_per_s finished_per_s job_sync_cpu_s server_cpu_s agent_cpu_s; do
  printf '%s median: ' "$key"
  printf '%s\n' "${results[@]}" | sed -n "s/.* $key=\([0-9.]*\).*/\1/p" | median
done
