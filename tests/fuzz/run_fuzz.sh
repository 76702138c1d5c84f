#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run a libFuzzer target for a fixed time from a fixed seed and report TAP.
# Usage: run_fuzz.sh FUZZER SECONDS SEED_CORPUS_DIR
# The seeds are read, never written: new inputs go to a temporary directory.
set -u
fuzzer=$1
secs=$2
seeds=$3
name=$(basename "$fuzzer")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "1..1"
if "$fuzzer" -seed=1 -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work" "$seeds" > "$work/log" 2>&1; then
	runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$work/log")
	echo "ok 1 - $name: ${runs:-?} inputs in ${secs}s, no crash, no sanitizer report"
else
	echo "not ok 1 - $name found a failure"
	sed 's/^/# /' "$work/log" | tail -40
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$a" ] && echo "# input ($(basename "$a")): $(od -An -tx1 -v "$a" | tr -d '\n' | head -c 600)"
	done
	exit 1
fi
