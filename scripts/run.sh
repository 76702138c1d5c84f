#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install what is missing, build (release, in build/), and run sigedge on
# 127.0.0.1:5300 with the bundled example.com zone, signed online: the first
# run makes an ECDSA P-256 key (a CSK) in build/keys/, later runs reuse it.
# Extra arguments are passed to sigedge, e.g.
#   scripts/run.sh --workers 2 --zone example.net=/path/net.zone
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build -j2 control/sigedge control/sigedgectl

keys=build/keys
if ! compgen -G "$keys/Kexample.com.+*.private" >/dev/null; then
	mkdir -p "$keys"
	(cd "$keys" && ldns-keygen -a ECDSAP256SHA256 -k example.com >/dev/null)
fi
ds=$(cat "$keys"/Kexample.com.+*.ds)

cat <<MSG
sigedge: serving example.com on 127.0.0.1:5300 (UDP and TCP), signed online with
the key in $keys; stop with Ctrl-C. Its DS record (a validator's trust anchor):
  $ds
Query it from another terminal:
  kdig @127.0.0.1 -p 5300 www.example.com
  kdig @127.0.0.1 -p 5300 +dnssec www.example.com
MSG
exec build/control/sigedge --listen 127.0.0.1:5300 --zone example.com=zones/example.com.zone \
	--keydir "$keys" "$@"
