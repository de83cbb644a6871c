#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane policy export [FILE] writes a policy file that policy apply reads
# back to the same configuration: VTEPs (addresses, tunnel types), the UDP
# ports, the known VNIs and every container (addresses, VNI bindings,
# device and its MAC, default and egress default policies, every rule with
# its direction, priority and comment, the ct timeouts).
#  - export -> apply -> export is byte-identical;
#  - the configuration is rebuilt from the file alone (detach, pins
#    removed, attach, apply), and over a configuration that differs in
#    every part: each -j listing equals the original field by field
#    (handles and container ids are the file's to renumber, nothing else);
#  - a file with tunnels that the fast path refuses halfway (a container
#    with too many source shapes, after a VTEP the file drops was
#    deleted) leaves the tunnels as they were too;
#  - a container on one of the file's VTEP addresses is refused (exit 2).
set -u
. "$(dirname "$0")/lib.sh"
rxl_init export
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
NS=rxl-exp-$RXL_ID
rxl_veth_ns "$NS"
DIR=$(mktemp -d /tmp/rxl-export.XXXXXX)
trap 'rm -rf "$DIR"; rxl_cleanup' EXIT

cli() { rxl_in "$NS" "$@" >/dev/null || rxl_fail "rxlane $*"; }
# listings: the configuration as -j listings; handles and container ids
# are numbers a policy file does not carry, so they are left out, and
# VTEPs are sorted (each address is matched exactly: the slot order means
# nothing, and a VTEP put back after a refused file takes the last slot).
listings() {
	local what

	for what in "vtep list" "vni list" "container list" "fw list" \
		    "ct timeout"; do
		rxl_in "$NS" -j $what | jq -S 'del(.. | .handle?, .id?) |
			if .vteps then .vteps |= sort_by(.addr) else . end' ||
			echo "listing: $what failed"
	done
}
# same_as WANT WHAT: the listings equal WANT, field by field.
same_as() {
	local got

	got=$(listings)
	[ "$got" = "$1" ] ||
		rxl_fail "$2: listings differ: $(diff <(echo "$1") <(echo "$got") | head -20)"
}

cli attach v0
cli vtep add 10.0.0.2
cli vtep add fd0f::2 type vxlan,nvgre
cli vtep add 10.0.0.3 type geneve port 6082
cli vtep add 10.0.0.4 type vxlan port 4790
cli vni add 100
cli vni add 16777215
cli vni add 300 type nvgre
cli vni add 7 type geneve
cli container add web ip 10.200.0.2 ip fd00::2 default drop vni 100,geneve:7
cli container add db ip 10.200.0.3 dev v1 egress-default drop mac 02:00:00:00:00:0d
cli container add bare ip fd00::9
cli fw add web allow proto tcp from 10.100.0.0/24 dport 80 prio 10 comment "two words"
cli fw add web allow proto udp dport 1000-2000
cli fw add web drop from fd00:1::/64 prio 5
cli fw add web allow proto icmp
cli fw add web allow proto tcp dport 443 prio 10
cli fw add web drop proto tcp dport 22 comment gone
cli fw del web handle 6
cli fw add web allow from 192.0.2.0/24 prio 4294967295 comment last
cli fw add db drop proto tcp dport 22
cli fw add db allow proto any dport 0-65535 prio 7
cli fw add db out allow proto udp to 10.0.0.53/32 dport 53 comment dns
cli fw add web out drop proto tcp to fd00:5::/64 dport 25 prio 3
cli fw add db out allow proto udp dport 123
cli ct timeout udp 60
cli ct timeout established 3600
ORIG=$(listings)

rxl_in "$NS" policy export > "$DIR/a.json" || rxl_fail "policy export"
out=$(rxl_in "$NS" policy export "$DIR/b.json") || rxl_fail "export FILE"
[ "$out" = "$DIR/b.json: 3 containers, 11 rules" ] || rxl_fail "export FILE said '$out'"
cmp -s "$DIR/a.json" "$DIR/b.json" || rxl_fail "export to stdout and to FILE differ"
jq -e '(.vteps | length) == 4 and .ports == {"vxlan": 4790, "geneve": 6082}
	and (.vnis | length) == 4 and (.containers | length) == 3
	and .ct_timeouts == {"established": 3600, "udp": 60}
	and ([.containers[] | select(.name == "db")][0].mac == "02:00:00:00:00:0d")
	and ([.containers[].rules[] | select(.direction == "out")] | length) == 3
	and ([.containers[].rules[] | select(.to == "10.0.0.53/32")] | length) == 1
	and ([.containers[].rules[] | select(.direction == "in")] | length) == 0' \
	"$DIR/a.json" >/dev/null || rxl_fail "export lacks a part: $(cat "$DIR/a.json")"
