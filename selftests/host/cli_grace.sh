#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Grace periods of in-place updates (issue 13: "append updates rewrite
# live hash elements without a grace period"). 6.1's element reuse is too
# narrow to provoke with packets, so the test watches the order of the
# CLI's map changes instead: crash_at.so (LD_PRELOAD, RXLANE_GP_CHECK)
# notes every update that replaces an element of a fast-path hash map in
# place (its old element is freed at once and handed to the next
# allocation of that map) and reports any later update of that map, or
# the end of the process, before a grace period (an update of an
# ARRAY_OF_MAPS, which returns after synchronize_rcu()). Over a walk of
# rule appends (in place, both families, port ranges), replacements,
# deletions, container and policy changes, there must be no report, and
# the appends must have replaced elements (or the test proves nothing).
set -u
. "$(dirname "$0")/lib.sh"

DIR=$(cd "$(dirname "$0")" && pwd)
[ -f "$RXL_SHIM" ] || rxl_fail "crash_at.so not built"

rxl_init grace
RXL_NS=rxl-grace-$RXL_ID
rxl_veth_ns "$RXL_NS"
TMPD=$(mktemp -d /tmp/rxl-grace.XXXXXX)
trap 'rm -rf "$TMPD"; rxl_cleanup' EXIT

cli_gp() {
	rxl_shim_run RXLANE_GP_CHECK="$TMPD/gp" -- "$@" >/dev/null ||
		rxl_fail "rxlane $*"
}

# The policy files of the crash walk (lib.sh); this walk is its own.
rxl_walk_init "$TMPD"

STEPS=(
	"attach v0"
	"container add web ip 10.200.0.2 ip fd00::2 default drop"
	"fw add web allow proto tcp dport 80"
	"fw add web allow proto tcp dport 443"
	"fw add web allow proto udp dport 1000-2000"
	"fw add web allow from 192.0.2.0/24"
	"fw add web allow from 2001:db8::/32 proto tcp dport 8080"
	# The second extends the /24 TCP key in place: an append of a TCP
	# or UDP rule from anywhere writes no key (it is in the container's
	# value: fastpath.rst, "Rules from anywhere").
	"fw add web allow from 198.51.100.0/24 proto tcp dport 22"
	"fw add web allow from 198.51.100.0/24 proto tcp dport 23"
	"fw add web drop proto udp dport 53 prio 5"
	"fw add web allow proto tcp dport 8443"
	"container set web default allow"
	"container add db ip 10.200.0.3 default drop"
	"fw add db allow proto tcp dport 5432"
	"fw add db allow proto tcp dport 5433"
	"fw del web handle 2"
	"fw add web allow proto tcp dport 9000"
	"policy apply $TMPD/p1.json"
	"fw add web allow proto tcp dport 9100"
	"fw flush web"
	"container del db"
	"container del web"
)
: > "$TMPD/gp"
for s in "${STEPS[@]}"; do
	before=$(wc -l < "$TMPD/gp")
	cli_gp $s
	if grep -v '^ok ' "$TMPD/gp" | grep -q .; then
		echo "FAIL: '$s': an element replaced in place was followed by a change of its map, or the exit, before a grace period:"
		grep -v '^ok ' "$TMPD/gp"
		exit 1
	fi
	echo "$s: $(tail -n +$((before + 1)) "$TMPD/gp" | awk '{print "calls " $2 ", in-place replaces " $3 ", grace periods " $4}')"
done
read -r replaces syncs < <(awk '{r += $3; s += $4} END {print r + 0, s + 0}' "$TMPD/gp")
[ "$replaces" -gt 0 ] && [ "$syncs" -gt 0 ] ||
	rxl_fail "no in-place replace seen ($replaces) or no grace period ($syncs): the check proves nothing"
rxl_ok "$replaces in-place replaces, each followed by a grace period before its map changed again"
