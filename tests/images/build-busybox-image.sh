#!/usr/bin/env bash
# Builds a busybox OCI image archive offline from Debian's static busybox (busybox-static), with
# capstan-mkimage (built with Capstan), for the runtime integration tests.
#   build-busybox-image.sh MKIMAGE OUT.tar [NAME]
# The image has sh, httpd, nc, wget ... and /www/index.html ("hello from capstan").
set -euo pipefail
mkimage=${1:?usage: build-busybox-image.sh MKIMAGE OUT.tar [NAME]}
out=${2:?usage: build-busybox-image.sh MKIMAGE OUT.tar [NAME]}
name=${3:-localhost/capstan-test/busybox:1}
bb=/bin/busybox
if ! [ -x "$bb" ] || ! "$bb" --list >/dev/null 2>&1 || ! { file -b "$bb" 2>/dev/null | grep -q static || ldd "$bb" 2>&1 | grep -q 'not a dynamic'; }; then
  echo "a static /bin/busybox is needed (apt-get install busybox-static)" >&2
  exit 77
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,www}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for c in $("$bb" --list); do [ -e "$root/bin/$c" ] || ln -s busybox "$root/bin/$c"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo "hello from capstan" >"$root/www/index.html"
"$mkimage" --rootfs "$root" --name "$name" --cmd '["sh"]' "$out" >/dev/null