rxl_ok "export: 4 VTEPs, ports, 4 VNIs, 3 containers, 11 rules (3 out), 2 timeouts"

n=$(rxl_in "$NS" -j policy apply "$DIR/a.json" | jq '.changes | length')
[ "$n" = 0 ] || rxl_fail "applying the export changed $n things"
rxl_in "$NS" policy export > "$DIR/c.json" || rxl_fail "export again"
cmp "$DIR/a.json" "$DIR/c.json" || rxl_fail "export -> apply -> export differs"
rxl_ok "export -> apply -> export is byte-identical"

# From the file alone: nothing but the program attached again.
cli detach v0
rm -r "$RXLANE_PIN_DIR"
cli attach v0
[ "$(rxl_in "$NS" -j container list | jq '.containers | length')" = 0 ] ||
	rxl_fail "state survived the removed pins"
cli policy apply "$DIR/a.json"
same_as "$ORIG" "rebuilt from the file"
rxl_in "$NS" policy export > "$DIR/d.json" || rxl_fail "export rebuilt"
cmp "$DIR/a.json" "$DIR/d.json" || rxl_fail "export of the rebuilt state differs"
rxl_ok "rebuilt from the file alone: listings equal, export byte-identical"

# Over a configuration that differs in every part.
cli vtep del 10.0.0.3
cli vtep add 10.0.0.9 type nvgre
cli vtep add 10.0.0.3 type vxlan
cli vtep del 10.0.0.4
cli vtep add 10.0.0.4 type geneve port 6090
cli vni del 300 type nvgre
cli vni add 42
cli container set web default allow vni none
cli container del db
cli container add db ip 10.200.0.8
cli container add extra ip 10.200.0.7 default drop
cli fw flush web
cli fw add web allow proto tcp dport 8080
cli ct timeout udp default
cli ct timeout icmp 9
OTHER=$(listings)
out=$(rxl_in "$NS" -n policy apply "$DIR/a.json") || rxl_fail "-n apply"
case "$out" in
*"- vtep 10.0.0.9 type nvgre"*"~ vtep 10.0.0.3 type geneve"*"~ ports vxlan 4790 geneve 6082"*"- vni 42"*"+ vni nvgre:300"*"~ ct_timeout udp 60"*"~ ct_timeout icmp default"*"would be applied (dry run)"*) ;;
*) rxl_fail "-n policy apply printed: $out" ;;
esac
same_as "$OTHER" "a dry run"
cli policy apply "$DIR/a.json"
same_as "$ORIG" "applied over another configuration"
rxl_ok "applied over another configuration: listings equal"
# A container setting alone (issue 14: the egress default policy, the
# anti-spoofing check's MAC): a change of its own, made in the records and
# the fast path alike. one_change WHAT SETTING...: 'container set db
# SETTING' makes a.json differ by db's line; applying a.json puts it back.
one_change() {
	local what=$1 out

	shift
	cli container set db "$@"
	out=$(rxl_in "$NS" policy diff "$DIR/a.json") || rxl_fail "diff: $what"
	[ "$out" = "~ container db default allow egress-default drop ip 10.200.0.3 dev v1 mac 02:00:00:00:00:0d" ] ||
		rxl_fail "diff of a $what change: '$out'"
	cli policy apply "$DIR/a.json"
	same_as "$ORIG" "$what put back by the file"
	rxl_in "$NS" check >/dev/null || rxl_fail "check after $what: $(rxl_in "$NS" check)"
	rxl_ok "$what: diffed, applied, consistent with the fast path"
}
one_change egress_default egress-default allow
one_change mac mac none
# A rule's direction (issue 14) is part of the rule: the same words the
# other way are another rule.
h=$(rxl_in "$NS" -j fw list db | jq -e '.rules[] | select(.direction == "out"
	and .dport.min == 123) | .handle') || rxl_fail "no out rule for 123"
cli fw del db handle "$h"
cli fw add db in allow proto udp dport 123
out=$(rxl_in "$NS" policy diff "$DIR/a.json") || rxl_fail "diff: direction"
case "$out" in
*"- rule db prio 1000 allow proto udp dport 123"*"+ rule db prio 1000 out allow proto udp dport 123"*) ;;
*) rxl_fail "diff of a direction change: '$out'" ;;
esac
cli policy apply "$DIR/a.json"
same_as "$ORIG" "the out rule put back by the file"
rxl_in "$NS" check >/dev/null || rxl_fail "check after direction: $(rxl_in "$NS" check)"
rxl_ok "direction: diffed, applied, consistent with the fast path"

