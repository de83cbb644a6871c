#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CLI's containers with 'nic NIC hw' where no NIC can take them
# (issue 15, Documentation/hwfilter.rst, "The CLI's containers in the
# NIC"). The host has no rxlane module, so the kernel's "rxlane" family is
# missing: every container with hw falls back to XDP, which is no error.
# The command says so (text and -j), the record keeps why, traffic is
# enforced by XDP exactly as without hw, 'fw add' and 'container set' say
# it again, a command killed between the fast path and the NIC leaves a
# state 'check --repair' finishes, 'container del' leaves nothing, and bad
# input is refused with nothing changed. The VM test hwfilter_cli.py does
# the same on rxlane's NIC, where the NIC takes them.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init hwcli
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
SCHEMA=$RXL_TOP/Documentation/rxlane-cli.schema.json
NOFAM="no generic netlink family 'rxlane'"
TMP=$(mktemp -d /tmp/rxl-hw.XXXXXX)
trap 'rxl_cleanup; rm -rf "$TMP"' EXIT

rxl_topo
RXL_NS=$RXL_R
cli() { rxl_in "$RXL_R" "$@" || rxl_fail "rxlane $*"; }
clij() { rxl_in "$RXL_R" -j "$@" || rxl_fail "rxlane -j $*"; }
# valid DEF ARGS...: 'rxlane -j ARGS' printed a document of $defs DEF.
valid() {
	local def=$1 doc err

	shift
	doc=$(clij "$@")
	err=$(printf '%s\t%s\t%s\n' "$def" "$*" "$doc" |
		python3 "$RXL_TOP/selftests/host/cli_schema.py" "$SCHEMA") ||
		rxl_fail "-j $*: not a $def document: $err"
	printf '%s\n' "$doc"
}
cli attach r0
cli vtep add 10.0.0.2 type vxlan
cli vni add 100

# ---- bad input: refused, the configuration unchanged --------------------
rxl_refusals "$RXL_R" <<'EOF'
2|hw needs the NIC: nic NIC hw|container add x ip 10.200.0.9 hw
2|nic h0 without hw|container add x ip 10.200.0.9 nic h0
1|no NIC 'nosuch'|container add x ip 10.200.0.9 nic nosuch hw
1|no NIC|container add x ip 10.200.0.9 nic abcdefghijklmnopq hw
2|cpus are the NIC's|container add x ip 10.200.0.9 cpus 0
1|bad CPU list '64'|container add x ip 10.200.0.9 nic h0 cpus 64 hw
1|bad CPU list '1-0'|container add x ip 10.200.0.9 nic h0 cpus 1-0 hw
2|'nic' needs a value|container add x ip 10.200.0.9 nic
1|no container 'ghost'|container set ghost hw on
1|an out rule belongs to 'rxlane fw add'|hw rule add x out allow proto tcp to 10.0.0.0/8 dport 80
EOF
rxl_ok "$RXL_N bad inputs refused, nothing changed"

# ---- add: the fallback is reported, not an error --------------------------
out=$(rxl_in "$RXL_R" container add web ip 10.200.0.2 vni 100 default drop \
	cpus 0 nic h0 hw 2>"$TMP/err") || rxl_fail "container add ... hw failed: $out"
[ "$out" = "web hw fallback ($NOFAM (is rxlane.ko loaded?))" ] ||
	rxl_fail "container add ... hw printed '$out'"
grep -q "container 'web': enforced by XDP alone: $NOFAM" "$TMP/err" ||
	rxl_fail "no note on stderr: $(cat "$TMP/err")"
doc=$(valid container_add container add db ip 10.200.0.3 nic h0 hw 2>/dev/null)
echo "$doc" | jq -e --arg r "$NOFAM" '.container.hw == "fallback" and
	(.container.hw_reason | startswith($r))' >/dev/null ||
	rxl_fail "container add -j: $doc"
rxl_ok "container add ... nic h0 hw: fallback reported (text, stderr, -j)"

