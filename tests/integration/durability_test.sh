#!/usr/bin/env bash
# Integration test: acknowledged writes survive SIGKILL of `capstan server`.
#   durability_test.sh [CAPSTAN_BINARY [PLUGIN_DIR]]
# Writes configmaps, kills the server mid-stream, restarts it on the same data dir and checks
# that every create the API acknowledged is still there. Ends with "N passed, N failed".
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- setup
capstan_args "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-durability.XXXXXX")
WRITER_PID=
cleanup() {
  [ -n "$WRITER_PID" ] && kill "$WRITER_PID" 2>/dev/null
  stop_server TERM
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export HOME=$WORK/home; mkdir -p "$HOME"
DATA=$WORK/data
ACKED=$WORK/acked        # "name resourceVersion" per create the API acknowledged
: >"$ACKED"
if ! start_server "$DATA" "$WORK/server1.log"; then bad "server starts"; summary; exit 1; fi
ok "server starts"
k() { kubectl --request-timeout=15s "$@"; }

# The writer: creates configmaps as fast as the API acknowledges them, from 4 connections, and
# records each acknowledged name with its resourceVersion. It stops when the server goes away.
if /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
  cat >"$WORK/writer.py" <<'PY'
import sys, threading, time
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()
deadline = time.time() + 20
def run(t):
    api = client.CoreV1Api(api_client=config.new_client_from_config(config_file=sys.argv[1]))
    n = 0
    while time.time() < deadline:
        name = f"d{t}-{n}"
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"k": str(n)})
        try:
            cm = api.create_namespaced_config_map("default", body, _request_timeout=5)
        except Exception:
            return  # the server is gone: what was not acknowledged does not count
        with lock:
            out.write(f"{name} {cm.metadata.resource_version}\n")
        n += 1
ts = [threading.Thread(target=run, args=(t,)) for t in range(4)]
for t in ts: t.start()
for t in ts: t.join()
PY
  /usr/bin/python3 "$WORK/writer.py" "$KUBECONFIG" "$ACKED" 2>"$WORK/writer.err" &
  WRITER_PID=$!
  writer=python
else
  echo "note: python3 kubernetes client not available; writing with kubectl (slower)"
  ( n=0; end=$((SECONDS + 20))
    while [ $SECONDS -lt $end ]; do
      rv=$(kubectl --request-timeout=5s create configmap "d0-$n" --from-literal=k=$n -o jsonpath='{.metadata.resourceVersion}' 2>/dev/null) || exit 0
      echo "d0-$n $rv" >>"$ACKED"; n=$((n + 1))
    done ) &
  WRITER_PID=$!
  writer=kubectl
fi

# Let writes flow (at least 40 acknowledged, or 8 s), then SIGKILL the server mid-stream.
want=150; [ $writer = kubectl ] && want=15
for ((i = 0; i < 80; i++)); do
  [ "$(wc -l <"$ACKED")" -ge $want ] && break
  kill -0 "$WRITER_PID" 2>/dev/null || break
  sleep 0.1
done
before=$(wc -l <"$ACKED")
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
for ((i = 0; i < 100; i++)); do kill -0 "$WRITER_PID" 2>/dev/null || break; sleep 0.1; done
kill "$WRITER_PID" 2>/dev/null; wait "$WRITER_PID" 2>/dev/null; WRITER_PID=
acked=$(wc -l <"$ACKED")
echo "writer ($writer): $acked creates acknowledged ($before when SIGKILL was sent)"
if [ "$acked" -gt 0 ]; then ok "writes were acknowledged before the crash"; else bad "writes were acknowledged before the crash" "$(tail -3 "$WORK/writer.err" 2>/dev/null)"; fi
max_rv=$(awk '$2 ~ /^[0-9]+$/ && $2+0 > m { m = $2+0 } END { print m+0 }' "$ACKED")

# ---------------------------------------------------------------- restart on the same data dir
if ! start_server "$DATA" "$WORK/server2.log"; then bad "server restarts on the same data dir"; summary; exit 1; fi
ok "server restarts on the same data dir"
check "kubectl get cm -A works after restart" k get cm -A
k -n default get cm -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' 2>"$WORK/list.err" | sort >"$WORK/present"
cut -d' ' -f1 "$ACKED" | sort >"$WORK/acked-names"
lost=$(comm -23 "$WORK/acked-names" "$WORK/present")
if [ -z "$lost" ]; then ok "every acknowledged configmap ($acked) survived SIGKILL"
else bad "every acknowledged configmap survived SIGKILL" "$(echo "$lost" | wc -l) lost: $(echo "$lost" | head -5 | tr '\n' ' ')"; fi
# the data of a few survivors is intact
sample=$(head -1 "$WORK/acked-names")
if [ -n "$sample" ]; then
  check_eq "data intact after restart ($sample)" "${sample#*-}" k -n default get cm "$sample" -o jsonpath='{.data.k}'
fi
# acknowledged resourceVersions are unchanged, and new writes get greater ones
if [ -n "$sample" ]; then
  want_rv=$(awk -v n="$sample" '$1 == n { print $2 }' "$ACKED")
  check_eq "resourceVersion of a survivor unchanged" "$want_rv" k -n default get cm "$sample" -o jsonpath='{.metadata.resourceVersion}'
fi
new_rv=$(k -n default create configmap after-restart --from-literal=k=x -o jsonpath='{.metadata.resourceVersion}' 2>&1)
if [[ $new_rv =~ ^[0-9]+$ ]] && [ "$new_rv" -gt "$max_rv" ]; then
  ok "resourceVersion after restart ($new_rv) is greater than before ($max_rv)"
else
  bad "resourceVersion after restart is greater than before" "after='$new_rv' before max='$max_rv'"
fi

if [ $fail -ne 0 ]; then echo "--- server log after restart (tail)"; tail -20 "$WORK/server2.log"; fi
summary
[ $fail -eq 0 ]
