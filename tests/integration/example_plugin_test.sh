#!/usr/bin/env bash
# Integration test: a third-party plugin built only against the *installed* SDK.
#   example_plugin_test.sh CAPSTAN_BINARY BUILD_DIR PLUGIN_DIR
# Installs the SDK from BUILD_DIR into a temporary prefix, configures and builds
# examples/crontab out of tree against it, starts `capstan server` with a temporary plugin
# directory holding the built-in plugins (from PLUGIN_DIR) plus crontab.so, and drives it with
# kubectl: apply, get ct, status written by the plugin's controller, explain, admission, delete.
# The example's own unit tests, built against the installed fake host (capstan_sdk_testing), run too.
# Prints PASS/FAIL per check and ends with "N passed, N failed". Exits 77 (skip) without kubectl.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
finish() { summary; [ $fail -eq 0 ]; exit $?; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EXAMPLE=$REPO_ROOT/examples/crontab

# ---------------------------------------------------------------- arguments
CAPSTAN=${1:-$REPO_ROOT/build/bin/capstan}
BUILD_DIR=${2:-$(dirname "$CAPSTAN")/..}
PLUGIN_DIR=${3:-$BUILD_DIR/plugins-out}
if [ ! -x "$CAPSTAN" ]; then echo "FAIL capstan binary not found: $CAPSTAN"; echo "0 passed, 1 failed"; exit 1; fi
if [ ! -f "$BUILD_DIR/cmake_install.cmake" ]; then echo "FAIL not a configured build dir: $BUILD_DIR"; echo "0 passed, 1 failed"; exit 1; fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIP kubectl is not installed: the example plugin test cannot run (see scripts/install-deps.sh)"
  exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-example-test.XXXXXX")
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- SDK install + out-of-tree build
SDK=$WORK/sdk
if out=$(cmake --install "$BUILD_DIR" --prefix "$SDK" 2>&1); then ok "SDK installs into a temporary prefix"
else bad "SDK installs into a temporary prefix" "$(echo "$out" | tail -3 | tr '\n' ' ')"; finish; fi
check "installed SDK has the CMake package" test -f "$SDK/lib/cmake/CapstanSDK/CapstanSDKConfig.cmake"
check "installed SDK has the schemas" test -f "$SDK/share/capstan/schema/capstan/k8s.capnp"

gen=(); command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
launcher=(); command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if out=$(cmake -S "$EXAMPLE" -B "$WORK/build" "${gen[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
           -DCMAKE_PREFIX_PATH="$SDK" 2>&1); then ok "example configures against the installed SDK only"
else bad "example configures against the installed SDK only" "$(echo "$out" | tail -5 | tr '\n' ' ')"; finish; fi
if out=$(nice cmake --build "$WORK/build" 2>&1); then ok "example builds"
else bad "example builds" "$(echo "$out" | grep -m3 -E 'error|Error' | tr '\n' ' ')"; finish; fi
check "crontab.so built" test -f "$WORK/build/crontab.so"
# Its unit tests run on the fake host installed with the SDK: no kernel, no server.
check "the example's unit tests (on the installed fake host) pass" ctest --test-dir "$WORK/build" --output-on-failure
check "example does not reach into the source tree" bash -c "! grep -q '$REPO_ROOT/sdk' '$WORK/build/build.ninja' '$WORK/build/Makefile' 2>/dev/null"

# ---------------------------------------------------------------- plugin dir + server
PLUGINS=$WORK/plugins; mkdir -p "$PLUGINS"
cp "$PLUGIN_DIR"/*.so "$PLUGINS"/ && cp "$WORK/build/crontab.so" "$PLUGINS"/
check "capstan plugins lists crontab as ok" bash -c "'$CAPSTAN' plugins --plugin-dir '$PLUGINS' | \
  awk '\$1 == \"capstan.kind.v1\" && \$2 == \"crontab\" { for (i = 3; i <= NF; i++) if (\$i == \"ok\") f = 1 } END { exit !f }'"

LOG=$WORK/server.log
"$CAPSTAN" server --data-dir "$WORK/data" --plugin-dir "$PLUGINS" --port 0 --bind-address 127.0.0.1 \
  >"$LOG" 2>&1 </dev/null &
SERVER_PID=$!
KUBECONFIG=
for ((i = 0; i < 200; i++)); do
  if grep -q '^ *kubeconfig: ' "$LOG" 2>/dev/null; then
    KUBECONFIG=$(sed -n 's/^ *kubeconfig: *//p' "$LOG" | tail -1)
    [ -f "$KUBECONFIG" ] && break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=; break; }
  sleep 0.1
