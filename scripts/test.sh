#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The test command. Installs what is missing, builds the release tree
# (build/, with the benchmarks), an ASan+UBSan debug tree (build-asan/), a
# ThreadSanitizer tree (build-tsan/) and a clang libFuzzer tree
# (build-fuzz/), runs every suite in build/, the unit suite in build-asan/
# and build-tsan/ and the fuzz suite in build-fuzz/, then prints
# every failed and skipped TAP item and the closing line
# "N passed, N failed, N skipped". Exits non-zero if anything failed.
set -uo pipefail

cd "$(dirname "$0")/.."
src=$(pwd)
export DEBIAN_FRONTEND=noninteractive
bash scripts/setup.sh || exit 1

jobs=2
fails=()
ran=()

# configure DIR OPTIONS...: set up DIR, or bring an existing DIR to OPTIONS.
configure() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@"
	fi
}

# suite DIR SETUP_OPTIONS -- TEST_OPTIONS: configure, build and test one tree.
suite() {
	local dir=$1 setup_opts=() test_opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do setup_opts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	test_opts=("$@")
	rm -f "$dir/meson-logs/testlog.json"
	echo "=== $dir: configure and build"
	if ! configure "$dir" "${setup_opts[@]}"; then
		fails+=(--fail "meson setup $dir:failed (see its output above)")
		return
	fi
	# Keep going past a failed target: the tests whose programs did build
	# still run (a test whose program is missing fails on its own).
	if ! ninja -C "$dir" -j$jobs -k 0; then
		fails+=(--fail "ninja -C $dir:failed (see the compiler output above)")
	fi
	echo "=== $dir: meson test ${test_opts[*]}"
	meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes $jobs "${test_opts[@]}"
	ran+=("$dir")
}

start=$SECONDS
suite build -Dbench=true
# halt_on_error makes every UBSan report fatal, so it fails the test.
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
	suite build-asan -Dbench=false -Dbuildtype=debug -Db_sanitize=address,undefined \
	-- --suite unit
# ThreadSanitizer over the unit suite: the key-table swap torture test and
# the socket backend's workers run threads against the control thread.
TSAN_OPTIONS=halt_on_error=1 \
	suite build-tsan -Dbench=false -Dbuildtype=debug -Db_sanitize=thread -- --suite unit
# The libFuzzer targets need clang; each runs for a fixed time from its seeds.
CC=clang \
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
	suite build-fuzz -Dfuzz=true -Dbench=false -Dbuildtype=debug -Db_sanitize=address,undefined \
	-- --suite fuzz

echo "=== summary ($((SECONDS - start))s)"
/usr/bin/python3 "$src/scripts/test_summary.py" "${fails[@]}" "${ran[@]}"
