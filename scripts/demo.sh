#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: show rxlane carrying traffic. Runs scripts/demo-guest.sh in
# the VM (Debian's 6.1 kernel under qemu), or directly on this machine when
# its own kernel can load the module (RXLANE_DEMO_HOST=1 and rxlane.ko
# built for `uname -r`, e.g. `make KVER=$(uname -r) demo`).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ko_ver=$(modinfo -F vermagic "$TOP/rxlane.ko" 2>/dev/null | cut -d' ' -f1)

if [ "${RXLANE_DEMO_HOST:-0}" = 1 ] && [ -r /proc/modules ] &&
   [ "$ko_ver" = "$(uname -r)" ]; then
	echo "demo: running on this machine's kernel $(uname -r)"
	exec "$TOP/scripts/demo-guest.sh"
fi
echo "demo: booting a VM with kernel $ko_ver (takes a few seconds under TCG)"
exec "$TOP/scripts/vm-run" --kernel "$ko_ver" -- "$TOP/scripts/demo-guest.sh"
