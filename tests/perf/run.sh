#!/usr/bin/env bash
# Benchmarks of the Kubernetes API that `capstan server` serves; prints one summary table.
#   bash tests/perf/run.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Defaults: build/bin/capstan and the plugins-out beside it. The load generator is $API_LOAD, or
# capstan_api_load beside the binary (-DCAPSTAN_BUILD_PERF=ON), or compiled here with c++.
# Starts its own servers on temporary data directories (fsync on, as shipped), talks to them over
# the loopback plain-HTTP port, and stops them by PID. Figures are in docs/benchmarks.md.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CAPSTAN=${1:-${CAPSTAN:-$REPO_ROOT/build/bin/capstan}}
PLUGIN_DIR=${2:-${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}}
[ -x "$CAPSTAN" ] || { echo "capstan binary not found: $CAPSTAN" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-perf.XXXXXX")
SERVER_PID=
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

LOAD=${API_LOAD:-$(dirname "$CAPSTAN")/capstan_api_load}
if [ ! -x "$LOAD" ]; then
  LOAD=$WORK/capstan_api_load
  echo "compiling the load generator: ${CXX:-c++} -O2 tests/perf/api_load.cpp" >&2
  "${CXX:-c++}" -std=c++20 -O2 -pthread "$REPO_ROOT/tests/perf/api_load.cpp" -o "$LOAD" || exit 1
fi

# 1,000 watchers need 1,000 sockets on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 2100 ] || echo "warning: ulimit -n is $(ulimit -n)" >&2

PORT=
start_server() { # NAME : starts a server on a fresh data dir; sets SERVER_PID and PORT
  local data=$WORK/$1 log=$WORK/$1.log i
  mkdir -p "$data"; : >"$log"
  "$CAPSTAN" server --data-dir "$data" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 200; i++)); do
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
  echo "server not ready after 20 s" >&2; tail -20 "$log" >&2; exit 1
}
stop_server() { # stops the server this script started, by PID; reports if it had died
  local i
  [ -n "$SERVER_PID" ] || return 0
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "SERVER DIED (pid $SERVER_PID) during the run; log tail:" >&2; tail -20 "$WORK"/*.log >&2
  fi
  kill -TERM "$SERVER_PID" 2>/dev/null
  for ((i = 0; i < 50; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
field() { # RESULT-LINE KEY
  tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}
run() { # MODE ARGS... : runs the load generator, shows its output, keeps its RESULT line in LAST
  local out
  out=$("$LOAD" "$@" --port "$PORT" 2>&1); local rc=$?
  echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
  [ $rc -eq 0 ] || echo "  (capstan_api_load $* exited $rc: see the errors above)"
  LAST=$(echo "$out" | grep '^RESULT' | tail -1)
}

echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== capstan: $CAPSTAN"

echo "== server A: idle memory, reads with 10,000 objects, 1,000 watchers"
start_server a
sleep 1
RSS_IDLE=$(rss_mb)
echo "  idle RSS 1 s after start: $RSS_IDLE MB"
run reads --objects 10000 --gets 20000 --read-clients 8 --lists 50;   R_READS=$LAST
run reads --objects 100 --gets 20000 --read-clients 100 --lists 0;    R_READS100=$LAST
sleep 1
RSS_10K=$(rss_mb)
echo "  RSS after 10,000 objects (+100, and the reads): $RSS_10K MB"
run watch --watchers 1000 --writes 50;                                 R_WATCH=$LAST
RSS_WATCH=$(rss_mb)
echo "  RSS after the watch run (streams closed): $RSS_WATCH MB"
stop_server

echo "== server B: creates"
start_server b
run creates --clients 1 --count 3000;                                  R_C1=$LAST
run creates --clients 64 --count 20000;                                R_C64=$LAST
RSS_23K=$(rss_mb)
echo "  RSS after 23,000 creates: $RSS_23K MB"
stop_server

echo "== JSON vs protobuf bodies: 64-client creates, each wire on a fresh server; reads of 10,000 objects"
for wire in json protobuf; do
  flag=; [ $wire = protobuf ] && flag=--protobuf
  start_server "c-$wire"
  # shellcheck disable=SC2086
  run creates --clients 64 --count 20000 $flag;                        eval "R_W_${wire}=\$LAST"
  # shellcheck disable=SC2086
  run reads --objects 10000 --gets 20000 --read-clients 8 --lists 20 $flag; eval "R_WR_${wire}=\$LAST"
  stop_server
done

echo "== start-up: 5 cold starts (fresh data dir), 5 warm restarts"
out=$("$LOAD" startup --capstan "$CAPSTAN" --plugin-dir "$PLUGIN_DIR" --runs 5 2>&1)
echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
R_START=$(echo "$out" | grep '^RESULT' | tail -1)

echo
echo "== summary"
printf '%-52s %-22s %s\n' "figure" "measured" "target"
row() { printf '%-52s %-22s %s\n' "$1" "$2" "$3"; }
row "creates/s, 1 client (3,000 creates)" "$(field "$R_C1" rate)/s" "-"
row "  create latency p50 / p99" "$(field "$R_C1" p50_ms) / $(field "$R_C1" p99_ms) ms" "-"
row "creates/s, 64 clients (20,000 creates)" "$(field "$R_C64" rate)/s" ">= 5,000/s (fsync on)"
row "  create latency p50 / p99" "$(field "$R_C64" p50_ms) / $(field "$R_C64" p99_ms) ms" "p99 <= 20 ms"
row "  create errors (1 / 64 clients)" "$(field "$R_C1" errors) / $(field "$R_C64" errors)" "0"
row "GET one object, 8 conns, 10k objects: p50 / p99" "$(field "$R_READS" get_p50_ms) / $(field "$R_READS" get_p99_ms) ms" "p99 <= 20 ms"
row "GET one object, 100 conns: p50 / p99" "$(field "$R_READS100" get_p50_ms) / $(field "$R_READS100" get_p99_ms) ms" "p99 <= 20 ms"
row "  GETs/s (8 / 100 conns)" "$(field "$R_READS" get_rate) / $(field "$R_READS100" get_rate)" "-"
row "LIST 10,000 objects: p50 / p99" "$(field "$R_READS" list_p50_ms) / $(field "$R_READS" list_p99_ms) ms" "-"
row "  LIST size, items" "$(field "$R_READS" list_bytes) B, $(field "$R_READS" list_items)" "10000 items"
row "watch, 1,000 watchers x 50 writes: p50 / p99" "$(field "$R_WATCH" p50_ms) / $(field "$R_WATCH" p99_ms) ms" "p99 <= 50 ms"
row "  events received / missing" "$(field "$R_WATCH" events) / $(field "$R_WATCH" missing)" "50000 / 0"
row "  1,000 watch streams opened in" "$(field "$R_WATCH" open_ms) ms" "-"
row "RSS idle (1 s after start)" "$RSS_IDLE MB" "<= 50 MB"
row "RSS after 10,000 objects" "$RSS_10K MB" "-"
row "RSS after 1,000 watchers (closed)" "$RSS_WATCH MB" "-"
row "RSS after 23,000 creates" "$RSS_23K MB" "-"
row "creates/s, 64 clients, JSON / protobuf bodies" "$(field "$R_W_json" rate) / $(field "$R_W_protobuf" rate)" "-"
row "  create p99, JSON / protobuf" "$(field "$R_W_json" p99_ms) / $(field "$R_W_protobuf" p99_ms) ms" "-"
row "  create errors, JSON / protobuf" "$(field "$R_W_json" errors) / $(field "$R_W_protobuf" errors)" "0"
row "GET p99, JSON / protobuf (8 conns)" "$(field "$R_WR_json" get_p99_ms) / $(field "$R_WR_protobuf" get_p99_ms) ms" "-"
row "LIST 10,000 p50, JSON / protobuf" "$(field "$R_WR_json" list_p50_ms) / $(field "$R_WR_protobuf" list_p50_ms) ms" "-"
row "  LIST size, JSON / protobuf" "$(field "$R_WR_json" list_bytes) / $(field "$R_WR_protobuf" list_bytes) B" "-"
row "  LIST items counted, JSON / protobuf" "$(field "$R_WR_json" list_items) / $(field "$R_WR_protobuf" list_items)" "10000"
row "ready, cold (median of 5): ready-in / to /readyz" "$(field "$R_START" cold_ready_ms) / $(field "$R_START" cold_wall_ms) ms" "<= 200 ms"
row "ready, warm (median of 5): ready-in / to /readyz" "$(field "$R_START" warm_ready_ms) / $(field "$R_START" warm_wall_ms) ms" "<= 200 ms"