# A refused file changes no part, its tunnels included.
jq '.vteps |= map(select(.addr != "10.0.0.3"))
    | .vteps += [{"addr": "10.0.0.77", "type": "nvgre"}] | .vnis += ["555"]
    | .ports.vxlan = 4791 | .ct_timeouts = {"icmp": 7}
    | .containers += [{"name": "zz", "ips": ["10.200.0.9"], "rules":
        [range(8; 17) | "drop from 10.0.0.0/\(.)"]}]' "$DIR/a.json" \
	> "$DIR/shapes.json"
err=$(rxl_in "$NS" policy apply "$DIR/shapes.json" 2>&1)
[ $? -eq 1 ] || rxl_fail "a file with 9 shapes applied"
case "$err" in
*"rules of container 'zz'"*) ;;
*) rxl_fail "9 shapes: '$err'" ;;
esac
same_as "$ORIG" "after the refused file"
rxl_ok "refused halfway: VTEPs, ports, VNIs, containers and timeouts as before ($err)"

# Bad values of the egress policy, the rule direction, the MAC and the
# timeouts are refused by check, diff and apply alike, before anything
# changes: exit 1 as for every malformed value (cli.rst, "Exit status"),
# with a message naming the value (compared without case: libcyaml
# words YAML's refusals its own way). Each file also changes web's
# default, so a partial apply would show. JSON, and the same files as
# YAML (JSON's flow style is YAML).
n=0
while IFS='|' read -r want jqf; do
	[ -n "$want" ] || continue
	jq "$jqf | .containers[0].default = \"allow\"" "$DIR/a.json" > "$DIR/bad.json" ||
		rxl_fail "jq $jqf"
	cp "$DIR/bad.json" "$DIR/bad.yaml"
	for f in bad.json bad.yaml; do
		for cmd in check diff apply; do
			err=$(rxl_in "$NS" policy $cmd "$DIR/$f" 2>&1)
			rc=$?
			[ $rc -eq 1 ] ||
				rxl_fail "policy $cmd of $f with $jqf: exit $rc, want 1 ($err)"
			case ${err,,} in
			*"${want,,}"*) ;;
			*) rxl_fail "policy $cmd of $f with $jqf: '$err' lacks '$want'" ;;
			esac
			case $err in
			"rxlane: $DIR/$f: "*) ;;
			*) rxl_fail "policy $cmd of $f with $jqf: '$err' does not name the file first" ;;
			esac
		done
		same_as "$ORIG" "after $f with $jqf"
		n=$((n + 1))
	done
done <<'BAD'
establishd|.ct_timeouts = {"establishd": 5}
bad timeout '0'|.ct_timeouts = {"udp": 0}
bad timeout 'soon'|.ct_timeouts = {"udp": "soon"}
'udp'|.ct_timeouts = {"udp": [1]}
bad timeout '31536001'|.ct_timeouts = {"icmp": 31536001}
ct_timeouts|.ct_timeouts = []
bad egress-default policy 'maybe'|.containers[1].egress_default = "maybe"
egress|.containers[1].egress_default = true
'sideways'|.containers[1].rules[0].direction = "sideways"
container 'db' rule 1:|.containers[1].rules[0].direction = "sideways"
an out rule names its peer with 'to PREFIX', not 'from'|.containers[1].rules |= map(if .direction == "out" then .from = "10.0.0.0/8" else . end)
an in rule names its peer with 'from PREFIX', not 'to'|.containers[1].rules[0] = {"action": "allow", "to": "10.0.0.0/8"}
bad MAC '02:00:00:00:00'|.containers[1].mac = "02:00:00:00:00"
is a multicast address|.containers[1].mac = "03:00:00:00:00:0d"
mac|.containers[1].mac = 2
BAD
rxl_ok "$n bad files (egress policy, rule direction, MAC, timeouts; JSON and YAML) refused by check, diff and apply, nothing changed"

# The timeouts are an apply's last write: when it fails, the containers
# changed before it are put back (crash_at.so fails that update).
RXL_NS=$NS
jq '.ct_timeouts = {"icmp": 7} | .containers |= map(select(.name != "bare"))' \
	"$DIR/a.json" > "$DIR/ctfail.json"
n=$(rxl_shim_count "$DIR/count" RXLANE_FAIL_SKIP=rxl_acache -- \
	policy apply "$DIR/ctfail.json")
