#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni under podman 4.3 with its CNI backend (Documentation/cni.rst):
# private --root, --runroot and CNI config dir (the host's own podman and
# CNI configuration stay untouched), a busybox-static rootfs made here, a
# conflist of bridge + host-local + rxlane-cni (default drop, TCP 8080
# allowed). A container serving on 8080 and 8081: from the host 8080
# connects and 8081 is refused, proven by the container's drop counter
# rising while the connect has not succeeded; from inside, an outbound
# TCP connection to a listener on the host side works (connection
# tracking's egress program on its interface) while 8081 stays refused;
# a connection from an address added inside it is dropped as spoofed
# (the plugin binds the host end of its veth and its MAC); 'rxlane container list'
# shows it under a name that carries podman's name and short id;
# 'podman rm -f' removes it; 20 containers started and removed in a loop
# leave no container, record, program or XDP attachment behind.
source "$(dirname "$0")/lib.sh"

CNI=$RXL_TOP/user/rxlane-cni
rxl_init cnipod
[ -x "$CNI" ] || rxl_fail "$CNI not built"
for t in podman runc jq; do
	command -v $t >/dev/null || { echo "SKIP: no $t (scripts/deps.sh installs it)"; exit $ksft_skip; }
done
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
	{ echo "SKIP: no containernetworking-plugins in /usr/lib/cni"; exit $ksft_skip; }
[ -x /bin/busybox ] || { echo "SKIP: no busybox-static"; exit $ksft_skip; }

SUF=$RANDOM
NET=rxlp$SUF
BR=rxlp$SUF
SUB=10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0
W=$(mktemp -d /tmp/rxl-podman.XXXXXX)
HOSTNS=rxlhost$SUF
P=(--root "$W/root" --runroot "$W/run" --cni-config-dir "$W/net.d"
   --network-backend cni --cgroup-manager cgroupfs --events-backend none)
export CNI_PATH=$W/bin
export CONTAINERS_CONF=$W/containers.conf

pod() { podman "${P[@]}" "$@"; }

cleanup_pod() {
	pod rm -af -t 0 >/dev/null 2>&1
	findmnt -rn -o TARGET | grep "^$W/" | sort -r | xargs -r umount -l 2>/dev/null
	ip link del "$BR" 2>/dev/null
	rm -rf "$W" "/var/lib/cni/networks/$NET"
	rm -f /var/lib/cni/results/"$NET"-*
	ip netns del "$HOSTNS" 2>/dev/null
	rxl_cleanup
}
trap cleanup_pod EXIT

rxl_cni_runtime_dir "$W" "$CNI" 0.4.0 "$NET" "$BR" "$SUB" "$NET.conflist"
cat > "$CONTAINERS_CONF" <<EOF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$W/bin"]
network_config_dir = "$W/net.d"
EOF

if ! err=$(pod info 2>&1 >/dev/null); then
	echo "SKIP: podman cannot run here: $err"
	exit $ksft_skip
fi
pod network ls --format '{{.Name}}' | grep -qx "$NET" ||
	rxl_fail "podman does not see network $NET: $(pod network ls 2>&1)"

# run NAME: a detached container on $NET serving on 8080 and 8081.
run() {
	pod run -d --name "$1" --network "$NET" --runtime runc \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
		--rootfs "$W/rootfs" /bin/sh -c \
		'httpd -p 8080 -h /www; httpd -p 8081 -h /www; exec sleep 100000'
}

conts() { "$RXL_CLI" -j container list | jq -r '.containers[].name'; }
# What a container could leave: veths on the bridge, programs using this
# test's maps (attached or not), pins beside the fast path's and the CLI's.
leftovers() {
	local cfg

	ip -o link show master "$BR" 2>/dev/null | cut -d' ' -f2
	cfg=$(bpftool -j map show pinned "$RXLANE_PIN_DIR/rxl_config" 2>/dev/null |
		jq .id)
	[ -z "$cfg" ] || bpftool -j prog show |
		jq --argjson m "$cfg" '[.[] | select(.map_ids // [] | index($m))] | length'
	ls "$RXLANE_PIN_DIR" 2>/dev/null | grep -v '^rxl_\|^cli_'
}

