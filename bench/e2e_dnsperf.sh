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
. "$src/bench/lib.sh"
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
	*) sed -n '3,15p' "$0"; exit 2 ;;
	esac
done

[ -x "$build/control/sigedge" ] || { echo "e2e_dnsperf: $build/control/sigedge not built" >&2; exit 1; }
bench_init e2e_dnsperf dnsperf knotd kdig taskset ldns-read-zone

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

knot_start knot_pid "$port_k" "  - domain: example.com
    file: $zone"
bench_start sig_pid "$build/control/sigedge" --listen 127.0.0.1:$port_s --workers 1 \
	--control "$tmp/ctl.sock" --zone example.com="$zone" --log-level error
wait_soa "$port_k" example.com
wait_soa "$port_s" example.com
knot_pin "$knot_pid"

# run PID PORT MODE -> prints "qps cpu_ns_per_answer"
run() {
	local args=($do_flag)
	if [ "$3" = max ]; then args+=(-q 200 -c 4); else args+=(-Q "$rate" -q 200); fi
	dnsperf_run "$1" "$2" "$tmp/queries" "$secs" "${args[@]}"
}

echo "# sigedge vs knotd, 1 worker each on CPU 1, dnsperf on CPU 0, ${secs}s rounds x $rounds${do_flag:+, DO=1}"
for mode in max cpu; do
	: > "$tmp/s.$mode"; : > "$tmp/k.$mode"
	for r in $(seq "$rounds"); do
		run $sig_pid $port_s $mode >> "$tmp/s.$mode"
		run $knot_pid $port_k $mode >> "$tmp/k.$mode"
		echo "round $r $mode: sigedge $(tail -1 "$tmp/s.$mode")  knotd $(tail -1 "$tmp/k.$mode")  (qps cpu-ns/answer)"
	done
done

sq=$(cut -d' ' -f1 "$tmp/s.max" | median); kq=$(cut -d' ' -f1 "$tmp/k.max" | median)
sc=$(cut -d' ' -f2 "$tmp/s.cpu" | median); kc=$(cut -d' ' -f2 "$tmp/k.cpu" | median)
echo "median max qps:           sigedge $sq  knotd $kq  ratio $(ratio "$sq" "$kq")"
echo "median CPU ns per answer at $rate qps: sigedge $sc  knotd $kc  knotd/sigedge $(ratio "$kc" "$sc")"