cli policy apply "$DIR/a.json"
same_as "$ORIG" "a.json applied again"
out=$(rxl_shim_run RXLANE_FAIL_AT="$n" RXLANE_FAIL_SKIP=rxl_acache -- \
	policy apply "$DIR/ctfail.json" 2>&1) &&
	rxl_fail "apply with its last update ($n) failing succeeded: $out"
grep -q "writing the timeouts" <<< "$out" ||
	rxl_fail "update $n of the apply is not the timeouts': $out"
same_as "$ORIG" "the timeouts' write failing"
rxl_ok "the timeouts' write failing: the container deleted before it is back ($out)"

jq '.vteps += [{"addr": "10.200.0.2"}]' "$DIR/a.json" > "$DIR/onvtep.json"
err=$(rxl_in "$NS" policy apply "$DIR/onvtep.json" 2>&1)
rc=$?
[ $rc -eq 2 ] || rxl_fail "a container on a VTEP of the file: exit $rc ($err)"
case "$err" in
*"address '10.200.0.2' is a VTEP's"*) ;;
*) rxl_fail "container on a VTEP of the file: '$err'" ;;
esac
same_as "$ORIG" "after the refused VTEP"
rxl_ok "a container on one of the file's VTEPs refused"

# YAML takes the tunnel keys too. JSON's flow style is YAML: the export
# read as a .yaml file rebuilds everything over another configuration.
cp "$DIR/a.json" "$DIR/a.yaml"
cli vtep del 10.0.0.3
cli vni add 42
cli container set web default allow vni none
cli policy apply "$DIR/a.yaml"
same_as "$ORIG" "the export applied as YAML"
rxl_in "$NS" policy export > "$DIR/e.json" || rxl_fail "export after YAML"
# (A VTEP put back takes the last slot: compare VTEPs as a set.)
vsort() { jq -S '.vteps |= sort_by(.addr)' "$1"; }
[ "$(vsort "$DIR/a.json")" = "$(vsort "$DIR/e.json")" ] ||
	rxl_fail "export -> YAML apply -> export differs: $(diff "$DIR/a.json" "$DIR/e.json" | head -20)"
# Block style, and empty lists: no VTEP, no VNI is a state too.
cat > "$DIR/t.yaml" <<'YAML'
schema: 1
vteps:
  - addr: 10.0.0.5
    type: vxlan,geneve
  - addr: fd0f::5
ports:
  vxlan: 4791
  geneve: 6083
vnis:
  - 100
  - geneve:7
ct_timeouts:
  icmp: 5
containers:
  - name: web
    ips: [10.200.0.2]
    egress_default: drop
YAML
cat > "$DIR/t.json" <<'JSON'
{"schema": 1, "vteps": [{"addr": "10.0.0.5", "type": "vxlan,geneve"},
  {"addr": "fd0f::5"}], "ports": {"vxlan": 4791, "geneve": 6083},
 "vnis": ["100", "geneve:7"], "ct_timeouts": {"icmp": 5},
 "containers": [{"name": "web", "ips": ["10.200.0.2"],
   "egress_default": "drop"}]}
JSON
cli policy apply "$DIR/t.yaml"
[ "$(rxl_in "$NS" -j container list | jq -r ".containers[0].egress_default")" = drop ] ||
	rxl_fail "YAML egress_default: $(rxl_in "$NS" container list)"
out=$(rxl_in "$NS" policy diff "$DIR/t.json") || rxl_fail "policy diff t.json"
[ -z "$out" ] || rxl_fail "t.yaml applied differs from t.json: $out"
[ "$(rxl_in "$NS" -j vtep list | jq -c '[.vteps[].addr] | sort')" = '["10.0.0.5","fd0f::5"]' ] ||
	rxl_fail "YAML vteps: $(rxl_in "$NS" vtep list)"
printf 'vteps: []\nvnis: []\ncontainers: []\n' > "$DIR/none.yaml"
cli policy apply "$DIR/none.yaml"
[ "$(rxl_in "$NS" -j vtep list | jq '.vteps | length')" = 0 ] &&
[ "$(rxl_in "$NS" -j vni list | jq '.vnis | length')" = 0 ] ||
	rxl_fail "YAML 'vteps: []' and 'vnis: []' left: $(rxl_in "$NS" vtep list; rxl_in "$NS" vni list)"
rxl_ok "YAML: vteps, ports, vnis, ct_timeouts and egress_default as in JSON (flow and block style, empty lists)"

echo "PASS: policy export round trip"
exit 0