done
if [ -z "$KUBECONFIG" ] || [ ! -f "$KUBECONFIG" ]; then bad "server starts" "$(tail -5 "$LOG" | tr '\n' ' ')"; finish; fi
export KUBECONFIG
ok "server starts with the crontab plugin"
export HOME=$WORK/home; mkdir -p "$HOME"   # fresh kubectl discovery cache
k() { kubectl --request-timeout=20s "$@"; }

# ---------------------------------------------------------------- kubectl
check "api-resources lists crontabs with short name ct" bash -c \
  "kubectl api-resources | grep -Eq '^crontabs +ct +stable\.example\.com/v1 +true +CronTab'"
check "apply -f creates the CronTab" k apply -f "$EXAMPLE/crontab.yaml"
check "get ct shows SPEC, IMAGE and REPLICAS" bash -c \
  "out=\$(kubectl get ct); echo \"\$out\" | grep -Eq '^NAME +SPEC +IMAGE +REPLICAS +AGE' && \
   echo \"\$out\" | grep -Eq '^my-new-cron-object +\\* \\* \\* \\* \\*/5 +my-awesome-cron-image +2 '"
status=
for ((i = 0; i < 100; i++)); do
  status=$(kubectl get crontabs -o yaml 2>/dev/null)
  echo "$status" | grep -q 'message: schedule \* \* \* \* \*/5 accepted' && break
  sleep 0.1
done
check "get crontabs -o yaml shows the status the controller wrote" bash -c \
  "echo \"\$1\" | grep -q '^  status:\$' && echo \"\$1\" | grep -q 'message: schedule \\* \\* \\* \\* \\*/5 accepted' && \
   echo \"\$1\" | grep -q 'observedGeneration: 1' && echo \"\$1\" | grep -q 'lastScheduleTime: '" _ "$status"
check "explain crontab.spec documents the fields" bash -c \
  "out=\$(kubectl explain crontab.spec); for f in cronSpec image replicas; do echo \"\$out\" | grep -Eq \"^  \$f\" || exit 1; done; \
   echo \"\$out\" | grep -q 'five space-separated fields'"
check_fails "admission rejects a cronSpec without 5 fields" 'spec\.cronSpec' bash -c \
  "sed -e 's/name: my-new-cron-object/name: bad/' -e 's|cronSpec: .*|cronSpec: \"* * *\"|' '$EXAMPLE/crontab.yaml' | kubectl apply -f -"
check "spec change bumps generation" k patch ct my-new-cron-object --type merge -p '{"spec":{"cronSpec":"0 * * * *"}}'
got=
for ((i = 0; i < 100; i++)); do
  got=$(kubectl get ct my-new-cron-object -o jsonpath='{.status.observedGeneration}/{.status.message}' 2>/dev/null)
  [ "$got" = "2/schedule 0 * * * * accepted" ] && break
  sleep 0.1
done
check_eq "controller follows the new generation" "2/schedule 0 * * * * accepted" echo "$got"
check "delete" k delete ct my-new-cron-object
check_eq "deleted CronTab is gone" "" bash -c "kubectl get ct -o name 2>/dev/null"

stop_server
finish
