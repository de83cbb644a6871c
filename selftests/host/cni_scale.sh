#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni's ADD finds names, addresses and a free id through the
# records' index (cli_index, Documentation/cni.rst "State"), not by
# reading every container: the container records one ADD reads
# (RXLANE_CNI_DEBUG's count) are the same with 0 and with N containers
# present. The index answers right: a name or an address of a container
# made by 'policy apply' or by hand is refused (code 103, nothing made),
# the lowest free id is taken, an id freed by 'container del' is taken
# again, and a removed index is made anew from the records. ADD does not
# dump the links of its netns (cli_bpffs_bind() at the lock).
source "$(dirname "$0")/lib.sh"

CNI=$RXL_TOP/user/rxlane-cni
rxl_init cniscale
[ -x "$CNI" ] || rxl_fail "$CNI not built"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }

N=${N:-300}
SUF=$RANDOM
NS=sc-$SUF
rxl_netns "$NS"
ip -n "$NS" link add eth0 type veth peer name p0 || rxl_fail "veth"
ip -n "$NS" link set eth0 up

# conf ADDR: a config with 10 rules and ADDR (a /16) in prevResult.
conf() {
	jq -nc --arg pin "$RXLANE_PIN_DIR" --arg ns "/run/netns/$NS" \
		--arg a "$1" \
		'{cniVersion: "1.0.0", name: "scale", type: "rxlane-cni",
		  pinDir: $pin,
		  policy: {default: "drop", rules: [range(10) |
			{action: "allow", proto: "tcp", from: "10.1.\(.).0/24",
			 dport: 80}]},
		  prevResult: {cniVersion: "1.0.0",
			interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{address: $a, interface: 0}]}}'
}
# cni CMD POD ADDR: RC, OUT (stdout), READ (container records read).
cni() {
	local err

	err=$(mktemp)
	OUT=$(RXLANE_CNI_DEBUG=1 CNI_COMMAND=$1 CNI_CONTAINERID=sc$SUF \
		CNI_IFNAME=eth0 CNI_NETNS=/run/netns/$NS \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=$2" \
		"$CNI" <<< "$(conf "$3")" 2>"$err")
	RC=$?
	READ=$(sed -n 's/.*container records read \([0-9]*\),.*/\1/p' "$err")
	DUMPS=$(sed -n 's/.*link dumps \([0-9]*\),.*/\1/p' "$err")
	WALKED=$(sed -n 's/.*addresses walked \([0-9]*\),.*/\1/p' "$err")
	KEYS=$(sed -n 's/.*rule keys walked \([0-9]*\),.*/\1/p' "$err")
	WORDS=$(sed -n 's/.*slot words read \([0-9]*\),.*/\1/p' "$err")
	CHECKS=$(sed -n 's/.*program checks \([0-9]*\)$/\1/p' "$err")
	VISITS="addresses $WALKED, rule keys $KEYS, slot words $WORDS"
	rm -f "$err"
}
NAME=pod-sc$SUF
conts() { "$RXL_CLI" -j container list | jq '.containers | length'; }
id_of() {
	"$RXL_CLI" -j container show "$1" 2>/dev/null | jq -r '.container.id'
}

cni ADD pod 10.99.0.2/16
[ "$RC" = 0 ] || rxl_fail "ADD with no container present: exit $RC: $OUT"
READ0=$READ WALK0=$WALKED
[ -n "$READ0" ] || rxl_fail "no RXLANE_CNI_DEBUG line on stderr"
[ -n "$WORDS" ] || rxl_fail "no fast-path visit counts on stderr"
[ "$(id_of "$NAME")" = 0 ] ||
	rxl_fail "first container has id $(id_of "$NAME"), want 0"
# The first change made the fast path's index (of nothing): measure again.
cni DEL pod 10.99.0.2/16
[ "$RC" = 0 ] || rxl_fail "DEL: exit $RC: $OUT"
cni ADD pod 10.99.0.2/16
ADD0=$VISITS
ip -n "$NS" -d link show dev eth0 | grep -q 'prog/xdp' ||
	rxl_fail "ADD attached no XDP program to eth0"
cni DEL pod 10.99.0.2/16
[ "$RC" = 0 ] || rxl_fail "DEL: exit $RC: $OUT"
DEL0=$VISITS
# DEL knows the program on eth0 by the pinned program's id: no read of
# every map of it (cli_is_rxlane()), and it is gone all the same.
[ "$CHECKS" = 0 ] ||
	rxl_fail "DEL checked $CHECKS programs by their maps (want 0: the pinned id)"
ip -n "$NS" -d link show dev eth0 | grep -q 'prog/xdp' &&
	rxl_fail "DEL left an XDP program on eth0"
tc -n "$NS" filter show dev eth0 egress | grep -q rxlane &&
	rxl_fail "DEL left a tc program on eth0"
rxl_ok "DEL detaches by the pinned program's id, no program read ($VISITS)"

# N containers by one policy file (ids 0..N-1), one made by hand.
POL=$(mktemp)
jq -n --argjson n "$N" '{schema: 1, containers: [range($n) |
	{name: "p\(.)", ips: ["10.98.\(. / 250 | floor).\(. % 250 + 2)"],
	 default: "drop", rules: ["allow proto tcp dport 22",
				  "allow proto udp from 10.2.0.0/16"]}]}' > "$POL"
