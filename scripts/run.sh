#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install what is missing, build (release, in build/), and run sigedge on
# 127.0.0.1:5300 with the bundled example.com zone. Extra arguments are passed
# to sigedge, e.g. scripts/run.sh --workers 2 --zone example.net=/path/net.zone
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build -j2 control/sigedge control/sigedgectl

cat <<MSG
sigedge: serving example.com on 127.0.0.1:5300 (UDP and TCP); stop with Ctrl-C.
Query it from another terminal:
  kdig @127.0.0.1 -p 5300 www.example.com
MSG
exec build/control/sigedge --listen 127.0.0.1:5300 --zone example.com=zones/example.com.zone "$@"
