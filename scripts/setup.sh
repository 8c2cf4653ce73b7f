#!/bin/sh
# setup.sh: install every Debian package Lupine needs to build, run and test.
# Idempotent: when everything is present it only checks and returns.
set -eu

PKGS="build-essential make gcc pkg-config musl-tools
 flex bison bc libelf-dev libssl-dev cpio xz-utils kmod rsync
 linux-source-6.1
 libarchive-dev libjansson-dev
 qemu-system-x86 e2fsprogs
 redis-server redis-tools curl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages:$missing; run this script as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The redis-server package starts a system service; Lupine only needs its binary.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
echo "setup: done"
