#!/usr/bin/env bash
# Recovery time per kind of kill (issue 12): p50/p99 over ROUNDS rounds on real containerd.
#   recovery_bench.sh [CAPSTAN_BINARY [PLUGIN_DIR]]      ROUNDS=10 by default; root
# `capstan up` with its own containerd, the cni-bridge network and a two-replica Deployment of
# busybox httpd with a 1 s readiness probe (the node of tests/integration/crash_recovery_test.sh,
# through the same helper, tests/integration/crash_node.sh). Each round, in this order:
#   capstan     kill -9 of `capstan up`, started again at once: API answering (GET /version),
#               API ready (GET /readyz), every pod Ready and answering on its IP (the pods never
#               stopped: this is the time until the restarted agent has looked at them);
#   containerd  kill -9 of containerd alone: containerd answering again (Capstan restarts it),
#               every pod Ready and answering;
#   shim        kill -9 of one pod's containerd-shim (its containers die with it): that pod
#               Ready and answering again, in a new sandbox;
#   power cut   every process of the node killed at once (state directories left), `capstan up`
#               started again at once: API ready, every pod Ready and answering.
# Times count from the kill (for the restarts of capstan: from the kill, the restart follows at
# once). Prints each sample, then a Markdown table of p50/p99 (nearest rank) per measurement.
# Run it under the integration lock (it starts containerd, a bridge, nft rules):
#   flock /tmp/capstan-integration.lock bash tests/perf/recovery_bench.sh
# Cleans up everything it created (processes by PID, mounts, the bridge, the nft table).
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
capstan_args "$@"
source "$here/../integration/containerd_node.sh"
source "$here/../integration/crash_node.sh"
containerd_node_setup crb
NODE=recovery-bench-$$
IMG=localhost/capstan-bench/busybox:1
ROUNDS=${ROUNDS:-10}

cleanup() {
  stop_server TERM
  containerd_node_teardown_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "bench: $*" >&2; [ -n "${LOG:-}" ] && tail -20 "$LOG" >&2; exit 1; }

"$REPO_ROOT/tests/images/build-busybox-image.sh" "$MKIMAGE" "$DATA/busybox.tar" "$IMG" >/dev/null
rc=$?
[ $rc = 77 ] && need_skip "no static busybox"
[ $rc = 0 ] || die "cannot build the busybox image"
crash_node_init
start_up || die "capstan up did not start"
"$CAPSTAN" image import "${COMMON[@]}" "$DATA/busybox.tar" >/dev/null 2>&1 || die "image import failed"
poll 90 node_ready || die "node not Ready"
deploy_web 2 >/dev/null || die "cannot create the Deployment"
poll 120 all_ready || die "Deployment not Ready"

declare -A SAMPLES
ORDER=()
record() { # NAME MS
  [ -n "${SAMPLES[$1]+x}" ] || ORDER+=("$1")
  SAMPLES[$1]+="$2 "
  printf 'round %d: %-52s %6d ms\n' "$r" "$1" "$2"
}
since() { echo $(($(now_ms) - $1)); }

for ((r = 1; r <= ROUNDS; r++)); do
  # capstan up
  kill_capstan
  t0=$(now_ms)
  start_bg
  answers_within "$t0" 30 /version || die "round $r: API not answering after kill -9"
  record "kill -9 capstan up: API answering" "$WAITED_MS"
  answers_within "$t0" 30 /readyz || die "round $r: API not ready after kill -9"
  record "kill -9 capstan up: API ready" "$WAITED_MS"
  start_up || die "round $r: capstan up did not start again"
  poll 60 all_ready || die "round $r: pods not Ready after kill -9 of capstan"
  record "kill -9 capstan up: all pods Ready" "$(since "$t0")"

  # containerd
  t0=$(now_ms)
  kill_containerd
  poll 60 containerd_back || die "round $r: containerd not back"
  record "kill -9 containerd: containerd answering" "$(since "$t0")"
  poll 60 all_ready || die "round $r: pods not Ready after containerd's restart"
  record "kill -9 containerd: all pods Ready" "$(since "$t0")"

  # one shim
  pod=$(webp '{.items[0].metadata.name}')
  ip=$(webp '{.items[0].status.podIP}')
  restarts=$(jp "pod/$pod" '{.status.containerStatuses[0].restartCount}')
  t0=$(now_ms)
  kill_shim_of_ip "$ip" || die "round $r: no shim found for $pod ($ip)"
  shim_recovered() {
    [ "$(jp "pod/$pod" '{.status.containerStatuses[0].restartCount}')" = $((restarts + 1)) ] && all_ready
  }
  poll 90 shim_recovered || die "round $r: pod $pod not back after its shim's kill"
  record "kill -9 of a pod's shim: the pod Ready again" "$(since "$t0")"

  # power cut
  power_cut || die "round $r: power cut left processes: $CUT_VICTIMS"
  t0=$(now_ms)
  start_bg
  answers_within "$t0" 60 /readyz || die "round $r: API not ready after the power cut"
  record "power cut: API ready" "$WAITED_MS"
  start_up || die "round $r: capstan up did not start after the power cut"
  poll 120 all_ready || die "round $r: pods not Ready after the power cut"
  record "power cut: all pods Ready" "$(since "$t0")"
done

percentile() { # P VALUES... : nearest rank
  local p=$1; shift
  local sorted n k
  sorted=($(printf '%s\n' "$@" | sort -n))
  n=${#sorted[@]}
  k=$(((p * n + 99) / 100))
  [ "$k" -lt 1 ] && k=1
  echo "${sorted[$((k - 1))]}"
}
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), containerd $(containerd --version 2>/dev/null | awk '{print $3}')"
echo "rounds: $ROUNDS, commit $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null)"
echo
echo "| what was killed: until | p50 | p99 | min | max |"
echo "|---|---|---|---|---|"
for name in "${ORDER[@]}"; do
  read -ra v <<<"${SAMPLES[$name]}"
  printf '| %s | %s ms | %s ms | %s ms | %s ms |\n' "$name" "$(percentile 50 "${v[@]}")" "$(percentile 99 "${v[@]}")" \
    "$(percentile 0 "${v[@]}")" "$(percentile 100 "${v[@]}")"
done
