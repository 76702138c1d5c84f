#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install the Debian 12 packages sigedge needs to build, test and benchmark.
# As root: installs whatever is missing (apt-get, non-interactive). As any
# other user: lists what is missing and how to install it, and exits 1.
# Installing knot or unbound must not leave their system services running:
# nothing in sigedge uses them, and they would hold port 53.
set -euo pipefail

build_deps=(meson ninja-build pkg-config gcc g++ clang libdpdk-dev libssl-dev libldns-dev
	libck-dev libjemalloc-dev libbenchmark-dev libconfig-dev libxxhash-dev libclang-rt-14-dev)
test_tools=(knot knot-dnsutils ldnsutils unbound bind9-dnsutils bind9-utils dnsperf python3-dnspython
	python3-cryptography
	iproute2 ethtool iputils-ping tshark procps)

installed() {
	dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for p in "${build_deps[@]}" "${test_tools[@]}"; do
	installed "$p" || missing+=("$p")
done

# Services that the test tools' packages ship and start on systemd machines.
stop_services() {
	[ -d /run/systemd/system ] || return 0
	local s
	for s in knot unbound; do
		if systemctl is-active --quiet "$s" 2>/dev/null; then
			echo "setup: stopping the $s system service (sigedge runs its own instances)"
			systemctl stop "$s" || true
		fi
	done
}

if [ ${#missing[@]} -eq 0 ]; then
	[ "$(id -u)" -eq 0 ] && stop_services
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing Debian packages: ${missing[*]}" >&2
	echo "setup: install them as root with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	echo "setup: or run this script as root: sudo $0" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# Keep maintainer scripts from starting services during the install (the
# policy-rc.d protocol, used by invoke-rc.d); restore any existing policy.
policy=/usr/sbin/policy-rc.d
policy_saved=
if [ -e "$policy" ]; then
	policy_saved=$(mktemp)
	cp -p "$policy" "$policy_saved"
fi
restore_policy() {
	if [ -n "$policy_saved" ]; then
		mv -f "$policy_saved" "$policy"
	else
		rm -f "$policy"
	fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"

apt-get update -q
apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"

stop_services

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	echo "setup: still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
echo "setup: all packages installed"
