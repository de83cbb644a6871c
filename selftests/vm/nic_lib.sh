# SPDX-License-Identifier: GPL-2.0
#
# The preamble of the vm shell tests that drive rxlane's NIC with the CLI
# (fastpath_nic.sh, ct_nic.sh). Source it after 'set -u', then call
# rxl_nic_init NAME MODULE...: it checks what the test needs, sources
# selftests/host/lib.sh (namespaces, bpffs, servers, counters), loads the
# kernel modules named (veth, vxlan, ...) and rxlane.ko, and registers the
# cleanup. The test then sets RXL_R to the namespace that holds the NIC
# (nic0), which the cleanup deletes before its namespace goes: a module
# that cannot be removed at the end (a leaked reference) fails the test.
# Its own EXIT trap is not needed; 'fail' prints the stats of $RXL_R once
# CLI_READY is set.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../host/lib.sh
. "$TOP/selftests/host/lib.sh"
KO=$TOP/rxlane.ko
LOADED=0
RXL_R=

# The module's reference count ("-" when it is not loaded).
refcount() {
	awk '$1 == "rxlane" { print $3; f = 1 } END { if (!f) print "-" }' /proc/modules
}

# Namespaces are dismantled by a kernel worker, so the count may take a
# moment to drop. exit in an EXIT trap sets the script's exit status.
rxl_nic_cleanup() {
	local end=$((SECONDS + 30)) err

	[ -n "$RXL_R" ] && ip -n "$RXL_R" link del nic0 2>/dev/null
	rxl_cleanup
	[ $LOADED = 1 ] && grep -q '^rxlane ' /proc/modules || return 0
	while [ "$(refcount)" != 0 ] && [ $SECONDS -lt $end ]; do
		sleep 0.2
	done
	if ! err=$(rmmod rxlane 2>&1); then
		echo "FAIL: rmmod rxlane: $err (reference count $(refcount) after waiting 30 s for 0)"
		exit 1
	fi
}

fail() {
	echo "FAIL: $*"
	[ -n "${CLI_READY:-}" ] && rxl_in "$RXL_R" stats | sed 's/^/  stats: /'
	exit 1
}
cli() { rxl_in "$RXL_R" "$@" >/dev/null || fail "rxlane $*"; }

# rxl_nic_init NAME MODULE...: checks, lib.sh's rxl_init NAME, the
# modules, rxlane.ko (kept when a test before loaded it).
rxl_nic_init() {
	local m

	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
	[ -r /proc/modules ] || { echo "SKIP: kernel without module support"; exit $ksft_skip; }
	[ -r "$KO" ] || rxl_fail "$KO not built"
	[ -r "$RXL_OBJ" ] || rxl_fail "$RXL_OBJ not built"
	command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
	command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
	rxl_init "$1"
	shift
	trap rxl_nic_cleanup EXIT
	for m in "$@"; do
		modprobe -q "$m" || { echo "SKIP: no $m module"; exit $ksft_skip; }
	done
	if ! grep -q '^rxlane ' /proc/modules; then
		insmod "$KO" || fail "insmod $KO"
		LOADED=1
	fi
}
