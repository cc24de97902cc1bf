#!/usr/bin/env bash
# Two builds of Capstan side by side in one run, interleaved so both see the same machine load:
#   1. creates/s with 1 and 64 clients (ConfigMaps through the API, fsync on), RUNS rounds;
#   2. pods bound/s at 5,000 hollow nodes (10,000 pending pods), BIND_RUNS rounds;
#   3. instructions per create under callgrind (the whole server process: API, store, watchers'
#      JSON, plugins), counted only around 1,000 creates by one client.
# Medians per side and the ratio after/before. Used for docs/architecture.md §10 and
# docs/benchmarks.md (the middle floor's before and after).
#   bash tests/perf/before_after.sh BEFORE_CAPSTAN BEFORE_PLUGINS AFTER_CAPSTAN AFTER_PLUGINS
# Env: RUNS (3), BIND_RUNS (1), C1 (2000), C64 (10000), CG_CREATES (1000), SKIP_BIND, SKIP_CALLGRIND.
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -eq 4 ] || { sed -n 2,10p "$0"; exit 2; }
declare -A BIN=([before]=$1 [after]=$3) PLUG=([before]=$2 [after]=$4)
RUNS=${RUNS:-3} BIND_RUNS=${BIND_RUNS:-1} C1=${C1:-2000} C64=${C64:-10000} CG_CREATES=${CG_CREATES:-1000}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-before-after.XXXXXX")
SERVER_PID=
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

LOAD=${API_LOAD:-$(dirname "$3")/capstan_api_load}
if [ ! -x "$LOAD" ]; then
  LOAD=$WORK/capstan_api_load
  "${CXX:-c++}" -std=c++20 -O2 -pthread "$REPO_ROOT/tests/perf/api_load.cpp" -o "$LOAD" || exit 1
fi

PORT=
start_server() { # SIDE NAME [WRAPPER...]: a server on a fresh data dir; sets SERVER_PID and PORT
  local side=$1 name=$2; shift 2
  local data=$WORK/$name log=$WORK/$name.log i
  mkdir -p "$data"; : >"$log"
  "$@" "${BIN[$side]}" server --data-dir "$data" --plugin-dir "${PLUG[$side]}" --port 0 --http-port 0 \
    >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 1200; i++)); do
    PORT=$(sed -n 's|^ *plain HTTP: http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    # The API authenticates its plain-HTTP port too: the load generator sends the admin token.
    # (It is written before the port is announced; servers from before authentication have none.)
    if [ -n "$PORT" ]; then
      if [ -s "$data/auth/admin.token" ]; then export CAPSTAN_TOKEN=$(cat "$data/auth/admin.token"); else unset CAPSTAN_TOKEN; fi
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited during start-up:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "server not ready after 120 s" >&2; tail -20 "$log" >&2; exit 1
}
stop_server() { # by PID; waits, then KILL after 30 s (callgrind writes its profile on exit)
  local i
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null
  for ((i = 0; i < 300; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a+0==0 || b=="-" || a=="-") print "-"; else printf "%.2f", b/a}'; }

echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for s in before after; do echo "== $s: ${BIN[$s]} (plugins ${PLUG[$s]})"; done
declare -A R1 R64
for ((r = 1; r <= RUNS; r++)); do
  for s in before after; do
    start_server "$s" "$s-$r"
    o1=$("$LOAD" creates --clients 1 --count "$C1" --port "$PORT" 2>&1 | grep '^RESULT')
    o64=$("$LOAD" creates --clients 64 --count "$C64" --port "$PORT" --namespace bulk 2>&1 | grep '^RESULT')
    stop_server
    echo "  round $r $s: 1 client $(field "$o1" rate)/s (errors $(field "$o1" errors)), 64 clients $(field "$o64" rate)/s (errors $(field "$o64" errors))"
    R1[$s]+="$(field "$o1" rate) "; R64[$s]+="$(field "$o64" rate) "
  done
done

declare -A BIND
if [ -z "${SKIP_BIND:-}" ]; then
  for ((r = 1; r <= BIND_RUNS; r++)); do
    for s in before after; do
      out=$(/usr/bin/python3 "$REPO_ROOT/tests/perf/hollow_nodes.py" --mode schedule --capstan "${BIN[$s]}" \
        --plugin-dir "${PLUG[$s]}" --nodes 5000 --pods 10000 2>&1)
      res=$(grep '^RESULT' <<<"$out" | tail -1)
      echo "  binding round $r $s: $(field "$res" bound)/10000 bound, $(field "$res" bound_per_s) pods/s"
      [ -n "$res" ] || echo "$out" | tail -5 | sed 's/^/    /'
      BIND[$s]+="$(field "$res" bound_per_s) "
    done
  done
fi

declare -A IPC
if [ -z "${SKIP_CALLGRIND:-}" ] && command -v valgrind >/dev/null; then
  for s in before after; do
    # Instrumentation starts off; callgrind_control turns it on just for the creates.
    start_server "$s" "cg-$s" valgrind --tool=callgrind --instr-atstart=no \
      --callgrind-out-file="$WORK/callgrind.$s.%p"
    "$LOAD" creates --clients 1 --count 50 --port "$PORT" --namespace warm >/dev/null 2>&1  # warm-up
    callgrind_control -i on "$SERVER_PID" >/dev/null
    "$LOAD" creates --clients 1 --count "$CG_CREATES" --port "$PORT" >/dev/null 2>&1
    callgrind_control -i off "$SERVER_PID" >/dev/null
    stop_server
    ir=$(cat "$WORK"/callgrind.$s.* 2>/dev/null | sed -n 's/^totals: *//p' | awk '{t+=$1} END {print t+0}')
    IPC[$s]=$(awk -v t="$ir" -v n="$CG_CREATES" 'BEGIN {printf "%.0f", t/n}')
    echo "  callgrind $s: $ir instructions for $CG_CREATES creates: ${IPC[$s]} per create"
  done
fi

echo
echo "== summary (medians; ratio = after / before)"
printf '%-44s %-14s %-14s %s\n' figure before after ratio
row() { printf '%-44s %-14s %-14s %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"; }
row "creates/s, 1 client ($C1, $RUNS rounds)" "$(median <<<"$(tr ' ' '\n' <<<"${R1[before]}")")" "$(median <<<"$(tr ' ' '\n' <<<"${R1[after]}")")"
row "creates/s, 64 clients ($C64, $RUNS rounds)" "$(median <<<"$(tr ' ' '\n' <<<"${R64[before]}")")" "$(median <<<"$(tr ' ' '\n' <<<"${R64[after]}")")"
[ -z "${SKIP_BIND:-}" ] && row "pods bound/s, 5,000 hollow nodes" "$(median <<<"$(tr ' ' '\n' <<<"${BIND[before]}")")" "$(median <<<"$(tr ' ' '\n' <<<"${BIND[after]}")")"
[ -n "${IPC[before]:-}" ] && row "instructions per create (callgrind)" "${IPC[before]}" "${IPC[after]}"
exit 0
