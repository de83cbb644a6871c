#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Anti-spoofing of macvlan containers on rxlane's NIC (issue 14,
# Documentation/conntrack.rst, "Containers without a host-side device"):
# selftests/host/ct_macvlan.sh with RXL_CT_NIC=1, in the guest: the
# macvlans sit on nic0 (rxlane's NIC over a veth), whose XDP program runs
# natively and whose tc egress carries the pairing check; the guest's 6.1
# macvlan must bring the containers' frames there as the host's does.
# The module must come out at the end (no reference left).
#
#   scripts/vm-run --timeout 2400 -- selftests/vm/ct_macvlan.sh
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=$TOP/rxlane.ko

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
[ -r /proc/modules ] || { echo "SKIP: kernel without module support"; exit $ksft_skip; }
[ -r "$KO" ] || { echo "FAIL: $KO not built"; exit 1; }
for m in veth macvlan ipvlan; do
	modprobe -q "$m" || { echo "SKIP: no $m module"; exit $ksft_skip; }
done
loaded=0
if ! grep -q '^rxlane ' /proc/modules; then
	insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }
	loaded=1
fi
echo "# kernel $(uname -r)"
RXL_CT_NIC=1 bash "$TOP/selftests/host/ct_macvlan.sh"
rc=$?
if [ $loaded = 1 ]; then
	end=$((SECONDS + 30))
	until awk '$1 == "rxlane" { exit $3 != 0 }' /proc/modules ||
	      [ $SECONDS -ge $end ]; do
		sleep 0.2
	done
	err=$(rmmod rxlane 2>&1) || { echo "FAIL: rmmod rxlane: $err"; rc=1; }
fi
exit $rc
