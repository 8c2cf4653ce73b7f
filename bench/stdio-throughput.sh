#!/bin/sh
# stdio-throughput.sh: how fast an application's stdout leaves the VM. The
# same VM writes MiB of zeros to /dev/null (the baseline: boot, head, end)
# and to its stdout (through its virtio-console port to lupine's stdout),
# alternating, REPS rounds; the difference is the transfer. Prints each
# round and the medians' MB/s. Usage: bench/stdio-throughput.sh [REPS] [MiB]
set -eu
reps=${1:-5}
mib=${2:-64}
lupine=${LUPINE:-./lupine}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$lupine build sh -q -o "$work/sh" --add /usr/bin/head >/dev/null

secs() { # script -> seconds of one run, its stdout counted
	s=$(date +%s.%N)
	n=$($lupine run "$work/sh" -- -c "$1" | wc -c)
	e=$(date +%s.%N)
	echo "$e - $s" | bc
	echo "$n" >"$work/bytes"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

: >"$work/base"; : >"$work/out"
i=0
while [ $i -lt "$reps" ]; do
	b=$(secs "head -c ${mib}M /dev/zero >/dev/null")
	o=$(secs "head -c ${mib}M /dev/zero")
	[ "$(cat "$work/bytes")" -eq $((mib * 1048576)) ] || { echo "lost output: $(cat "$work/bytes") bytes" >&2; exit 1; }
	echo "round $((i + 1)): /dev/null ${b}s, stdout ${o}s"
	echo "$b" >>"$work/base"; echo "$o" >>"$work/out"
	i=$((i + 1))
done
b=$(median <"$work/base"); o=$(median <"$work/out")
echo "median: /dev/null ${b}s, stdout ${o}s; ${mib} MiB in $(echo "$o - $b" | bc) s more: $(echo "scale=1; $mib * 1.048576 / ($o - $b)" | bc) MB/s"
