#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection tracking over NVGRE with the kernel's own gretap and
# ip6gretap devices (issue 14, Documentation/conntrack.rst, "Tunnels and
# extension headers on egress"): selftests/host/ct_vxlan.sh with
# RXL_CT_TUN=nvgre, over an IPv4 and an IPv6 underlay, in the guest,
# whose kernel has the GRE modules the host's lacks. The XDP and tc
# programs run on a veth (the host test's topology), not on rxlane's NIC.
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
for m in veth ip_gre ip6_gre; do
	modprobe -q "$m" || { echo "SKIP: no $m module"; exit $ksft_skip; }
done
echo "# kernel $(uname -r)"
RXL_CT_TUN=nvgre exec bash "$TOP/selftests/host/ct_vxlan.sh"
