#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sigedge's DPDK backend against its socket backend and against knotd, over a
# veth pair between two network namespaces, loaded by kxdpgun (XDP) from the
# client side. Root only: the script makes the namespaces and removes them.
#
#   server namespace: veth vs, one server at a time, its worker on CPU 1:
#     afpacket  sigedge --dpdk on net_af_packet (iface=vs plus AF_PACKET_ARGS,
#             default qdisc_bypass=1,framecnt=4096: with the driver's default
#             512-frame ring the kernel drops much more), EAL -l 0-1: the
#             control thread and the kernel path on CPU 0, the worker on CPU 1;
#             vs has no address, ARP off, IPv6 off, strict rp_filter
#     afxdp   the same on net_af_xdp (iface=vs; copy mode on a veth)
#     socket  sigedge --workers 1 --pin, taskset CPU 1; 10.53.0.1/24 on vs
#     knotd   knotd, one UDP worker, every thread on CPU 1; 10.53.0.1/24 on vs;
#             mod-onlinesign (automatic P-256 key)
#   client namespace: veth vc (10.53.0.2/24, transmit checksum offload off),
#     kxdpgun -F 0 (CPU 0) in native XDP mode on vc.
# The same zone everywhere; sigedge signs it online with a KSK and a ZSK (P-256).
#
# Workloads: unsigned (DO=0 queries for four names, answers without RRSIGs)
# and signed (the same with DO=1: cached signed answers for sigedge, whose
# signature cache holds them after a one-second warm-up; knotd signs each).
# Each round starts every server in turn (afpacket, afxdp, socket, knotd), warms it up,
# runs kxdpgun for SECONDS per workload at RATE queries/s offered and stops
# it. Two measures per run: the answers per second kxdpgun counted, and the
# answers per second of CPU time the server used. On two cores kxdpgun and
# the kernel's veth work on CPU 0 can offer only a few hundred thousand
# queries/s, less than a server may answer: where every query is answered,
# answers/s is the generator's limit and answers/CPU-s compares the servers.
# For the kernel's servers the CPU time is that of every thread of the
# process (schedstat). A polling DPDK worker uses all the CPU it gets, so
# its CPU time is its busy time instead: sigedgectl stats dpdk.busy-us, the
# time spent in polls that moved frames (idle polls left out), with the
# answers it counted (dpdk.answered) over the same run.
# Medians over the rounds and their ratios are printed.
#
# Usage: bench/e2e_dpdk.sh [-b BUILD_DIR] [-r ROUNDS] [-t SECONDS] [-Q RATE]
#            [-w unsigned|signed|all] [-a AF_PACKET_ARGS]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$src/build
rounds=3
secs=5
rate=1000000
work=all
afp=qdisc_bypass=1,framecnt=4096
while getopts "b:r:t:Q:w:a:" opt; do
	case $opt in
	b) build=$(cd "$OPTARG" && pwd) ;;
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	Q) rate=$OPTARG ;;
	w) work=$OPTARG ;;
	a) afp=$OPTARG ;;
	*) sed -n '3,37p' "$0"; exit 2 ;;
	esac
done
case $work in
all) works="unsigned signed" ;;
unsigned | signed) works=$work ;;
*) echo "e2e_dpdk: -w unsigned, signed or all" >&2; exit 2 ;;
esac

sigedge=$build/control/sigedge
[ -x "$sigedge" ] && [ -x "$build/control/sigedgectl" ] || { echo "e2e_dpdk: $sigedge or sigedgectl not built" >&2; exit 1; }
"$sigedge" --help | grep -c -- '--dpdk-port' >/dev/null || { echo "e2e_dpdk: $sigedge has no DPDK backend" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "e2e_dpdk: needs root (network namespaces, a veth pair, XDP)" >&2; exit 1; }
bench_init e2e_dpdk kxdpgun knotd kdig taskset ip ethtool ldns-keygen

