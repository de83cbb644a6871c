#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection tracking end to end (issue 14, Documentation/conntrack.rst).
# Namespace B is the container 'web' (10.78.0.1, fd78::1) behind its veth
# vb, where rxlane is attached; namespace P (10.78.0.2, fd78::2) is the
# outside. 'web' has default drop and one rule, allow tcp dport 8080.
#
# First with the XDP program alone (iproute2, no egress program): the
# container's outbound TCP, UDP and ICMP echo get no answer, each refusal
# proven by the default drop counter. Then 'rxlane attach vb' (XDP + tc
# egress): all of them work over IPv4 and IPv6 and show in 'ct list -j';
# unsolicited inbound to the same ports is still dropped; a connection
# survives rule-set replaces; 'ct flush web' cuts it; an RST ends its
# entry (with 'ct timeout close 1'); attach re-adds a tc egress filter
# that was removed; detach leaves nothing on vb.
# Every command runs as users run it: ip netns exec NS rxlane ...
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ct
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-ctb-$RXL_ID
P=rxl-ctp-$RXL_ID
RXL_R=$B		# rxl_drop_count reads the stats of this namespace
PY=$(mktemp -d /tmp/rxl-ct.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.78.0.1/24 fd78::1/64" "10.78.0.2/24 fd78::2/64"

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
inb() { ip netns exec "$B" "$@"; }

# Servers: the outside, and the container (for unsolicited inbound).
rxl_peer_bg "$P" serve 10.78.0.2 fd78::2
rxl_peer_bg "$B" serve 10.78.0.1 fd78::1
rxl_wait_listen "$P" 9000 9002
rxl_wait_listen "$B" 9000 9002

# ---- today: the XDP program without the egress program -----------------
TC_BPF_MNT=$RXL_BPFFS ip -n "$B" link set dev vb xdpdrv obj "$RXL_OBJ" \
	sec xdp || rxl_fail "attach with iproute2"
cli container add web ip 10.78.0.1 ip fd78::1 default drop
cli fw add web allow proto tcp dport 8080 >/dev/null
for a in 10.78.0.2 fd78::2; do
	rxl_refused_all "$B" "$a" "untracked outbound"
done
cli detach vb

# ---- rxlane attach: XDP and the tc egress program ----------------------
cli attach vb
inb tc filter show dev vb egress | grep -q "rxlane_tc" ||
	rxl_fail "no tc egress program on vb after attach"
[ "$(ip netns exec "$B" "$RXL_CLI" -j container list |
	jq -r '.containers[0].egress_default')" = allow ] ||
	rxl_fail "container list -j: egress_default is not allow"

rxl_outbound_all "$B" 10 10.78.0.2 fd78::2
LIST=$(ip netns exec "$B" "$RXL_CLI" -j ct list web) || rxl_fail "ct list -j"
for a in 10.78.0.2 fd78::2; do
	for want in "tcp 9000" "udp 9001" "icmp -"; do
		set -- $want
		echo "$LIST" | jq -e --arg a "$a" --arg p "$1" --arg d "$2" \
			'[.entries[] | select(.container == "web" and
			  .direction == "out" and .src != $a and .dst == $a and
			  (.proto | startswith($p)) and
			  ($d == "-" or .dport == ($d | tonumber)))] |
			 length >= 1' >/dev/null ||
			rxl_fail "ct list -j lacks the $1 entry to $a: $LIST"
	done
done
# ICMP entries name their family's protocol (cli_proto_name, one for all).
for want in "10.78.0.2 icmp" "fd78::2 icmpv6"; do
	set -- $want
	[ "$(echo "$LIST" | jq -r --arg a "$1" '[.entries[] | select(.dst == $a and
		(.proto | startswith("icmp")))][0].proto')" = "$2" ] ||
		rxl_fail "ct list -j: the echo entry to $1 is not '$2': $LIST"
done
[ "$(echo "$LIST" | jq '.entry_count == (.entries | length)')" = true ] ||
	rxl_fail "ct list -j: entry_count disagrees: $LIST"
# The document against the schema's ct_list (cli_json.sh sees it empty).
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	/usr/bin/python3 -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
sub = {"$schema": s["$schema"], "$defs": s["$defs"],
       "$ref": "#/$defs/ct_list"}
jsonschema.validate(json.loads(sys.argv[2]), sub,
                    cls=jsonschema.Draft202012Validator)
' "$RXL_TOP/Documentation/rxlane-cli.schema.json" "$LIST" ||
		rxl_fail "ct list -j does not match the schema: $LIST"
else
	rxl_skip_case schema "no python3-jsonschema"
fi
rxl_ok "ct list -j shows the entries"

