# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shell functions shared by the end-to-end load scripts (sourced, not run).
# Servers run on CPU 1, the load generator on CPU 0. bench_init sets:
#   tmp   a temporary directory, removed on exit with every process started
#         by bench_start.
# Optional settings, read when used:
#   bench_netns  network namespace that bench_start runs servers in
#   knot_addr    address knot_start listens on (default 127.0.0.1)

# bench_init NAME TOOL... : check the tools, make $tmp, arrange the cleanup.
bench_init() {
	local name=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "$name: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
	done
	tmp=$(mktemp -d)
	bench_pids=()
	trap bench_cleanup EXIT
}

bench_cleanup() {
	local p
	for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_start VAR COMMAND... : start COMMAND on CPU 1 in the background, its pid in VAR
# (in network namespace $bench_netns when that is set; ip netns exec keeps the pid).
bench_start() {
	local var=$1
	shift
	taskset -c 1 ${bench_netns:+ip netns exec "$bench_netns"} "$@" &
	bench_pids+=($!)
	printf -v "$var" %s $!
}

# knot_start VAR PORT ZONES [TEMPLATE_LINES] : knotd with one UDP worker on
# $knot_addr (default 127.0.0.1) @PORT serving ZONES (YAML entries of the zone: list, indented by
# two spaces), TEMPLATE_LINES added to the default template; its pid in VAR.
# Call knot_pin once it answers.
knot_start() {
	local var=$1 port=$2 zones=$3 extra=${4:-}
	mkdir -p "$tmp/knot"
	cat > "$tmp/knot/knot.conf" <<KNOT
server:
    listen: ${knot_addr:-127.0.0.1}@$port
    rundir: $tmp/knot
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: $tmp/knot
template:
  - id: default
    storage: $tmp/knot
    journal-content: none
    zonefile-sync: -1
$extra
zone:
$zones
KNOT
	bench_start "$var" knotd -c "$tmp/knot/knot.conf"
}

# knotd pins its UDP workers to CPUs itself; put every thread back on CPU 1.
knot_pin() {
	taskset -a -p 2 "$1" >/dev/null
}

# wait_soa PORT ZONE : wait up to 5 s for a NOERROR answer to ZONE SOA.
wait_soa() {
	local _
	for _ in $(seq 50); do
		kdig @127.0.0.1 -p "$1" +retry=0 +timeout=1 "$2" SOA 2>/dev/null | grep -c NOERROR >/dev/null && return 0
		sleep 0.1
	done
	echo "no answer from 127.0.0.1 port $1 for $2 SOA" >&2
	return 1
}

cpu_ns() { # total CPU ns of every thread of a process ("%.0f": awk's %d stops at 2^31)
	cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'
}

# dnsperf_run PID PORT QUERIES SECS DNSPERF_ARG... -> prints "qps cpu_ns_per_answer":
# dnsperf on CPU 0 for SECS against 127.0.0.1@PORT, and the CPU time the
# server process PID spent meanwhile divided by the answered queries.
dnsperf_run() {
	local pid=$1 port=$2 queries=$3 secs=$4 before after out answered qps
	shift 4
	before=$(cpu_ns "$pid")
	out=$(taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$queries" -l "$secs" "$@" 2>&1)
	after=$(cpu_ns "$pid")
	answered=$(echo "$out" | awk '/Queries completed:/ {print $3}')
	qps=$(echo "$out" | awk '/Queries per second:/ {print $4}')
	echo "$qps $(( (after - before) / (answered > 0 ? answered : 1) ))"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# ratio A B -> A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'; }
