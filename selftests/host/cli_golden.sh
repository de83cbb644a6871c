#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Golden output: a fixed configuration made with the CLI, then every
# listing command in text and in JSON (-j), compared with
# cli_golden.expected: text byte for byte, each JSON document as a JSON
# value (members in any order: the order is the print path's, not part of
# the interface). Program ids and the test's bpffs path are masked.
# Regenerate after an intended change with: cli_golden.sh --update
set -u
. "$(dirname "$0")/lib.sh"
rxl_init golden
NS=rxl-golden-$RXL_ID
rxl_veth_ns "$NS"
EXPECTED=$(dirname "$0")/cli_golden.expected
POLICY=$(mktemp /tmp/rxl-golden.XXXXXX.json)
trap 'rm -f "$POLICY"; rxl_cleanup' EXIT

cli() { rxl_in "$NS" "$@" || rxl_fail "rxlane $*"; }
XDPDUMP=/usr/lib/$(gcc -dumpmachine)/bpf/xdpdump_xdp.o
[ -r "$XDPDUMP" ] || { echo "SKIP: no $XDPDUMP (xdp-tools)"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
cli attach v0 redirect >/dev/null
# status finds every attachment: rxlane's by iproute2, another program.
ip -n "$NS" link add v2 type veth peer name v3 || rxl_fail "veth v2"
ip -n "$NS" link set dev v1 xdpgeneric obj "$RXL_OBJ" sec xdp ||
	rxl_fail "ip link set dev v1 xdpgeneric obj"
ip -n "$NS" link set dev v2 xdpgeneric obj "$XDPDUMP" sec xdp ||
	rxl_fail "ip link set dev v2 xdpgeneric obj $XDPDUMP"
cli vtep add 10.0.0.2 >/dev/null
cli vtep add fd0f::2 type vxlan,nvgre >/dev/null
cli vtep add 10.0.0.3 type geneve port 6082 >/dev/null
cli vni add 100 >/dev/null
cli vni add 16777215 >/dev/null
cli vni add 300 type nvgre >/dev/null
cli container add web ip 10.200.0.2 ip fd00::2 default drop >/dev/null
cli container add db ip 10.200.0.3 dev v1 >/dev/null
cli fw add web allow proto tcp from 10.100.0.0/24 dport 80 prio 10 comment http >/dev/null
cli fw add web allow proto udp dport 1000-2000 >/dev/null
cli fw add web drop from fd00:1::/64 prio 5 >/dev/null
cli fw add web allow proto icmp >/dev/null
cli fw add web out allow proto udp to 10.0.0.53/32 dport 53 >/dev/null
cli fw add db drop proto tcp dport 22 >/dev/null
cat > "$POLICY" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "fd00::2"], "default": "drop",
   "rules": [
     {"action": "allow", "proto": "tcp", "from": "10.100.0.0/24",
      "dport": 80, "prio": 10, "comment": "http"},
     "allow proto tcp dport 443 prio 20"]},
  {"name": "cache", "ips": ["10.200.0.4"]}]}
JSON

transcript() {
	local c

	while read -r c; do
		echo "== $c"
		rxl_in "$NS" $c 2>&1
		echo "== -j $c"
		rxl_in "$NS" -j $c 2>&1
	done <<-CMDS
	status
	status v0
	status v3
	vtep list
	vni list
	container list
	container show web
	fw list
	fw list db
	stats web
	policy diff $POLICY
	fw del web handle 42
	CMDS
}

OUT=$(transcript | sed -e "s|$RXL_BPFFS|BPFFS|g" -e "s|$POLICY|POLICY|g" \
	-e 's/prog [0-9]*/prog ID/' -e 's/"prog_id":[0-9]*/"prog_id":ID/g' \
	-e 's/"ifindex":[0-9]*/"ifindex":N/g')
if [ "${1:-}" = "--update" ]; then
	echo "$OUT" > "$EXPECTED"
	echo "updated $EXPECTED"
	exit 0
fi
# Each JSON document with its members sorted, the rest as it is.
canon() {
	local l

	while IFS= read -r l; do
		case $l in
		'{'*) jq -cS . <<< "$l" 2>/dev/null || echo "BAD JSON: $l" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done
}
if ! diff -u <(canon < "$EXPECTED") <(echo "$OUT" | canon); then
	rxl_fail "output differs from $EXPECTED"
fi
# Under -j a change that has nothing to report still prints a document.
out=$(rxl_in "$NS" -j vni add 4242)
[ "$out" = '{"schema":2}' ] || rxl_fail "-j vni add printed '$out'"
out=$(rxl_in "$NS" -j fw add db allow proto udp dport 53)
[ "$out" = '{"schema":2,"handle":2}' ] || rxl_fail "-j fw add printed '$out'"
echo "PASS: text and JSON output match cli_golden.expected"
exit 0
