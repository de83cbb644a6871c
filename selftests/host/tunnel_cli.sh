#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CLI side of issue 13's tunnel items: addresses no container can have
# (the VTEP's own, unspecified, broadcast, loopback, multicast) and a VTEP
# on a container's address are refused with exit 2 and a message naming
# the address and why, in commands and in policy files; VXLAN and GENEVE
# on one UDP port are refused; VNI lists are parsed, shown and changed.
# After every refusal the configuration is exactly what it was.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init tcli
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
NS=rxl-tcli-$RXL_ID
rxl_veth_ns "$NS"

cli() { rxl_in "$NS" "$@" >/dev/null || rxl_fail "setup: rxlane $*"; }
cli attach v0
cli vtep add 10.0.0.2
cli vtep add fd0f::2
cli vni add 100
cli container add web ip 10.200.0.2 ip fd00::2 vni 100,geneve:200,nvgre:7
cli container add db ip 10.200.0.3

BEFORE=$(rxl_state "$NS")

# exit | text the message must contain | arguments (a bad value is 1,
# an address no container may have 2, as the issue asks)
TABLE="
2|address '10.0.0.2' is a VTEP's|container add x ip 10.0.0.2
2|address 'fd0f::2' is a VTEP's|container add x ip 10.200.0.9 ip fd0f::2
2|address '0.0.0.0' is the unspecified address|container add x ip 0.0.0.0
2|address '255.255.255.255' is the broadcast address|container add x ip 255.255.255.255
2|address '127.0.0.1' is a loopback address|container add x ip 127.0.0.1
2|address '127.3.2.1' is a loopback address|container add x ip 127.3.2.1
2|address '224.0.0.5' is a multicast address|container add x ip 224.0.0.5
2|address '239.255.0.1' is a multicast address|container add x ip 239.255.0.1
2|address '::' is the unspecified address|container add x ip ::
2|address '::1' is the loopback address|container add x ip ::1
2|address 'ff02::1' is a multicast address|container add x ip ff02::1
2|address '10.200.0.2' belongs to container 'web'|vtep add 10.200.0.2
2|address 'fd00::2' belongs to container 'web'|vtep add fd00::2 type vxlan
2|port 4789 is VXLAN's|vtep add 10.0.0.9 type geneve port 4789
2|port 6081 is GENEVE's|vtep add 10.0.0.9 type vxlan port 6081
1|bad tunnel type 'gre'|container add x ip 10.200.0.9 vni gre:5
1|bad VNI '16777216'|container add x ip 10.200.0.9 vni 16777216
1|VNI 'vxlan:100' given twice|container add x ip 10.200.0.9 vni 100,vxlan:100
1|at most 8 per container|container add x ip 10.200.0.9 vni 1,2,3,4,5,6,7,8,9
1|bad VNI list ''|container set web vni %EMPTY%
2|unknown keyword 'colour'|container set web colour red
"

rxl_refusals "$NS" <<< "$TABLE"
n=$RXL_N
rxl_ok "$n refusals: exit status, address or word named, JSON error, state unchanged"

# The same refusals in policy files, JSON and YAML.
DIR=$(mktemp -d /tmp/rxl-tcli.XXXXXX)
trap 'rm -rf "$DIR"; rxl_cleanup' EXIT
cat > "$DIR/vtep.json" <<'EOF'
{"containers": [{"name": "web", "ips": ["10.200.0.2", "10.0.0.2"]}]}
EOF
cat > "$DIR/loop.yaml" <<'EOF'
containers:
  - name: web
    ips: [10.200.0.2, 127.0.0.1]
EOF
cat > "$DIR/mcast.json" <<'EOF'
{"containers": [{"name": "web", "ips": ["ff05::2"], "vni": "100"}]}
EOF
for f in vtep.json:10.0.0.2 loop.yaml:127.0.0.1 mcast.json:ff05::2; do
	file=${f%%:*} addr=${f#*:}
	err=$(rxl_in "$NS" policy apply "$DIR/$file" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] || rxl_fail "policy $file: exit $rc, want 2 ($err)"
	case "$err" in
	*"address '$addr'"*) ;;
	*) rxl_fail "policy $file: message '$err' does not name $addr" ;;
	esac
	[ "$(rxl_state "$NS")" = "$BEFORE" ] || rxl_fail "policy $file changed the configuration"
done
rxl_ok "policy files with such addresses refused (exit 2), nothing changed"

# VNI lists: shown in text and JSON, changed by container set, and kept
# through a policy apply that names them.
rxl_in "$NS" container show web | grep -q " vni 100,geneve:200,nvgre:7$" ||
	rxl_fail "container show: $(rxl_in "$NS" container show web | head -1)"
rxl_in "$NS" -j container show web | jq -e \
	'.container.vnis == [{"type":"vxlan","vni":100},{"type":"geneve","vni":200},{"type":"nvgre","vni":7}]' \
	>/dev/null || rxl_fail "container show -j: vnis"
rxl_in "$NS" -j container show db | jq -e '.container.vnis == []' \
	>/dev/null || rxl_fail "db: vnis not empty"
cli container set web vni geneve:5 default drop
rxl_in "$NS" container list | grep -q "^web .*default drop.* vni geneve:5$" ||
	rxl_fail "container set vni: $(rxl_in "$NS" container list)"
cli container set web vni none
rxl_in "$NS" container list | grep -q "^web .* vni" &&
	rxl_fail "container set vni none left VNIs"
cat > "$DIR/ok.json" <<'EOF'
{"containers": [{"name": "web", "ips": ["10.200.0.2", "fd00::2"],
                 "vni": "nvgre:300,100"}]}
EOF
cli policy apply "$DIR/ok.json"
rxl_in "$NS" container list | grep -q "^web .* vni nvgre:300,100$" ||
	rxl_fail "policy vni: $(rxl_in "$NS" container list)"
rxl_ok "VNI lists shown, changed and applied from a policy file"

echo "PASS: unusable container addresses and tunnel ports refused; VNI lists"
exit 0
