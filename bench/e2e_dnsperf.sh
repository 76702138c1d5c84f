#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end load: sigedge against knotd, one worker each, same zone, same
# run. Servers are pinned to CPU 1, dnsperf to CPU 0. Rounds alternate
# (sigedge, knotd, sigedge, knotd, ...); medians and ratios are printed.
#
# Two measures per round:
#   max   dnsperf offers as much as it can (-q 200): answered queries/s.
#         On two cores dnsperf itself tops out near the servers' rate, so
#   cpu   a fixed offered rate (-Q RATE) and the server's CPU time per
#         answered query (schedstat of every thread of the server process).
#
# Usage: bench/e2e_dnsperf.sh [-b BUILD_DIR] [-r ROUNDS] [-t SECONDS] [-Q RATE] [-D]
#   -D sets the DO bit on every query (dnsperf -D).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
rounds=3
secs=10
rate=40000
do_flag=
while getopts "b:r:t:Q:D" opt; do
	case $opt in
	b) build=$(cd "$OPTARG" && pwd) ;;
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	Q) rate=$OPTARG ;;
	D) do_flag=-D ;;
	*) sed -n '3,17p' "$0"; exit 2 ;;
	esac
done

for tool in dnsperf knotd kdig taskset ldns-read-zone; do
	command -v $tool >/dev/null || { echo "e2e_dnsperf: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
[ -x "$build/control/sigedge" ] || { echo "e2e_dnsperf: $build/control/sigedge not built" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

zone=$src/zones/example.com.zone
# The query mix: every owner name and type of the zone (wildcards queried
# through a name they cover), plus one NXDOMAIN in ten.
ldns-read-zone "$zone" | awk '$4 != "RRSIG" && $4 != "NSEC" {sub(/^\*\./, "x.", $1); print $1, $4}' \
	| sort -u > "$tmp/pos"
{
	for _ in 1 2 3 4 5 6 7 8 9; do cat "$tmp/pos"; done
	for i in $(seq 1 "$(wc -l < "$tmp/pos")"); do echo "nx$i.example.com. A"; done
} | shuf --random-source=<(yes) > "$tmp/queries"

port_s=$(free_port)
port_k=$(free_port)

cat > "$tmp/knot.conf" <<KNOT
server:
    listen: 127.0.0.1@$port_k
    rundir: $tmp
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: $tmp
template:
  - id: default
    storage: $tmp
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: example.com
    file: $zone
KNOT

taskset -c 1 knotd -c "$tmp/knot.conf" &
pids+=($!)
knot_pid=$!
taskset -c 1 "$build/control/sigedge" --listen 127.0.0.1:$port_s --workers 1 \
	--control "$tmp/ctl.sock" --zone example.com="$zone" --log-level error &
pids+=($!)
sig_pid=$!

for p in $port_k $port_s; do
	for _ in $(seq 50); do
		kdig @127.0.0.1 -p $p +retry=0 +timeout=1 example.com SOA 2>/dev/null | grep -q NOERROR && break
		sleep 0.1
	done
done

# knotd pins its UDP workers to CPUs itself; put every thread back on CPU 1.
taskset -a -p 2 "$knot_pid" >/dev/null

cpu_ns() { # total CPU ns of every thread of a process ("%.0f": awk's %d stops at 2^31)
	cat /proc/$1/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'
}

# run NAME PID PORT MODE -> prints "qps cpu_ns_per_answer"
run() {
	local pid=$2 port=$3 mode=$4 before after out
	local args=(-s 127.0.0.1 -p "$port" -d "$tmp/queries" -l "$secs" $do_flag)
	if [ "$mode" = max ]; then args+=(-q 200 -c 4); else args+=(-Q "$rate" -q 200); fi
	before=$(cpu_ns "$pid")
	out=$(taskset -c 0 dnsperf "${args[@]}" 2>&1)
	after=$(cpu_ns "$pid")
	local answered qps
	answered=$(echo "$out" | awk '/Queries completed:/ {print $3}')
	qps=$(echo "$out" | awk '/Queries per second:/ {print $4}')
	echo "$qps $(( (after - before) / (answered > 0 ? answered : 1) ))"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "# sigedge vs knotd, 1 worker each on CPU 1, dnsperf on CPU 0, ${secs}s rounds x $rounds${do_flag:+, DO=1}"
for mode in max cpu; do
	: > "$tmp/s.$mode"; : > "$tmp/k.$mode"
	for r in $(seq "$rounds"); do
		run sigedge $sig_pid $port_s $mode >> "$tmp/s.$mode"
		run knotd $knot_pid $port_k $mode >> "$tmp/k.$mode"
		echo "round $r $mode: sigedge $(tail -1 "$tmp/s.$mode")  knotd $(tail -1 "$tmp/k.$mode")  (qps cpu-ns/answer)"
	done
done

sq=$(cut -d' ' -f1 "$tmp/s.max" | median); kq=$(cut -d' ' -f1 "$tmp/k.max" | median)
sc=$(cut -d' ' -f2 "$tmp/s.cpu" | median); kc=$(cut -d' ' -f2 "$tmp/k.cpu" | median)
echo "median max qps:           sigedge $sq  knotd $kq  ratio $(awk -v a="$sq" -v b="$kq" 'BEGIN {printf "%.2f", a / b}')"
echo "median CPU ns per answer at $rate qps: sigedge $sc  knotd $kc  knotd/sigedge $(awk -v a="$sc" -v b="$kc" 'BEGIN {printf "%.2f", b / a}')"
