#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end online signing: sigedge against knotd with mod-onlinesign, both
# ECDSA P-256 (algorithm 13), one worker each, same run. Servers are pinned
# to CPU 1, dnsperf (-D, DO=1) to CPU 0. Rounds alternate sigedge, knotd.
#
# Workloads:
#   unique   a new random name under example.com per query (a name that
#            does not exist: sigedge's compact denial answers it with one
#            fresh NSEC signature, knotd with "black lies" signs its NSEC and
#            the SOA in every answer; both answer NOERROR). Each
#            round has its own query file, longer than a round can use, so
#            no name repeats. Per round also `openssl speed -seconds 3
#            ecdsap256` on CPU 1: the one-core signing rate the answer
#            rate is held to. openssl divides by its CPU time, so the
#            answers per CPU second (1e9 / CPU ns per answer) are printed
#            beside the answers per second: on a busy machine the server may
#            not get all of CPU 1.
#   cached   DO=1 A queries for names drawn at random from a generated zone
#            of NAMES names, after one warm-up pass over every name so that
#            sigedge's signature cache holds them. Measured at the most
#            dnsperf offers (max) and at a fixed rate (-Q RATE) both servers
#            sustain, where the server's CPU time per answer is the measure.
#
# Usage: bench/e2e_onlinesign.sh [-b BUILD_DIR] [-r ROUNDS] [-t SECONDS]
#            [-n NAMES] [-Q RATE] [-c SIGCACHE_ENTRIES] [-w unique|cached|all]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$src/build
rounds=3
secs=10
names=100000
rate=10000
cache_entries=262144
work=all
while getopts "b:r:t:n:Q:c:w:" opt; do
	case $opt in
	b) build=$(cd "$OPTARG" && pwd) ;;
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	n) names=$OPTARG ;;
	Q) rate=$OPTARG ;;
	c) cache_entries=$OPTARG ;;
	w) work=$OPTARG ;;
	*) sed -n '3,27p' "$0"; exit 2 ;;
	esac
done

sigedge=$build/control/sigedge
for b in sigedge sigedgectl; do
	[ -x "$build/control/$b" ] || { echo "e2e_onlinesign: $build/control/$b not built" >&2; exit 1; }
done
bench_init e2e_onlinesign dnsperf knotd kdig taskset ldns-keygen openssl

# The cached zone: apex SOA and NS, then n0 .. n(NAMES-1) with one A each.
big=$tmp/big.example.zone
awk -v n="$names" 'BEGIN {
	print "$ORIGIN big.example.\n$TTL 3600"
	print "@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n@ NS ns1\nns1 A 192.0.2.1"
	for (i = 0; i < n; i++) printf "n%d A 198.51.%d.%d\n", i, int(i / 250) % 250, i % 250 + 1
}' > "$big"

mkdir "$tmp/keys"
for z in example.com big.example; do
	(cd "$tmp/keys" && ldns-keygen -a ECDSAP256SHA256 -k $z >/dev/null)
done

cache_arg=()
if "$sigedge" --help | grep -c -- --sigcache-entries >/dev/null; then
	cache_arg=(--sigcache-entries "$cache_entries")
else
	cache_entries="fixed (no --sigcache-entries)"
fi

port_s=$(free_port)
port_k=$(free_port)
knot_start knot_pid "$port_k" "  - domain: example.com
    file: $src/zones/example.com.zone
  - domain: big.example
    file: $big" "    module: mod-onlinesign"
bench_start sig_pid "$sigedge" --listen 127.0.0.1:$port_s --workers 1 --control "$tmp/ctl.sock" \
	--zone example.com="$src/zones/example.com.zone" --zone big.example="$big" \
	--keydir "$tmp/keys" "${cache_arg[@]}" --log-level error
for p in $port_s $port_k; do
	wait_soa "$p" example.com
	wait_soa "$p" big.example
done
knot_pin "$knot_pid"

