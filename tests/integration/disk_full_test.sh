#!/usr/bin/env bash
# Integration test (issue 12, resource exhaustion): the data directory's filesystem runs full.
# `capstan server` keeps its data dir on a small ext4 image that the test creates, loop-mounts and
# fills; then:
#   - a write answers 500 with a Kubernetes Status saying the space is exceeded (kube-apiserver
#     answers etcd's "mvcc: database space exceeded" the same way: code 500, the storage's
#     message, no reason), and the server keeps running;
#   - nothing of a refused write is visible or stored (also after a restart);
#   - reads keep working;
#   - once space is freed, writes work again, and every acknowledged write survives a restart.
# Needs root (mount, losetup). Run it under the integration lock:
#   flock /tmp/capstan-integration.lock bash tests/integration/disk_full_test.sh CAPSTAN_BINARY PLUGIN_DIR
# ctest runs it with RESOURCE_LOCK loop_devices (it attaches a loop device).
# Ends with "N passed, N failed"; exits 77 when kubectl, root or the tools are missing.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
capstan_args "$@"
for tool in losetup mkfs.ext4 mount umount curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP $tool is not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP needs root (mount, losetup)"; exit 77; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-disk-full-test.XXXXXX")
IMG=$WORK/data.img
MNT=$WORK/mnt
LOOP=
cleanup() {
  stop_server TERM
  if mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT" || umount -l "$MNT"; fi
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME" "$MNT"

# A 32 MiB ext4 (no root reserve: full means full), attached to a free loop device. Another
# process may take the device `--find` named first: retry, as the CSI driver does.
truncate -s 32M "$IMG" && mkfs.ext4 -q -F -m 0 "$IMG" || { bad "make the filesystem image"; summary; exit 1; }
for _ in 1 2 3 4 5; do LOOP=$(losetup --find --show "$IMG" 2>/dev/null) && break; LOOP=; sleep 0.2; done
[ -n "$LOOP" ] || { bad "attach a loop device"; summary; exit 1; }
mount "$LOOP" "$MNT" || { bad "mount the loop device"; summary; exit 1; }
DATA=$MNT/data

start_server "$DATA" "$WORK/server.log" || { echo "0 passed, 1 failed"; exit 1; }
API=$(sed -n 's|^ *API: *\(https://[0-9.:]*\).*|\1|p' "$WORK/server.log" | tail -1)
TOKEN=$(cat "$DATA/auth/admin.token" 2>/dev/null)
check "the API endpoint and the admin token are there" test -n "$API" -a -n "$TOKEN"
check "create a ConfigMap while there is room" kubectl create configmap before --from-literal=k=v

# 300 KiB of random data per ConfigMap (base64: ~400 KiB), below the 1 MiB object limit.
head -c 307200 /dev/urandom | base64 -w0 >"$WORK/blob"
cm_json() { # NAME: a ConfigMap with the blob
  printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"},"data":{"blob":"' "$1"
  cat "$WORK/blob"
  printf '"}}'
}

# Fill the filesystem (each dd ends with ENOSPC; the second takes what the 1 MiB blocks left).
dd if=/dev/zero of="$MNT/filler" bs=1M status=none 2>/dev/null
dd if=/dev/zero of="$MNT/filler2" bs=4k status=none 2>/dev/null
sync
check "the filesystem is full (less than a block free)" bash -c "[ \$(df --output=avail -B1 '$MNT' | tail -1) -lt 4096 ]"

# Writes until one is refused: SQLite may still reuse room inside its write-ahead log for the
# first ones. Each acknowledged one is remembered; the refused one must leave nothing behind.
acked=() refused= body= code=
for i in $(seq 1 30); do
  cm_json "big-$i" >"$WORK/body.json"
  code=$(curl -sk -o "$WORK/resp.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/body.json" "$API/api/v1/namespaces/default/configmaps")
  if [ "$code" = 201 ]; then acked+=("big-$i"); continue; fi
  refused=big-$i; body=$(cat "$WORK/resp.json"); break
done
echo "acknowledged on the full disk before the first refusal: ${#acked[@]}"
echo "the refusal: HTTP $code $(echo "$body" | cut -c1-400)"
check "a write on the full filesystem is refused" test -n "$refused"
check_eq "it answers 500" "500" echo "$code"
check "with a Status: Failure, code 500, 'database space exceeded', the storage's message" bash -c '
  b=$1
  echo "$b" | grep -q "\"kind\":\"Status\"" && echo "$b" | grep -q "\"status\":\"Failure\"" &&
  echo "$b" | grep -q "\"code\":500" && echo "$b" | grep -q "database space exceeded: no space left on the data directory" &&
  echo "$b" | grep -q "database or disk is full"' _ "$body"
check "and no reason (as kube-apiserver for etcd's space exceeded)" bash -c '! echo "$1" | grep -q "\"reason\""' _ "$body"
check_fails "kubectl shows the message" "database space exceeded" \
  kubectl create configmap small-on-full --from-literal=k=v
check "the server keeps running" kill -0 "$SERVER_PID"
check_fails "nothing of the refused write is visible" "NotFound|not found" kubectl get configmap "$refused"
check "reads keep working (get)" kubectl get configmap before
check "reads keep working (list)" bash -c "kubectl get configmaps -o name | grep -q configmap/before"
check "reads keep working (namespaces)" kubectl get namespaces
check_fails "updates are refused too" "database space exceeded" \
  kubectl label configmap before full=yes
check_eq "the refused update left the object as it was" "" kubectl get configmap before -o 'jsonpath={.metadata.labels.full}'

# Room again: writes work (within a few seconds: plugins retry their own writes meanwhile).
rm -f "$MNT/filler" "$MNT/filler2"
sync
check "writes work again once space is freed" bash -c \
  'for i in $(seq 50); do kubectl create configmap after --from-literal=k=v >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1'
check "a large write works again" bash -c "cm_json() { printf '{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"},\"data\":{\"blob\":\"' \"\$1\"; cat '$WORK/blob'; printf '\"}}'; }
  cm_json big-after | kubectl create -f - >/dev/null"

# Restart on the same data dir: exactly the acknowledged writes are there.
stop_server TERM
start_server "$DATA" "$WORK/server2.log" || { bad "restart on the same data dir"; summary; exit 1; }
check "after a restart: the writes before the disk filled" kubectl get configmap before
check "after a restart: the writes after space returned" kubectl get configmap after big-after
for name in "${acked[@]}"; do
  check "after a restart: $name (acknowledged on the full disk) with its data" bash -c \
    "[ \"\$(kubectl get configmap $name -o jsonpath='{.data.blob}' | md5sum)\" = \"\$(md5sum < '$WORK/blob')\" ]"
done
check_fails "after a restart: the refused write is absent" "NotFound|not found" kubectl get configmap "$refused"
check_fails "after a restart: the refused small write is absent" "NotFound|not found" kubectl get configmap small-on-full
stop_server TERM

# Leaves nothing: the filesystem, the loop device.
umount "$MNT" && check "unmounted" bash -c "! mountpoint -q '$MNT'"
losetup -d "$LOOP" && LOOP=
check "the loop device is detached" bash -c "[ -z \"\$(losetup -j '$IMG')\" ]"
summary
[ $fail -eq 0 ]
