#!/usr/bin/env bash
# Integration test (issue 12, resource exhaustion): the API server runs out of file descriptors.
# `capstan server` gets a limit of 256 open files (prlimit on its PID); a client opens 400
# connections and holds them. While the process is at its limit:
#   - it does not crash, and keeps serving the connections it has;
#   - a new connection is refused at once (reset) instead of hanging in the listen backlog;
#   - the log says so without flooding (one warning per 5 s at most).
# When the held connections close, it serves new ones again.
#   flock /tmp/capstan-integration.lock bash tests/integration/fd_exhaustion_test.sh CAPSTAN_BINARY PLUGIN_DIR
# Ends with "N passed, N failed"; exits 77 when kubectl, prlimit, curl or python3 is missing.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
capstan_args "$@"
for tool in prlimit curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP $tool is not installed"; exit 77; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-fd-exhaustion-test.XXXXXX")
HOLDER= WATCH=
cleanup() {
  [ -n "$HOLDER" ] && { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; }
  [ -n "$WATCH" ] && { kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null; }
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME"

LIMIT=256
HELD=400
start_server "$WORK/data" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }
API=$(sed -n 's|^ *API: *\(https://[0-9.:]*\).*|\1|p' "$WORK/server.log" | tail -1)
PORT=${API##*:}
check "the API answers" kubectl get namespaces
check "limit the server to $LIMIT open files" prlimit --pid "$SERVER_PID" --nofile=$LIMIT:$LIMIT
fds() { ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l; }
echo "descriptors in use before: $(fds)"

# A long watch opened before the limit is reached must keep being served.
kubectl get configmaps --watch -o name >"$WORK/watch.out" 2>&1 &
WATCH=$!

# Hold HELD plain TCP connections (no TLS handshake: what a flood of slow clients looks like).
python3 -c '
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        pass
print("holding", len(held), flush=True)
time.sleep(600)
' "$PORT" "$HELD" >"$WORK/holder.out" 2>&1 &
HOLDER=$!
check "the client holds its connections" bash -c \
  "for i in \$(seq 100); do grep -q holding '$WORK/holder.out' && exit 0; sleep 0.1; done; exit 1"
check "the server reaches its descriptor limit" bash -c \
  "for i in \$(seq 50); do [ \$(ls /proc/$SERVER_PID/fd | wc -l) -ge $LIMIT ] && exit 0; sleep 0.1; done; exit 1"
echo "descriptors in use at the limit: $(fds)"

# A new connection is refused at once (reset), not left hanging until the client gives up.
start_ns=$(date +%s%N)
curl -sk --max-time 10 -o /dev/null "$API/version"
rc=$?
took_ms=$((($(date +%s%N) - start_ns) / 1000000))
echo "time: a new connection at the limit: curl exit $rc after ${took_ms} ms"
check "a new connection fails" test "$rc" -ne 0
check "it is refused, not timed out (curl exit $rc)" test "$rc" -ne 28
check "at once (${took_ms} ms < 2000 ms)" test "$took_ms" -lt 2000
for i in 1 2 3 4 5; do curl -sk --max-time 5 -o /dev/null "$API/version"; done
check "the server is still running" kill -0 "$SERVER_PID"
check "the watch opened before the limit is still open" kill -0 "$WATCH"

# The connections close: the server answers again.
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=
start_ns=$(date +%s%N)
check "the API answers again once the connections are closed" bash -c \
  'for i in $(seq 100); do kubectl get namespaces --request-timeout=2s >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1'
echo "time: API answering again $((($(date +%s%N) - start_ns) / 1000000)) ms after the connections closed"
check "writes work" kubectl create configmap after --from-literal=k=v
check "the watch saw the write" bash -c \
  "for i in \$(seq 50); do grep -q configmap/after '$WORK/watch.out' && exit 0; sleep 0.1; done; exit 1"
kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null; WATCH=
check "the server is still running" kill -0 "$SERVER_PID"
warnings=$(grep -c 'accept failed: too many open files' "$WORK/server.log")
check "the exhaustion is logged ($warnings warnings), without flooding" test "$warnings" -ge 1 -a "$warnings" -le 10
summary
[ $fail -eq 0 ]
