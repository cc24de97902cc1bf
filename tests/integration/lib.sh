#!/usr/bin/env bash
# Shared helpers for the integration tests (sourced, not run).
#   source lib.sh; capstan_args "$@"; start_server DATA_DIR LOG
# Sets CAPSTAN (binary), PLUGIN_DIR, SERVER_PID, KUBECONFIG.

pass=0; fail=0; skip=0; failed=()
ok()   { pass=$((pass+1)); echo "PASS $1"; }
bad()  { fail=$((fail+1)); failed+=("$1"); echo "FAIL $1${2:+: $2}"; }
skipped() { skip=$((skip+1)); echo "SKIP $1${2:+: $2}"; }
check() { # NAME CMD... : passes when CMD exits 0
  local name=$1; shift; local out
  if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$(echo "$out" | tail -3 | tr '\n' ' ')"; fi
}
check_eq() { # NAME EXPECTED CMD...
  local name=$1 want=$2; shift 2; local got
  got=$("$@" 2>&1)
  if [ "$got" = "$want" ]; then ok "$name"; else bad "$name" "want '$want' got '$(echo "$got" | tail -3 | tr '\n' ' ')'"; fi
}
check_fails() { # NAME PATTERN CMD... : CMD must fail and its output match PATTERN (grep -E)
  local name=$1 pat=$2; shift 2; local out
  if out=$("$@" 2>&1); then bad "$name" "succeeded but should have failed: $(echo "$out" | tail -2 | tr '\n' ' ')"
  elif echo "$out" | grep -Eq "$pat"; then ok "$name"
  else bad "$name" "error did not match /$pat/: $(echo "$out" | tail -2 | tr '\n' ' ')"; fi
}
summary() { # prints the failed checks, then the last line "N passed, N failed"
  [ $fail -eq 0 ] || { echo "failed:"; printf '  %s\n' "${failed[@]}"; }
  [ $skip -eq 0 ] || echo "($skip checks skipped)"
  echo "$pass passed, $fail failed"
}

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

capstan_args() { # [CAPSTAN_BINARY [PLUGIN_DIR]]; defaults to the repo's build/
  CAPSTAN=${1:-${CAPSTAN:-$REPO_ROOT/build/bin/capstan}}
  PLUGIN_DIR=${2:-${PLUGIN_DIR:-$(dirname "$CAPSTAN")/../plugins-out}}
  if [ ! -x "$CAPSTAN" ]; then echo "FAIL capstan binary not found: $CAPSTAN"; echo "0 passed, 1 failed"; exit 1; fi
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "SKIP kubectl is not installed: the kubectl integration tests cannot run (see scripts/install-deps.sh)"
    exit 77
  fi
}

# A node on the simulated runtime, without the pod network plugins (nothing to plumb for pods
# that are not processes): `capstan up $SIM_NODE_ARGS` or `capstan agent $SIM_NODE_ARGS`.
# Simulated nodes run no real data plane: no bridge, service proxy, DNS, ingress nginx or CSI
# driver (an nginx or a driver would outlive an agent the test kills with SIGKILL and hold the
# node's ports and sockets for later tests).
SIM_NODE_ARGS="--runtime sim --disable bridge --disable service-proxy --disable cluster-dns --disable ingress-nginx --plugin-config node-agent={\"port\":0,\"csiHostPath\":false}"

SERVER_PID=
start_server() { # DATA_DIR LOG : starts capstan server, waits (20 s) for the kubeconfig line
  local data=$1 log=$2 i
  # CAPSTAN_COMMAND=up also runs the agent-role plugins (node agent, runtime) in the process;
  # CAPSTAN_ARGS adds flags (e.g. $SIM_NODE_ARGS).
  # shellcheck disable=SC2086
  "$CAPSTAN" "${CAPSTAN_COMMAND:-server}" --data-dir "$data" --plugin-dir "$PLUGIN_DIR" --port 0 --http-port 0 \
    --bind-address 127.0.0.1 ${CAPSTAN_ARGS:-} >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  for ((i = 0; i < 200; i++)); do
    if grep -q '^ *kubeconfig: ' "$log" 2>/dev/null; then
      KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$log" | tail -1)
      export KUBECONFIG
      [ -f "$KUBECONFIG" ] && return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited during start-up:"; tail -20 "$log"; SERVER_PID=; return 1; }
    sleep 0.1
  done
  echo "server not ready after 20 s:"; tail -20 "$log"; return 1
}

stop_server() { # SIGNAL : stops the server this script started, by PID
  local sig=${1:-TERM} i
  [ -n "$SERVER_PID" ] || return 0
  kill -"$sig" "$SERVER_PID" 2>/dev/null
  for ((i = 0; i < 50; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