# ---- one container: the policy from the host ------------------------------
NAME=web$SUF
id=$(run "$NAME") || rxl_fail "podman run: $id"
ip=$(pod inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$NAME")
[ -n "$ip" ] || rxl_fail "no address for $NAME"
want="$NAME-${id:0:12}"
conts | grep -qx "$want" ||
	rxl_fail "rxlane container list has no '$want' (podman $NAME, id ${id:0:12}): $(conts)"
"$RXL_CLI" container show "$want" | grep -q "ip $ip" ||
	rxl_fail "container $want has not $ip: $("$RXL_CLI" container show "$want")"
rxl_ok "podman container $NAME is rxlane container $want ($ip)"

# The allowed port connects (the server may take a while to start).
rxl_wait_connect "$ip" 8080
rxl_ok "TCP to the allowed port 8080 connects"

# The other one is refused: the container's drops rise, no connect.
drops() {
	"$RXL_CLI" -j stats | jq -e --arg n "$want" \
		'.containers[] | select(.name == $n) | .drop.packets'
}
ip netns attach "$HOSTNS" $$ || rxl_fail "cannot name the host's netns"
RXL_NETNS+=("$HOSTNS")
rxl_refused "$HOSTNS" "$ip" 8081 drops || rxl_fail "TCP $ip:8081: $RXL_WHY"
# The server is there: with the policy allowing it, 8081 connects.
"$RXL_CLI" container set "$want" default allow || rxl_fail "default allow"
timeout 10 bash -c "exec 3<>/dev/tcp/$ip/8081" 2>/dev/null ||
	rxl_fail "TCP $ip:8081 does not connect even with default allow"
"$RXL_CLI" container set "$want" default drop || rxl_fail "default drop"
rxl_ok "TCP to 8081 refused by rxlane's drop (counter rose), served once allowed"

# ---- outbound: the container opens a connection, its reply comes in -------
# A listener on the bridge's gateway address (the test's host side); the
# container connects with busybox nc and reads its line: the SYN-ACK
# passes the container's default drop only as a tracked reply (the tc
# egress program on its interface saw the SYN). Unsolicited inbound to
# 8081 is still dropped afterwards.
GW=${SUB%.0}.1
OPORT=$((20000 + RANDOM % 10000))
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
while True:
    c = s.accept()[0]
    c.sendall(b"rxlane-outbound\n")
    c.close()
' "$GW" "$OPORT" &
RXL_PIDS+=($!)
rxl_wait_listen "$HOSTNS" "$OPORT"
deadline=$((SECONDS + 60))
until got=$(timeout 20 podman "${P[@]}" exec "$NAME" nc "$GW" "$OPORT" </dev/null 2>&1) &&
	[ "$got" = rxlane-outbound ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "outbound: the container's TCP connection to $GW:$OPORT did not complete within 60 s (last: '$got')"
	sleep 1
done
rxl_refused "$HOSTNS" "$ip" 8081 drops ||
	rxl_fail "outbound: then TCP $ip:8081: $RXL_WHY"
rxl_ok "outbound: the container connected to $GW:$OPORT and read the reply; inbound 8081 still dropped (counter rose)"

# ---- anti-spoofing: the plugin binds the host-side veth and the MAC -------
# prevResult names the bridge, the host end of the veth and eth0 in the
# sandbox: the container gets dev (the host end, where rxlane_tc_port
# checks every frame it sends) and mac (eth0's). From inside, a TCP
# connection from an address the container does not own, added to its
# eth0 (as a process with CAP_NET_ADMIN there could), is dropped and
# counted as spoof; from its own address it still connects.
pid=$(pod inspect -f '{{.State.Pid}}' "$NAME")
in_cont() { nsenter -t "$pid" -n "$@"; }
cj=$("$RXL_CLI" -j container list | jq -c --arg n "$want" '.containers[] | select(.name == $n)')
hdev=$(jq -r '.dev // empty' <<< "$cj")
[ -n "$hdev" ] && [ "$(ip -j link show "$hdev" | jq -r '.[0].master')" = "$BR" ] ||
	rxl_fail "spoof: container $want has dev '$hdev', not the host end of its veth on $BR: $cj"
tc filter show dev "$hdev" ingress | grep -q rxlane_tc_port ||
	rxl_fail "spoof: no anti-spoofing program on $hdev"
cmac=$(in_cont ip -j link show eth0 | jq -r '.[0].address')
[ "$(jq -r '.mac // empty' <<< "$cj")" = "$cmac" ] ||
	rxl_fail "spoof: container $want has mac '$(jq -r .mac <<< "$cj")', eth0 has $cmac"
spoofs() {
	"$RXL_CLI" -j stats | jq -e --arg n "$want" \
		'.containers[] | select(.name == $n) | .spoof.packets'
}
# connect_from SRC: a TCP connection from SRC inside the container to the
# listener, which answers with a line.
connect_from() {
	in_cont timeout 10 python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(3)
s.bind((sys.argv[1], 0))
s.connect((sys.argv[2], int(sys.argv[3])))
sys.exit(0 if s.recv(64) == b"rxlane-outbound\n" else 1)
' "$1" "$GW" "$OPORT" 2>/dev/null
}
SPOOF=${SUB%.0}.250
n=$(spoofs) || rxl_fail "spoof: no spoof counter for $want"
in_cont ip addr add "$SPOOF/32" dev eth0 || rxl_fail "spoof: ip addr add"
connect_from "$SPOOF" && rxl_fail "spoof: a connection from $SPOOF (not the container's) completed"
deadline=$((SECONDS + 30))
until [ "$(spoofs)" -gt "$n" ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "spoof: counter still $(spoofs) after a connection from $SPOOF"
	sleep 0.2
done
in_cont ip addr del "$SPOOF/32" dev eth0
connect_from "$ip" || rxl_fail "spoof: a connection from the container's own $ip failed"
rxl_ok "spoof: dev $hdev and mac $cmac from prevResult; a connection from $SPOOF dropped and counted ($n -> $(spoofs)), from $ip served"

pod rm -f -t 0 "$NAME" >/dev/null || rxl_fail "podman rm -f"
[ -z "$(conts)" ] || rxl_fail "after podman rm -f: $(conts)"
[ "$(leftovers)" = 0 ] || rxl_fail "after podman rm -f: left $(leftovers)"
rxl_ok "podman rm -f removed every entry"

# ---- 20 containers started and removed ---------------------------------------
start=$SECONDS
for i in $(seq 1 20); do
	id=$(run "loop$i-$SUF") || rxl_fail "podman run loop$i: $id"
	conts | grep -qx "loop$i-$SUF-${id:0:12}" ||
		rxl_fail "loop$i: not in rxlane container list: $(conts)"
	pod rm -f -t 0 "loop$i-$SUF" >/dev/null || rxl_fail "podman rm loop$i"
done
[ -z "$(conts)" ] || rxl_fail "after 20 runs: $(conts)"
[ "$(leftovers)" = 0 ] || rxl_fail "after 20 runs: left $(leftovers)"
rxl_ok "20 containers started and removed: nothing left ($((SECONDS - start)) s)"
exit 0