doc=$(valid container_show container show web)
echo "$doc" | jq -e '.container | .nic == "h0" and .cpus == "0" and
	.hw == "fallback" and (.hw_reason | length > 0)' >/dev/null ||
	rxl_fail "container show -j: $doc"
cli container show web | grep -q " cpus 0 nic h0 hw fallback ($NOFAM" ||
	rxl_fail "container show: $(cli container show web)"
valid container_list container list >/dev/null
rxl_ok "the record keeps nic, cpus and why it fell back"

# ---- fw add: the NIC is tried again, the fast path takes the rule ---------
out=$(cli fw add web allow proto tcp dport 80 2>/dev/null)
[ "$out" = "handle 1
web hw fallback ($NOFAM (is rxlane.ko loaded?))" ] ||
	rxl_fail "fw add on a hw container printed '$out'"
doc=$(valid fw_add fw add web allow proto tcp dport 8080 2>/dev/null)
echo "$doc" | jq -e '.handle == 2 and .hw == "fallback"' >/dev/null ||
	rxl_fail "fw add -j: $doc"
doc=$(valid done fw del web handle 2 2>/dev/null)
echo "$doc" | jq -e '.hw == "fallback"' >/dev/null || rxl_fail "fw del -j: $doc"
rxl_ok "fw add|del on a hw container: the fallback said again"

# ---- traffic: XDP enforces exactly as the rules say ----------------------
rxl_tcp_server 80 22
rxl_connect 80 || rxl_fail "port 80 (allowed) refused"
rxl_cli_refused 22 web default || rxl_fail "port 22 (default drop): $RXL_WHY"
rxl_ok "fallback: XDP allows port 80 and drops port 22 by default"

# ---- hw list: the host has no family --------------------------------------
err=$(rxl_in "$RXL_R" hw list 2>&1 >/dev/null) && rxl_fail "hw list passed"
[ "$err" = "rxlane: $NOFAM (is rxlane.ko loaded?)" ] ||
	rxl_fail "hw list said '$err'"
err=$(rxl_in "$RXL_R" -j hw list 2>&1 >/dev/null)
echo "$err" | jq -e --arg r "$NOFAM" '.error.exit == 1 and
	(.error.message | startswith($r))' >/dev/null ||
	rxl_fail "hw list -j: '$err'"
rxl_ok "hw list: '$NOFAM'"

# ---- container set: hw off and on ----------------------------------------
out=$(cli container set web hw off 2>&1)
[ -z "$out" ] || rxl_fail "container set hw off printed '$out'"
cli container show web | grep -q " nic \| hw " &&
	rxl_fail "hw off left the NIC: $(cli container show web)"
doc=$(valid done container set web nic h0 hw on 2>/dev/null)
echo "$doc" | jq -e '.hw == "fallback"' >/dev/null ||
	rxl_fail "container set hw on -j: $doc"
rxl_ok "container set hw off|on"

# ---- check: consistent; a kill between the fast path and the NIC ---------
cli check >/dev/null
# The add's map changes, the last is the intent's removal: killed after
# the one before the NIC's record (the fast path is done, the NIC not).
n=$(rxl_shim_count "$TMP/count" -- container add k ip 10.200.0.7 nic h0 hw 2>/dev/null)
cli container del k
rxl_shim_run RXLANE_CRASH_AT=$((n - 2)) -- container add k ip 10.200.0.7 \
	nic h0 hw >/dev/null 2>&1 && rxl_fail "the crash point was not reached"
out=$(rxl_in "$RXL_R" check 2>&1) && rxl_fail "check passed a killed add: $out"
echo "$out" | grep -q "container 'k': an interrupted change\|container 'k': its NIC step was not finished" ||
	rxl_fail "check after a killed add: $out"
# The next command to take the lock finishes it, NIC step included.
cli vni add 300
cli container show k | grep -q " nic h0 hw fallback ($NOFAM" ||
	rxl_fail "after the next command: $(cli container show k)"
cli check >/dev/null
cli container del k
rxl_shim_run RXLANE_CRASH_AT=$((n - 2)) -- container add k ip 10.200.0.7 \
	nic h0 hw >/dev/null 2>&1 && rxl_fail "the crash point was not reached"
out=$(rxl_in "$RXL_R" check --repair 2>&1) || rxl_fail "check --repair: $out"
cli container show k | grep -q " nic h0 hw fallback ($NOFAM" ||
	rxl_fail "after repair: $(cli container show k)"
cli check >/dev/null
rxl_ok "a kill between the fast path and the NIC: check finds it, the next command or --repair finishes it"

# ---- policy files: nic, hw, cpus round trip -----------------------------
cli policy export "$TMP/p.json" >/dev/null 2>&1
jq -e '.containers[] | select(.name == "web") | .nic == "h0" and .hw == true' \
	"$TMP/p.json" >/dev/null || rxl_fail "export: $(cat "$TMP/p.json")"
jq -e '.containers[] | select(.name == "k") | .hw == true' \
	"$TMP/p.json" >/dev/null || rxl_fail "export lacks k"
jq '(.containers[] | select(.name == "k")) |= (.hw = false | del(.nic))' \
	"$TMP/p.json" > "$TMP/p2.json"
out=$(cli policy diff "$TMP/p2.json")
[ "$out" = "~ container k default allow ip 10.200.0.7" ] || rxl_fail "diff: $out"
doc=$(valid policy policy apply "$TMP/p2.json" 2>/dev/null)
echo "$doc" | jq -e '[.hw_containers[].name] | sort == ["db", "web"]' >/dev/null ||
	rxl_fail "apply without k's hw: want web and db reported: $doc"
cli container show k | grep -q " hw " && rxl_fail "apply left k's hw"
out=$(cli policy diff "$TMP/p.json")
[ "$out" = "~ container k default allow ip 10.200.0.7 nic h0 hw" ] ||
	rxl_fail "diff back: $out"
# The apply says, for each container of the file with hw, whether the NIC
# holds it or why it fell back, as container add does.
doc=$(valid policy policy apply "$TMP/p.json" 2>/dev/null)
echo "$doc" | jq -e --arg why "$NOFAM" '([.hw_containers[].name] | sort ==
	["db", "k", "web"]) and all(.hw_containers[]; .hw == "fallback" and
	(.hw_reason | contains($why)))' >/dev/null ||
	rxl_fail "apply -j does not report the fallbacks of web, db and k: $doc"