# Both servers must sign: an RRSIG for a new name and for a zone name.
for p in $port_s $port_k; do
	for q in "check-$RANDOM.example.com A" "n1.big.example A"; do
		kdig @127.0.0.1 -p "$p" +dnssec +retry=0 $q | grep -c RRSIG >/dev/null ||
			{ echo "e2e_onlinesign: no RRSIG from port $p for $q" >&2; exit 1; }
	done
done

# busy FILE -> the last round's share of CPU 1 the server used (answers/s x CPU ns per answer):
# under 100% at dnsperf's maximum, either dnsperf or other work on the machine held it back.
busy() { tail -1 "$1" | awk '{printf "%.0f%%", $1 * $2 / 1e7}'; }

sig_stat() { "$build/control/sigedgectl" -s "$tmp/ctl.sock" stats | awk -v k="$1:" '$1 == k {print $2}'; }

echo "# sigedge vs knotd mod-onlinesign, ECDSA P-256, 1 worker each on CPU 1, dnsperf -D on CPU 0"
echo "# ${secs}s rounds x $rounds; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$work" = all ] || [ "$work" = unique ]; then
	lines=$((secs * 80000))
	: > "$tmp/s.unique"; : > "$tmp/k.unique"; : > "$tmp/openssl"
	for r in $(seq "$rounds"); do
		awk -v n="$lines" -v r="$r" 'BEGIN {
			srand(r); tag = sprintf("%06x", int(rand() * 16777216))
			for (i = 0; i < n; i++) printf "u%s-%d-%x.example.com. A\n", tag, r, i
		}' > "$tmp/unique"
		dnsperf_run $sig_pid $port_s "$tmp/unique" "$secs" -D -q 200 -c 4 >> "$tmp/s.unique"
		dnsperf_run $knot_pid $port_k "$tmp/unique" "$secs" -D -q 200 -c 4 >> "$tmp/k.unique"
		taskset -c 1 openssl speed -seconds $((secs < 3 ? secs : 3)) ecdsap256 2>/dev/null \
			| awk '/bits ecdsa \(nistp256\)/ {print $7}' >> "$tmp/openssl"
		echo "unique round $r: sigedge $(tail -1 "$tmp/s.unique") busy $(busy "$tmp/s.unique")  knotd $(tail -1 "$tmp/k.unique") busy $(busy "$tmp/k.unique")  (qps cpu-ns/answer)  openssl sign/s $(tail -1 "$tmp/openssl")"
		awk -v q="$(tail -1 "$tmp/s.unique" | cut -d' ' -f1)" -v s="$secs" -v n="$lines" \
			'BEGIN {if (q * s >= n) print "warning: the query file wrapped: names repeated"}'
	done
	rm -f "$tmp/unique"
	# An answer over a signing budget (--sign-rate) is TC, not signed: none may be.
	limited=$(sig_stat sign-limited)
	[ "${limited:-0}" = 0 ] || echo "warning: sigedge sent $limited answers TC for want of signing budget"
fi

if [ "$work" = all ] || [ "$work" = cached ]; then
	seq 0 $((names - 1)) | awk '{print "n" $1 ".big.example. A"}' > "$tmp/all"
	shuf "$tmp/all" > "$tmp/warm"
	shuf -r -n 1000000 "$tmp/all" > "$tmp/cached"
	miss0=$(sig_stat sigcache-miss)
	taskset -c 0 dnsperf -s 127.0.0.1 -p "$port_s" -d "$tmp/warm" -n 1 -D -q 200 >/dev/null 2>&1
	miss1=$(sig_stat sigcache-miss); hit1=$(sig_stat sigcache-hit)
	echo "warm-up: sigedge made $((miss1 - miss0)) signatures for $names names (signature cache: $cache_entries entries)"
	for mode in max cpu; do
		: > "$tmp/s.$mode"; : > "$tmp/k.$mode"
		if [ $mode = max ]; then args=(-q 200 -c 4); else args=(-Q "$rate" -q 200); fi
		for r in $(seq "$rounds"); do
			dnsperf_run $sig_pid $port_s "$tmp/cached" "$secs" -D "${args[@]}" >> "$tmp/s.$mode"
			dnsperf_run $knot_pid $port_k "$tmp/cached" "$secs" -D "${args[@]}" >> "$tmp/k.$mode"
			echo "cached round $r $mode: sigedge $(tail -1 "$tmp/s.$mode") busy $(busy "$tmp/s.$mode")  knotd $(tail -1 "$tmp/k.$mode") busy $(busy "$tmp/k.$mode")  (qps cpu-ns/answer)"
		done
	done
	hits=$(( $(sig_stat sigcache-hit) - hit1 )); misses=$(( $(sig_stat sigcache-miss) - miss1 ))
	echo "sigedge signature cache over the measured rounds: $hits hits, $misses misses ($(awk -v h=$hits -v m=$misses 'BEGIN {printf "%.2f", (h + m) ? 100 * h / (h + m) : 0}')% hits)"