srv=sigedge-bench-s$$
cli=sigedge-bench-c$$
cleanup() {
	bench_cleanup
	ip netns del "$srv" 2>/dev/null || true
	ip netns del "$cli" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$srv"
ip netns add "$cli"
ip -n "$srv" link add vs type veth peer name vc netns "$cli"
ip netns exec "$srv" sysctl -q net.ipv6.conf.vs.disable_ipv6=1 net.ipv4.conf.all.rp_filter=1 \
	net.ipv4.conf.vs.rp_filter=1
ip -n "$srv" link set lo up
ip -n "$srv" link set vs up
ip -n "$cli" addr add 10.53.0.2/24 dev vc
ip netns exec "$cli" ethtool -K vc tx off >/dev/null
ip -n "$cli" link set lo up
ip -n "$cli" link set vc up
bench_netns=$srv
knot_addr=10.53.0.1

cat > "$tmp/example.com.zone" <<'ZONE'
$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 2024010101 3600 900 604800 300
@ IN NS ns1
ns1 IN A 10.53.0.1
www IN A 192.0.2.80
www IN AAAA 2001:db8::80
mail IN A 192.0.2.25
ZONE
mkdir "$tmp/keys"
(cd "$tmp/keys" && ldns-keygen -a ECDSAP256SHA256 -k example.com >/dev/null &&
	ldns-keygen -a ECDSAP256SHA256 example.com >/dev/null && chmod 600 ./*.private)
printf '%s\n' "www.example.com A" "www.example.com AAAA" "mail.example.com A" "example.com NS" \
	> "$tmp/q.unsigned"
sed 's/$/ D/' "$tmp/q.unsigned" > "$tmp/q.signed"

# The address on vs for the kernel's servers, none for DPDK (the kernel must not answer there).
vs_kernel() { ip -n "$srv" addr replace 10.53.0.1/24 dev vs; ip -n "$srv" link set vs arp on; }
vs_dpdk() { ip -n "$srv" addr flush dev vs; ip -n "$srv" link set vs arp off; }

# wait_answer : until 10.53.0.1 answers example.com SOA over the veth (10 s at most).
wait_answer() {
	local _
	for _ in $(seq 100); do
		ip netns exec "$cli" kdig @10.53.0.1 +retry=0 +timeout=1 example.com SOA 2>/dev/null \
			| grep -c NOERROR >/dev/null && return 0
		sleep 0.1
	done
	echo "e2e_dpdk: no answer from 10.53.0.1 over the veth" >&2
	return 1
}

# start_server afpacket|afxdp|socket|knotd : start it in the server namespace, its pid in pid.
start_server() {
	case $1 in
	afpacket | afxdp)
		vs_dpdk
		local vdev="net_af_packet0,iface=vs${afp:+,$afp}"
		[ "$1" = afpacket ] || vdev=net_af_xdp0,iface=vs
		# DPDK's drivers and libxdp write to stderr: into a log
		bench_start pid "$sigedge" --dpdk --dpdk-port "${vdev%%,*}" --listen 10.53.0.1 \
			--zone example.com="$tmp/example.com.zone" --keydir "$tmp/keys" \
			--control "$tmp/ctl.sock" --log-level error -- \
			--no-huge -m 512 --no-pci --no-shconf --no-telemetry -l 0-1 \
			--log-level lib.eal:error --vdev "$vdev" 2>>"$tmp/dpdk.log"
		;;
	socket)
		vs_kernel
		bench_start pid "$sigedge" --listen 10.53.0.1 --workers 1 --pin \
			--zone example.com="$tmp/example.com.zone" --keydir "$tmp/keys" \
			--control "$tmp/ctl.sock" --log-level error
		;;
	knotd)
		vs_kernel
		knot_start pid 53 "  - domain: example.com
    file: $tmp/example.com.zone" "    module: mod-onlinesign"
		;;
	esac
	wait_answer
	[ "$1" != knotd ] || knot_pin "$pid"
	ip netns exec "$cli" kdig @10.53.0.1 +dnssec +retry=0 www.example.com A | grep -c RRSIG >/dev/null ||
		{ echo "e2e_dpdk: $1 does not sign" >&2; exit 1; }
}

stop_server() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

# dpdk_busy -> "answered busy-ns": the DPDK workers' answers and busy time so far.
dpdk_busy() {
	"$build/control/sigedgectl" -s "$tmp/ctl.sock" stats |
		awk '/^dpdk.answered:/ {a = $2} /^dpdk.busy-us:/ {b = $2} END {print a, b * 1000}'
}

# kxdp SECONDS QUERY_FILE POLLS -> "answers/s answered% answers/CPU-s": the answers per
# second kxdpgun counted, the share of its queries answered, and the answers per second of
# the server's CPU time. POLLS=1 for a server that polls (DPDK): its answers over its busy
# time (dpdk_busy); otherwise the answers counted over the CPU time of every thread of
# the server process.
kxdp() {
	local before after out
	if [ "$3" = 1 ]; then before=$(dpdk_busy); else before="0 $(cpu_ns "$pid")"; fi
	out=$(ip netns exec "$cli" kxdpgun -t "$1" -Q "$rate" -i "$2" -I vc -F 0 10.53.0.1 2>&1)
	if [ "$3" = 1 ]; then after=$(dpdk_busy); else after="0 $(cpu_ns "$pid")"; fi
	echo "$out" >> "$tmp/kxdpgun.log"
	echo "$out" | awk -v b="$before" -v a="$after" -v polls="$3" '
		/^total queries:/ {sent = $3}
		/^total replies:/ {n = $3; gsub(/\(/, "", $4); pps = $4}
		END {
			split(b, x, " "); split(a, y, " ")
			ns = y[2] - x[2]
			if (!n || ns <= 0) exit
			per_cpu = (polls ? y[1] - x[1] : n) * 1e9 / ns
			printf "%d %.0f%% %.0f\n", pps, 100 * n / sent, per_cpu
		}'
}

echo "# DPDK (net_af_packet, net_af_xdp) vs socket backend vs knotd over a veth pair; server worker on CPU 1,"
echo "# kxdpgun on CPU 0 offering $rate qps; ${secs}s runs x $rounds rounds; $(nproc) CPUs; kernel $(uname -r)"
echo "# $(date -u +%FT%TZ); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
servers="afpacket afxdp socket knotd"
for r in $(seq "$rounds"); do
	line="round $r:"
	for s in $servers; do
		start_server "$s"
		for w in $works; do
			kxdp 1 "$tmp/q.$w" 0 >/dev/null
			a=$(kxdp "$secs" "$tmp/q.$w" "$(case $s in af*) echo 1 ;; *) echo 0 ;; esac)")
			[ -n "$a" ] || { echo "e2e_dpdk: kxdpgun failed:" >&2; tail -5 "$tmp/kxdpgun.log" >&2; exit 1; }
			echo "$a" >> "$tmp/$s.$w"
			line+="  $s $w $a"
		done
		stop_server
	done
	echo "$line  (answers/s answered answers/CPU-s)"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# med SERVER WORKLOAD FIELD -> the median of that field over the rounds
med() { cut -d' ' -f"$3" "$tmp/$1.$2" | median; }
for w in $works; do
	for f in 1 3; do
		unit=$([ $f = 1 ] && echo "answers/s" || echo "answers/CPU-s")
		so=$(med socket "$w" $f); k=$(med knotd "$w" $f)
		line="median $w $unit: socket $so  knotd $k"
		for d in afpacket afxdp; do
			m=$(med $d "$w" $f)
			line+="  $d $m ($(ratio "$m" "$so")x socket, $(ratio "$m" "$k")x knotd)"
		done
		echo "$line"
	done
done
