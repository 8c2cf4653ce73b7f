#!/bin/sh
# redis-throughput.sh: redis-benchmark GET/SET against Debian's redis-server in
# two unikernels side by side (default: KML vs no KML, same redis manifest),
# through a forwarded port, alternating, REPS rounds; prints requests/s per
# round and the median of each. Usage: bench/redis-throughput.sh [REPS] [REQUESTS]
set -eu
reps=${1:-5}
requests=${2:-20000}
lupine=${LUPINE:-./lupine}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

$lupine build /usr/bin/redis-server --app redis -q -o "$work/plain" >/dev/null
$lupine build /usr/bin/redis-server --app redis --kml -q -o "$work/kml" >/dev/null

run_one() { # bundle port -> prints "GET SET" requests/s
	$lupine run "$1" -p "$2:6379" -- --protected-mode no --save '' >"$work/log" 2>&1 &
	pid=$!
	i=0
	until timeout 0.3 redis-cli -p "$2" PING 2>/dev/null | grep -q PONG; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "redis never answered" >&2; exit 1; }
		sleep 0.1
	done
	# -q prints progress with carriage returns, then "GET: N requests per second"
	redis-benchmark -p "$2" -t get,set -n "$requests" -q 2>/dev/null | tr '\r' '\n' |
		awk '/^GET: [0-9]/ {g=$2} /^SET: [0-9]/ {s=$2} END {print (g ? g : "failed"), (s ? s : "failed")}'
	redis-cli -p "$2" shutdown nosave >/dev/null 2>&1 || true
	wait $pid || true
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

port=$((20000 + $$ % 10000))
for r in $(seq 1 "$reps"); do
	for kind in plain kml; do
		port=$((port + 1)) # a fresh port: the last VM's may linger a moment
		out=$(run_one "$work/$kind" $port)
		# a run whose benchmark printed nothing (it stalled) is reported, not counted
		set -- ${out:-failed failed}
		echo "round $r $kind GET $1 SET $2"
		[ "$1" = failed ] || [ "$2" = failed ] && continue
		echo "$1" >>"$work/$kind.get"
		echo "$2" >>"$work/$kind.set"
	done
done
for kind in plain kml; do
	echo "$kind: GET median $(median <"$work/$kind.get") req/s, SET median $(median <"$work/$kind.set") req/s"
done