cli policy apply "$TMP/p2.json" >/dev/null 2>&1
out=$(rxl_in "$RXL_R" policy apply "$TMP/p.json" 2>/dev/null)
echo "$out" | grep -q "^k hw fallback (.*$NOFAM" ||
	rxl_fail "apply's text does not report k's fallback: $out"
cli container show k | grep -q " nic h0 hw fallback" ||
	rxl_fail "apply did not give k hw: $(cli container show k)"
out=$(cli policy diff "$TMP/p.json")
[ -z "$out" ] || rxl_fail "diff after apply: $out"
echo '{"schema": 1, "containers": [{"name": "z", "ips": ["10.200.0.9"], "hw": "yes"}]}' > "$TMP/bad.json"
out=$(rxl_in "$RXL_R" policy apply "$TMP/bad.json" 2>&1) &&
	rxl_fail "hw: \"yes\" applied"
echo "$out" | grep -q "'hw' must be true or false" || rxl_fail "bad hw: $out"
rxl_ok "policy files: nic and hw exported, diffed, applied (-j and text say which fell back and why); bad hw refused"

# ---- del leaves nothing --------------------------------------------------
for n in web db k; do
	cli container del "$n"
done
[ "$(clij container list | jq '.containers | length')" = 0 ] ||
	rxl_fail "containers left"
cli check >/dev/null
rxl_ok "container del: nothing left, check consistent"
echo "PASS: containers with nic NIC hw fall back to XDP where the NIC cannot take them"
