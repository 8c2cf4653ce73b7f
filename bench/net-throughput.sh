#!/bin/sh
# net-throughput.sh: redis-benchmark GET/SET against Debian's redis-server in a
# unikernel reached two ways, alternating, REPS rounds: through the tap (the VM
# takes over a veth, `lupine run --net container`, the client in the veth
# peer's namespace) and through QEMU's user-mode NAT (-p, the client on the
# same namespace's 127.0.0.1). Prints requests/s per round and the medians.
# Every address lives in two network namespaces the script makes and removes;
# needs root. 20 clients (CLIENTS): with redis-benchmark's default 50 the
# user-mode NAT stalls here (rps 0 for a minute) in most rounds.
# Usage: bench/net-throughput.sh [REPS] [REQUESTS]
set -eu
reps=${1:-5}
requests=${2:-50000}
clients=${CLIENTS:-20}
lupine=$(realpath "${LUPINE:-./lupine}")
work=$(mktemp -d)
ctr=lbench-c$$
cli=lbench-l$$
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	ip netns delete $ctr 2>/dev/null || true
	ip netns delete $cli 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$lupine" build /usr/bin/redis-server --app redis -q -o "$work/redis" >/dev/null
ip netns add $ctr
ip netns add $cli
ip link add eth0 netns $ctr type veth peer name cl0 netns $cli
ip -n $ctr link set lo up
ip -n $cli link set lo up
ip -n $ctr addr add 10.77.0.2/24 dev eth0
ip -n $ctr link set eth0 up
ip -n $ctr route add default via 10.77.0.1
ip -n $cli addr add 10.77.0.1/24 dev cl0
ip -n $cli link set cl0 up

run_one() { # tap|user -> prints "GET SET" requests/s
	if [ "$1" = tap ]; then
		ns=$cli host=10.77.0.2 port=6379 net="--net container"
	else
		ns=$ctr host=127.0.0.1 port=6380 net="-p 6380:6379"
	fi
	ip netns exec $ctr "$lupine" run "$work/redis" $net -- --protected-mode no --save '' >"$work/log" 2>&1 &
	pid=$!
	i=0
	until ip netns exec $ns timeout 0.3 redis-cli -h $host -p $port PING 2>/dev/null | grep -q PONG; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "redis never answered" >&2; cat "$work/log" >&2; exit 1; }
		sleep 0.1
	done
	# -q prints progress with carriage returns, then "GET: N requests per second"
	ip netns exec $ns timeout 120 redis-benchmark -h $host -p $port -c "$clients" -t get,set -n "$requests" -q 2>/dev/null | tr '\r' '\n' |
		awk '/^GET: [0-9]/ {g=$2} /^SET: [0-9]/ {s=$2} END {print (g ? g : "failed"), (s ? s : "failed")}'
	ip netns exec $ns redis-cli -h $host -p $port shutdown nosave >/dev/null 2>&1 || true
	wait $pid || true
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

for r in $(seq 1 "$reps"); do
	for kind in tap user; do
		out=$(run_one $kind)
		# a run whose benchmark printed nothing (it stalled) is reported, not counted
		set -- ${out:-failed failed}
		echo "round $r $kind GET $1 SET $2"
		case "$1$2" in *failed*) continue ;; esac
		echo "$1" >>"$work/$kind.get"
		echo "$2" >>"$work/$kind.set"
	done
done
for kind in tap user; do
	[ -s "$work/$kind.get" ] || { echo "median $kind: no complete round"; continue; }
	echo "median $kind GET $(median <"$work/$kind.get") SET $(median <"$work/$kind.set")"
done