# ---- attach repairs a missing tc egress filter --------------------------
# rxlane's XDP program stays on vb; its egress filter goes (tc filter del,
# then the whole clsact): outbound TCP is cut, 'rxlane attach vb' re-adds
# the filter and says so, and outbound works again. With nothing missing,
# attach still refuses ("already attached"). Another loader's classifier
# at rxlane's place is refused and left alone.
TCDEL="tc filter del dev vb egress prio 0x7278 handle 0x72786c bpf"
PROBE_O=$RXL_TOP/selftests/vm/xdp_probe.bpf.o
[ -r "$PROBE_O" ] || rxl_fail "$PROBE_O not built"
# repair HOW: attach vb re-adds the filter; outbound TCP works again.
repair() {
	local out

	rxl_refused "$B" 10.78.0.2 9000 rxl_drop_count default ||
		rxl_fail "outbound TCP with the filter gone ($1): $RXL_WHY"
	out=$(ip netns exec "$B" "$RXL_CLI" attach vb 2>&1) ||
		rxl_fail "attach vb after $1: $out"
	grep -q "without its tc egress program: re-added it" <<< "$out" ||
		rxl_fail "attach vb after $1 did not say it re-added: '$out'"
	inb tc filter show dev vb egress | grep -q rxlane_tc ||
		rxl_fail "attach vb after $1: no tc egress program on vb"
	rxl_peer "$B" tcp 10.78.0.2 9000 ||
		rxl_fail "outbound TCP after attach repaired $1"
	rxl_ok "attach re-adds the tc egress filter after $1 ($out)"
}
# already: attach vb refuses with exit 1 and MSG.
already() {
	local rc

	out=$(ip netns exec "$B" "$RXL_CLI" attach vb 2>&1)
	rc=$?
	[ $rc -eq 1 ] && grep -q "$1" <<< "$out" ||
		rxl_fail "attach vb $2: exit $rc: '$out'"
}
inb $TCDEL || rxl_fail "$TCDEL"
repair "tc filter del"
already "rxlane is already attached to vb" "with nothing missing"
inb tc filter show dev vb egress | grep -c "rxlane_tc" | grep -qx 1 ||
	rxl_fail "attach vb with nothing missing changed the filters: $(inb tc filter show dev vb egress)"
rxl_ok "attach with nothing missing refuses and changes nothing"
inb $TCDEL || rxl_fail "$TCDEL"
inb tc filter add dev vb egress prio 0x7278 handle 0x72786c \
	bpf da obj "$PROBE_O" sec tc/csum_mark ||
	rxl_fail "a foreign classifier at rxlane's place on vb egress"
already "another program .* not replacing it" "over a foreign classifier"
[ "$(grep -c "not replacing it" <<< "$out")" = 1 ] ||
	rxl_fail "attach vb over a foreign classifier: not one refusal: '$out'"
inb tc filter show dev vb egress | grep -q tc_csum_mark ||
	rxl_fail "the other loader's classifier on vb was removed"
inb tc filter show dev vb egress | grep -q rxlane_tc &&
	rxl_fail "attach over a foreign classifier added rxlane's"
rxl_ok "attach over another loader's classifier: refused, left alone"
inb tc qdisc del dev vb clsact || rxl_fail "tc qdisc del dev vb clsact"
repair "tc qdisc del clsact"

# ---- unsolicited inbound to the same ports ----------------------------
for a in 10.78.0.1 fd78::1; do
	rxl_refused_all "$P" "$a" "unsolicited"
done
rxl_ok "unsolicited inbound refused"

# ---- a held connection: rule-set replace, then ct flush ---------------
HOLD=$PY/hold
mkdir "$HOLD"
rxl_ct_hold_replace_flush "$B" 10.78.0.2 "$HOLD"

# ---- RST ends an entry ------------------------------------------------
cli ct timeout close 1
[ "$(ip netns exec "$B" "$RXL_CLI" -j ct timeout | jq '.timeouts.close')" = 1 ] ||
	rxl_fail "ct timeout close 1 not shown"
PORT=$(rxl_peer "$B" rst 10.78.0.2) || rxl_fail "connection to the resetting server"
# rst_state: the state of that connection's entry ("" when none is live).
rst_state() {
	ip netns exec "$B" "$RXL_CLI" -j ct list web | jq -r --argjson p "$PORT" \
		'[.entries[] | select(.proto == "tcp" and .sport == $p) |
		  .state][0] // ""'
}
S=$(rst_state)
[ "$S" = close ] || rxl_fail "entry after the RST: state '$S', want close"
deadline=$((SECONDS + 30))
while [ -n "$(rst_state)" ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "the RST's entry still live 30 s after it (close timeout 1 s)"
	sleep 0.2
done
rxl_ok "an RST ends the entry (close timeout 1 s)"

STATS=$(ip netns exec "$B" "$RXL_CLI" -j ct stats) || rxl_fail "ct stats -j"
echo "$STATS" | jq -e '.events.create_out > 0 and .events.ingress > 0 and
	.max_entries > 0' >/dev/null || rxl_fail "ct stats -j: $STATS"

# ---- detach leaves nothing on vb ----------------------------------------
cli detach vb
[ -z "$(inb tc filter show dev vb egress)" ] ||
	rxl_fail "tc egress filter left on vb after detach"
inb tc qdisc show dev vb | grep -q clsact &&
	rxl_fail "clsact left on vb after detach"
rxl_ok "detach removes the tc program and its clsact"
exit 0
