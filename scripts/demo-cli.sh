#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A walk through the rxlane CLI on the host (run as root, after make all):
# a container namespace reached over VXLAN, the XDP fast path attached on
# the receiving side, two rules, one connection allowed and one refused,
# then the counters. Everything lives in namespaces and a bpffs of its own
# and is removed at the end.
#
#   sender ns: vxlan VNI 100 --- veth --- receiver ns: r0 [rxlane XDP]
#                                           |  routes to the container
#                                         container ns: 10.200.0.2
set -u
. "$(dirname "$0")/../selftests/host/lib.sh"
rxl_init demo
export PATH=$RXL_TOP/user:$PATH

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() {	# show and run an rxlane command on the receiver
	printf '$ %s\n' "$*"
	ip netns exec "$RXL_R" "$@"
}

say "Three namespaces: a sender with a VXLAN device, a receiver, a container"
rxl_topo
echo "sender 10.100.0.1 (vxlan VNI 100 to 10.0.0.2) -> receiver r0 -> container 10.200.0.2"

say "Attach the fast path to the receiver's device"
run rxlane attach r0
run rxlane status

say "Decapsulate VXLAN sent to our address, VNI 100"
run rxlane vtep add 10.0.0.2 type vxlan
run rxlane vni add 100

say "A container with a default policy of drop, and two rules"
run rxlane container add web ip 10.200.0.2 default drop
run rxlane fw add web allow proto tcp from 10.100.0.0/24 dport 80 comment http
run rxlane fw add web drop proto tcp dport 22 prio 10 comment "no ssh"
run rxlane fw list

say "The container listens on ports 80 and 22"
rxl_tcp_server 80 22

say "TCP to port 80 over VXLAN: allowed by rule 1"
if rxl_connect 80; then echo "connected to 10.200.0.2:80"; else echo "REFUSED (unexpected)"; fi
say "TCP to port 22 over VXLAN: dropped by rule 2"
if rxl_connect 22 2; then echo "connected (unexpected)"; else echo "no answer: dropped by the fast path"; fi

say "The counters: per container, per rule, drops by reason"
run rxlane stats
run rxlane -p stats web

say "The same configuration as a policy file"
POLICY=$(mktemp /tmp/rxl-demo.XXXXXX.yaml)
cat > "$POLICY" <<'EOF'
containers:
  - name: web
    ips: [10.200.0.2]
    default: drop
    rules:
      - {action: allow, proto: tcp, from: 10.100.0.0/24, dport: 80, comment: http}
      - {action: allow, proto: tcp, dport: 22, prio: 10, comment: ssh now}
EOF
cat "$POLICY"
run rxlane policy diff "$POLICY"
run rxlane policy apply "$POLICY"
say "Port 22 after the policy: allowed"
if rxl_connect 22; then echo "connected to 10.200.0.2:22"; else echo "REFUSED (unexpected)"; fi
rm -f "$POLICY"

say "Done: the namespaces and the bpffs go away now"
