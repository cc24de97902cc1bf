#!/usr/bin/env bash
# Installs what building, running and testing Capstan need, on Debian 12. Idempotent: when every
# package is already installed it does nothing (no apt-get update), so CI stays fast.
#   bash scripts/install-deps.sh
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  capnproto libcapnp-dev
  libboost-dev libboost-filesystem-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libsqlite3-dev libssl-dev
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  python3 python3-kubernetes
  busybox-static nginx file openssl curl
  # benchmarks (tests/perf): HTTP load generation
  wrk
  # real containers (plugins/cri-containerd): containerd's CRI over gRPC, runc, CNI plugins
  containerd runc containernetworking-plugins libgrpc++-dev libprotobuf-dev protobuf-compiler
  protobuf-compiler-grpc
  # storage (capstan-csi-hostpath): loop-mounted XFS volume images that grow while mounted
  xfsprogs e2fsprogs util-linux
  # pod network, service proxy and cluster DNS
  iproute2 iptables nftables dnsmasq-base conntrack
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "install-deps: need root to run: $*" >&2; return 1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update
  as_root apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
fi

# kubectl: the integration tests drive the server with the real client.
if ! command -v kubectl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y kubectl >/dev/null 2>&1 || ! command -v kubectl >/dev/null 2>&1; then
    echo "install-deps: WARNING: kubectl is not installed and no apt source provides it." >&2
    echo "install-deps: WARNING: the kubectl integration tests will be SKIPPED (not passed)." >&2
  fi
fi
exit 0
