#!/bin/sh
# setup.sh: install every Debian package Lupine needs to build, run and test.
# Idempotent: when everything is present it only checks and returns.
set -eu

PKGS="build-essential make gcc pkg-config musl-tools dpkg-dev patch
 flex bison bc libelf-dev libssl-dev cpio xz-utils kmod rsync
 linux-source-6.1 linux-config-6.1 openssl
 libarchive-dev libjansson-dev
 qemu-system-x86 e2fsprogs
 redis-server redis-tools curl
 clang libclang-rt-14-dev mmdebstrap golang-go
 skopeo docker-registry
 postgresql-client mariadb-client netcat-openbsd amqp-tools
 gnuplot-nox wrk containerd iproute2 ccache docker.io zstd
 runc containernetworking-plugins libgrpc-dev libprotobuf-c-dev protobuf-c-compiler qemu-utils"

# KML's libc: Debian's musl source with kernel/musl-kml.patch, built once here.
MUSL_PREFIX=/opt/lupine-musl
top=$(cd "$(dirname "$0")/.." && pwd)
musl_patch="$top/kernel/musl-kml.patch"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
musl_want=$(sha256sum "$musl_patch" | cut -d' ' -f1)
musl_have=$(cat "$MUSL_PREFIX/.lupine-patch" 2>/dev/null || true)

if [ -z "$missing" ] && [ "$musl_want" = "$musl_have" ]; then
	echo "setup: all packages present, KML musl built"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages:$missing (or the KML musl in $MUSL_PREFIX); run this script as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# redis-server, docker-registry and docker.io start system services; Lupine
	# only needs their binaries (the tests start their own, on ports, sockets
	# and network namespaces of their own).
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now redis-server docker-registry docker.socket docker >/dev/null 2>&1 || true
	fi
fi

# Source packages need deb-src entries: mirror the machine's own deb entries.
have_src() {
	grep -qs '^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
		grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}
if [ "$musl_want" != "$musl_have" ] && ! have_src; then
	echo "setup: adding deb-src entries for the machine's Debian sources"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		sed -n 's/^Types: deb$/Types: deb-src/; /^Types: deb-src/,/^$/p' "$f" \
			>>/etc/apt/sources.list.d/lupine-src.sources
		echo >>/etc/apt/sources.list.d/lupine-src.sources
	done
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >/etc/apt/sources.list.d/lupine-src.list
	fi
	apt-get update -qq
fi

if [ "$musl_want" != "$musl_have" ]; then
	echo "setup: building musl with the KML patch into $MUSL_PREFIX (once, about a minute)"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	if ! (
		set -e
		cd "$work"
		apt-get source -qq musl >apt-source.log 2>&1
		cd musl-*/
		patch -p1 -s <"$musl_patch"
		./configure --prefix="$MUSL_PREFIX" --disable-shared >/dev/null
		make -j"$(nproc)" >/dev/null 2>&1
		rm -rf "$MUSL_PREFIX"
		make install >/dev/null
	); then
		echo "setup: building musl with the KML patch failed (is a deb-src entry reachable? see 'apt-get source musl')" >&2
		exit 1
	fi
	echo "$musl_want" >"$MUSL_PREFIX/.lupine-patch"
fi
echo "setup: done"
