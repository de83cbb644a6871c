#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The pin directory is the access control of the firewall maps: the CLI
# makes it 0700 and owned by the caller, refuses one that another user owns
# or that is open to others, refuses pins opened up, refuses a directory
# off bpffs, and serialises concurrent changes (flock on the directory).
# Without pins it finds the maps through the attached program.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init pindir
NS=rxl-pin-$RXL_ID
rxl_veth_ns "$NS"
PD=$RXLANE_PIN_DIR

cli() { rxl_in "$NS" "$@" || rxl_fail "rxlane $*"; }
cli attach v0
cli container add web ip 10.200.0.2
[ "$(stat -c '%a %u' "$PD")" = "700 0" ] ||
	rxl_fail "pin directory is $(stat -c '%a %u' "$PD"), want 700 0"
rxl_ok "pin directory made 0700, owned by root"

refused() {	# what, text
	local err

	err=$(rxl_in "$NS" container list 2>&1)
	[ $? -eq 1 ] || rxl_fail "$1: not refused"
	case "$err" in
	*"$2"*) ;;
	*) rxl_fail "$1: message '$err' lacks '$2'" ;;
	esac
	err=$(rxl_in "$NS" fw add web allow 2>&1)
	[ $? -eq 1 ] || rxl_fail "$1: change not refused"
	rxl_ok "$1 refused: $err"
}

chmod 0755 "$PD"
refused "directory open to others" "has mode 0755, open to others"
chmod 0700 "$PD"
chown 65534 "$PD"
refused "directory of another user" "is owned by uid 65534, not 0"
chown 0 "$PD"
chmod 0644 "$PD/cli_rules"
refused "pin opened up" "cli_rules has mode 0644"
chmod 0600 "$PD/cli_rules"
cli container list | grep -q "^web " || rxl_fail "not usable after repair"

NOTBPF=$(mktemp -d /tmp/rxl-notbpf.XXXXXX)
err=$(RXLANE_PIN_DIR=$NOTBPF rxl_in "$NS" container list 2>&1)
rc=$?
rmdir "$NOTBPF"
[ $rc -eq 1 ] || rxl_fail "pin directory off bpffs accepted"
case "$err" in
*"is not on a bpf filesystem"*) rxl_ok "pin directory off bpffs refused" ;;
*) rxl_fail "off bpffs: '$err'" ;;
esac

# -P DIR whose parent is off bpffs: refused before anything is made
# (the CLI used to mkdir it, then refuse it).
NOTBPF=$(mktemp -d /tmp/rxl-notbpf.XXXXXX)
for cmd in "container add off ip 10.200.0.77" "fw add web allow"; do
	err=$(rxl_in "$NS" -P "$NOTBPF/pins" $cmd 2>&1)
	rc=$?
	made=no
	[ -e "$NOTBPF/pins" ] && made=yes
	rm -rf "$NOTBPF/pins"
	[ $rc -eq 1 ] && [ $made = no ] || {
		rmdir "$NOTBPF"
		rxl_fail "-P off bpffs, '$cmd': exit $rc, directory made: $made ($err)"
	}
	case "$err" in
	*"is not on a bpf filesystem"*) ;;
	*) rmdir "$NOTBPF"; rxl_fail "-P off bpffs, '$cmd': '$err'" ;;
	esac
done
rmdir "$NOTBPF"
rxl_ok "-P off bpffs refused, nothing created"

# Concurrent changes: every one lands, each with its own handle.
pids=()
for p in $(seq 1001 1012); do
	rxl_in "$NS" fw add web allow proto tcp from "10.1.$((p / 256)).$((p % 256))/32" dport 80 > /dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || rxl_fail "a concurrent fw add failed"
done
handles=$(rxl_in "$NS" -j fw list web | jq -r '[.rules[].handle] | sort | map(tostring) | join(" ")')
[ "$handles" = "$(seq -s ' ' 1 12)" ] ||
	rxl_fail "concurrent adds gave handles '$handles'"
rxl_ok "12 concurrent fw add: 12 rules, handles 1-12"

# No maps where the CLI looks (pin directory, iproute2's): it finds them
# through the rxlane program attached in this namespace (RTM_GETLINK dump).
cli vtep add 10.0.0.2
nopins() { RXLANE_PIN_DIR=$RXL_BPFFS/elsewhere TC_BPF_MNT=$RXL_BPFFS/none \
	rxl_in "$NS" "$@"; }
out=$(nopins status) || rxl_fail "status without pins failed"
echo "$out" | grep -q "^maps dev v0$" || rxl_fail "status without pins: $out"
nopins vtep list | grep -q "^vtep 10.0.0.2 " ||
	rxl_fail "vtep list through the attached program: $(nopins vtep list 2>&1)"
rxl_ok "maps found through the attached program when nothing is pinned"

# Two instances, two pin directories: the second made its set in another
# namespace. Its detach of the first one's device is refused, and leaves
# the program, the tc egress filter and the first one's listing as they
# were; the first one detaches it. Without pins (the set found through
# the device) detach still works: rxlane detach is the way out then.
NS2=rxl-pin2-$RXL_ID
rxl_veth_ns "$NS2"
second() { RXLANE_PIN_DIR=$RXL_BPFFS/second rxl_in "$@"; }
second "$NS2" attach v0 >/dev/null || rxl_fail "second instance: attach in $NS2"
before=$(rxl_in "$NS" -j container list)
err=$(second "$NS" detach v0 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "-P second detach v0 (the first instance's) exited $rc: '$err'"
case "$err" in
*"runs with other maps than those pinned in $RXL_BPFFS/second: not detaching it"*) ;;
*) rxl_fail "-P second detach v0: '$err'" ;;
esac
rxl_in "$NS" status | grep -q "^dev v0 prog " ||
	rxl_fail "-P second detach v0 removed the first instance's XDP program"
ip netns exec "$NS" tc filter show dev v0 egress | grep -q rxlane_tc ||
	rxl_fail "-P second detach v0 removed the first instance's tc filter"
[ "$(rxl_in "$NS" -j container list)" = "$before" ] ||
	rxl_fail "-P second detach v0 changed the first instance's listing"
second "$NS2" detach v0 || rxl_fail "second instance: its own detach"
rxl_ok "a detach with another instance's pin directory is refused, nothing changed"
cli attach v1 >/dev/null
nopins detach v1 || rxl_fail "detach without pins (program found through v1)"
rxl_in "$NS" status | grep -q "^dev v1 " && rxl_fail "v1 still attached"
rxl_ok "detach without pins still finds rxlane's program"

echo "PASS: pin directory checked, changes serialised"
exit 0