fi

echo
echo "| workload | measure | sigedge | knotd | ratio |"
echo "|---|---|---:|---:|---:|"
if [ -s "${tmp}/s.unique" ]; then
	sq=$(cut -d' ' -f1 "$tmp/s.unique" | median); kq=$(cut -d' ' -f1 "$tmp/k.unique" | median)
	sc=$(cut -d' ' -f2 "$tmp/s.unique" | median); kc=$(cut -d' ' -f2 "$tmp/k.unique" | median)
	os=$(median < "$tmp/openssl")
	echo "| unique names | answers/s (max) | $sq | $kq | $(ratio "$sq" "$kq") (sigedge/knotd; goal 2.5) |"
	echo "| unique names | CPU ns per answer (at max) | $sc | $kc | $(ratio "$kc" "$sc") (knotd/sigedge) |"
	echo "| unique names | openssl speed ecdsap256 sign/s, CPU 1 | $os | | $(ratio "$sq" "$os") (sigedge answers / openssl signatures; goal 0.80) |"
	sa=$(awk -v c="$sc" 'BEGIN {printf "%.0f", 1e9 / c}'); ka=$(awk -v c="$kc" 'BEGIN {printf "%.0f", 1e9 / c}')
	echo "| unique names | answers per CPU second (1e9 / CPU ns) | $sa | $ka | $(ratio "$sa" "$os") (sigedge / openssl signatures per CPU second) |"
	# The CPU's speed drifts on a shared host: pair each round's server figures
	# with the openssl run right after them, then take the median.
	paste -d' ' "$tmp/s.unique" "$tmp/openssl" > "$tmp/s.paired"
	pr=$(awk '{printf "%.4f\n", $1 / $3}' "$tmp/s.paired" | median)
	psig=$(awk '{printf "%.0f\n", 1e9 / $3}' "$tmp/s.paired" | median)
	pc=$(awk '{printf "%.0f\n", $2 - 1e9 / $3}' "$tmp/s.paired" | median)
	echo "| unique names | per round: sigedge answers/s / openssl sign/s, median | | | $(awk -v r="$pr" 'BEGIN {printf "%.2f", r}') (goal 0.80) |"
	echo "| unique names | per round: sigedge CPU ns = one signature (1e9 / openssl) + the rest, medians | $psig + $pc | | |"
fi
if [ -s "${tmp}/s.max" ] && [ "$work" != unique ]; then
	sq=$(cut -d' ' -f1 "$tmp/s.max" | median); kq=$(cut -d' ' -f1 "$tmp/k.max" | median)
	sm=$(cut -d' ' -f2 "$tmp/s.max" | median); km=$(cut -d' ' -f2 "$tmp/k.max" | median)
	sc=$(cut -d' ' -f2 "$tmp/s.cpu" | median); kc=$(cut -d' ' -f2 "$tmp/k.cpu" | median)
	echo "| cached, $names names | answers/s (max) | $sq | $kq | $(ratio "$sq" "$kq") (sigedge/knotd; goal 5) |"
	echo "| cached, $names names | CPU ns per answer (at max) | $sm | $km | $(ratio "$km" "$sm") (knotd/sigedge) |"
	echo "| cached, $names names | CPU ns per answer at $rate qps | $sc | $kc | $(ratio "$kc" "$sc") (knotd/sigedge; goal 5) |"
fi