"$RXL_CLI" policy apply "$POL" >/dev/null ||
	{ rm -f "$POL"; rxl_fail "policy apply of $N containers"; }
rm -f "$POL"
"$RXL_CLI" container add "$NAME" ip 10.97.0.9 >/dev/null ||
	rxl_fail "container add $NAME"

cni ADD pod 10.99.0.2/16
[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = 103 ] ||
	rxl_fail "ADD of a name 'container add' made: exit $RC, $OUT (want 103)"
"$RXL_CLI" container del "$NAME" >/dev/null || rxl_fail "container del"
cni ADD pod 10.98.0.9/16
[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = 103 ] &&
	echo "$OUT" | jq -r .msg | grep -q "belongs to container 'p7'" ||
	rxl_fail "ADD of p7's address: exit $RC, $OUT (want 103, p7's)"
[ "$(conts)" = "$N" ] || rxl_fail "a refused ADD left $(conts) containers, want $N"
rxl_ok "a name and an address of present containers refused (103), nothing made"

cni ADD pod 10.99.0.2/16
[ "$RC" = 0 ] || rxl_fail "ADD with $N present: exit $RC: $OUT"
[ "$READ" = "$READ0" ] ||
	rxl_fail "ADD read $READ container records with $N present, $READ0 with none"
[ "$(id_of "$NAME")" = "$N" ] ||
	rxl_fail "ADD with ids 0-$((N - 1)) taken got id $(id_of "$NAME"), want $N"
rxl_ok "ADD reads $READ container records with $N present and with none"
# The fast path's index: one container's entries, whatever is present.
[ "$VISITS" = "$ADD0" ] ||
	rxl_fail "ADD with $N present visited $VISITS; with none $ADD0"
rxl_ok "ADD visits the same fast-path entries with $N present and with none ($VISITS)"
# The lock's bind of the records dumps every link of the netns (a host
# veth per container in a bridge layout): the plugin skips it.
[ "$DUMPS" = 0 ] || rxl_fail "ADD dumped the links $DUMPS times (want 0)"
rxl_ok "ADD dumps no links (cli_bpffs_bind() skipped)"
cni DEL pod 10.99.0.2/16
[ "$RC" = 0 ] || rxl_fail "DEL: exit $RC: $OUT"
[ "$VISITS" = "$DEL0" ] ||
	rxl_fail "DEL with $N present visited $VISITS; with none $DEL0"
rxl_ok "DEL visits the same fast-path entries with $N present and with none ($VISITS)"

# A freed id is taken again: the lowest free one.
"$RXL_CLI" container del p5 >/dev/null || rxl_fail "container del p5"
cni ADD pod 10.98.0.7/16
[ "$RC" = 0 ] || rxl_fail "ADD of p5's old address: exit $RC: $OUT"
[ "$(id_of "$NAME")" = 5 ] ||
	rxl_fail "ADD after p5 (id 5) went got id $(id_of "$NAME"), want 5"
cni DEL pod 10.98.0.7/16
rxl_ok "the id and the address of a deleted container are taken again"

# The index removed (a pin directory of an older build): made anew.
rm "$RXLANE_PIN_DIR/cli_index" || rxl_fail "no cli_index pin"
cni ADD pod 10.98.1.2/16
[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = 103 ] ||
	rxl_fail "ADD of p250's address after the index went: exit $RC, $OUT"
[ -e "$RXLANE_PIN_DIR/cli_index" ] || rxl_fail "the index was not made anew"
cni ADD pod 10.99.0.2/16
[ "$RC" = 0 ] && [ "$(id_of "$NAME")" = 5 ] ||
	rxl_fail "ADD after the index went: exit $RC, id $(id_of "$NAME") (want 5)"
cni DEL pod 10.99.0.2/16
[ "$(conts)" = $((N - 1)) ] || rxl_fail "$(conts) containers left, want $((N - 1))"
rxl_ok "a removed index is made anew from the records"
exit 0
