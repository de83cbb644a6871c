#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni's per-container overrides (Documentation/cni.rst,
# "Overrides"): runtimeConfig.rxlanePolicy replaces the default and adds
# rules, CNI_ARGS RXLANE_DEFAULT=allow|drop replaces the default; CHECK
# compares with the same overrides (and answers 106 without them); a bad
# override is refused (code 7, code 4) with nothing made.
source "$(dirname "$0")/lib.sh"

CNI=$RXL_TOP/user/rxlane-cni
rxl_init cniovr
[ -x "$CNI" ] || rxl_fail "$CNI not built"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }

SUF=$RANDOM
NS=ov-$SUF
rxl_netns "$NS"
ip -n "$NS" link add eth0 type veth peer name p0 || rxl_fail "veth"
ip -n "$NS" link set eth0 up

# conf [JQ]: the config (one rule: TCP 80), JQ edits it.
conf() {
	jq -nc --arg pin "$RXLANE_PIN_DIR" --arg ns "/run/netns/$NS" \
		'{cniVersion: "1.0.0", name: "ovr", type: "rxlane-cni", pinDir: $pin,
		  policy: {default: "drop",
			   rules: [{action: "allow", proto: "tcp", dport: 80}]},
		  prevResult: {cniVersion: "1.0.0",
			interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{address: "10.253.0.2/24", interface: 0}]}} | '"${1:-.}"
}
# cni CMD ARGS CONF: RC, OUT.
cni() {
	OUT=$(CNI_COMMAND=$1 CNI_CONTAINERID=ovr$SUF CNI_IFNAME=eth0 \
		CNI_NETNS=/run/netns/$NS CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=ov$2" \
		"$CNI" <<< "$3" 2>/dev/null)
	RC=$?
}
NAME=ov-ovr$SUF
RT='.runtimeConfig = {rxlanePolicy: {default: "allow",
	rules: ["allow proto udp dport 53"]}}'
show() { "$RXL_CLI" -j container show "$NAME" 2>/dev/null; }
conts() { "$RXL_CLI" -j container list | jq '.containers | length'; }

# runtimeConfig alone: default allow, the config's rule and its own.
cni ADD "" "$(conf "$RT")"
[ "$RC" = 0 ] || rxl_fail "ADD with runtimeConfig: exit $RC: $OUT"
show | jq -e '.container | .default == "allow" and .rule_count == 2' >/dev/null ||
	rxl_fail "runtimeConfig.rxlanePolicy not applied: $(show)"
cni CHECK "" "$(conf "$RT")"
[ "$RC" = 0 ] || rxl_fail "CHECK with the same runtimeConfig: exit $RC: $OUT"
cni CHECK "" "$(conf)"
[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = 106 ] ||
	rxl_fail "CHECK without the runtimeConfig: exit $RC, $OUT (want 106)"
cni DEL "" "$(conf)"
[ "$RC" = 0 ] || rxl_fail "DEL: exit $RC: $OUT"
rxl_ok "runtimeConfig.rxlanePolicy: default allow and one more rule; CHECK without it says 106"

# CNI_ARGS RXLANE_DEFAULT over the config and the runtimeConfig.
cni ADD ";RXLANE_DEFAULT=drop" "$(conf "$RT")"
[ "$RC" = 0 ] || rxl_fail "ADD with RXLANE_DEFAULT: exit $RC: $OUT"
show | jq -e '.container | .default == "drop" and .rule_count == 2' >/dev/null ||
	rxl_fail "CNI_ARGS RXLANE_DEFAULT=drop not applied over runtimeConfig: $(show)"
cni CHECK ";RXLANE_DEFAULT=drop" "$(conf "$RT")"
[ "$RC" = 0 ] || rxl_fail "CHECK with the same CNI_ARGS: exit $RC: $OUT"
cni DEL "" "$(conf)"
cni ADD ";RXLANE_DEFAULT=allow" "$(conf)"
[ "$RC" = 0 ] && show | jq -e '.container | .default == "allow" and
	.rule_count == 1' >/dev/null ||
	rxl_fail "CNI_ARGS RXLANE_DEFAULT=allow: exit $RC, $(show)"
cni DEL "" "$(conf)"
rxl_ok "CNI_ARGS RXLANE_DEFAULT replaces the default (config's and runtimeConfig's)"

# Bad overrides: refused with their codes, nothing made.
bad() {
	cni ADD "$1" "$(conf "$2")"
	[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = "$3" ] ||
		rxl_fail "ADD with $1 $2: exit $RC, $OUT (want code $3)"
	[ "$(conts)" = 0 ] || rxl_fail "ADD with $1 $2 made a container"
}
bad ";RXLANE_DEFAULT=maybe" . 4
bad "" '.runtimeConfig = {rxlanePolicy: []}' 7
bad "" '.runtimeConfig = {rxlanePolicy: {deny: 1}}' 7
bad "" '.runtimeConfig = {rxlanePolicy: {rules: "allow"}}' 7
bad "" '.runtimeConfig = {rxlanePolicy: {rules: ["allow proto sctp"]}}' 7
bad "" '.runtimeConfig = {rxlanePolicy: {default: "maybe"}}' 7
rxl_ok "6 bad overrides refused (codes 4 and 7), nothing made"
exit 0
