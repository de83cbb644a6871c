#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni under containerd 1.6 (Debian's), driven by 'ctr run --cni'
# (Documentation/cni.rst, "containerd"): a containerd of the test's own
# (--root, --state, --address in a temporary directory), in a mount
# namespace of its own where /etc/cni/net.d and /opt/cni/bin, which ctr
# reads and cannot be told otherwise, are the test's directories bound
# over the host's (the host's own CNI configuration stays untouched), in
# a network namespace of its own (rxl_own_netns); containerd's fixed
# /run/containerd (shim sockets, runc state, ctr's fifos) is a tmpfs of
# that mount namespace, and the directories made as mount points are
# removed at exit. The conflist chains
# bridge + host-local + rxlane-cni (default drop, TCP 8080 allowed); the
# container is a busybox-static rootfs made here (--rootfs: no image, no
# registry) serving on 8080 and 8081. From the test's side 8080 connects
# and 8081 is refused, proven by the container's drop counter; the
# container is named after ctr's CNI id ("default-ID"); when its task is
# killed, ctr's teardown (CNI DEL) removes it and leaves nothing behind.
source "$(dirname "$0")/lib.sh"

for t in containerd ctr runc jq unshare; do
	command -v $t >/dev/null || { echo "SKIP: no $t (scripts/deps.sh installs it)"; exit $ksft_skip; }
done
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
	{ echo "SKIP: no containernetworking-plugins in /usr/lib/cni"; exit $ksft_skip; }
[ -x /bin/busybox ] || { echo "SKIP: no busybox-static"; exit $ksft_skip; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
# A mount namespace of its own first (the bind mounts die with it), then
# a network namespace of its own.
if [ -z "${RXL_OWN_MNT:-}" ]; then
	RXL_OWN_MNT=1 exec unshare -m --propagation private bash "$0" "$@"
fi
rxl_own_netns cnictd "$@"

CNI=$RXL_TOP/user/rxlane-cni
rxl_init cnictd
[ -x "$CNI" ] || rxl_fail "$CNI not built"

SUF=$RANDOM
NET=rxlc$SUF
BR=rxlc$SUF
SUB=10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0
W=$(mktemp -d /tmp/rxl-ctd.XXXXXX)
HOSTNS=rxlch$SUF
ID=web$SUF
SOCK=$W/containerd.sock
CTD_PID=
MADE=()		# directories made as mount points, removed at exit
MNTS=(/etc/cni/net.d /opt/cni/bin /run/containerd)

cleanup_ctd() {
	local i

	# ctr run deletes the task once it died (its shim exits then), and
	# only then may containerd go.
	if [ -n "$CTD_PID" ]; then
		ctr -a "$SOCK" task kill -s KILL "$ID" >/dev/null 2>&1
		for i in $(seq 100); do
			[ -n "${CTR_PID:-}" ] && kill -0 "$CTR_PID" 2>/dev/null ||
				break
			sleep 0.2
		done
		ctr -a "$SOCK" task delete -f "$ID" >/dev/null 2>&1
		ctr -a "$SOCK" container delete "$ID" >/dev/null 2>&1
		{ kill "$CTD_PID"; wait "$CTD_PID"; } 2>/dev/null
	fi
	findmnt -rn -o TARGET | grep "^$W/" | sort -r | xargs -r umount -l 2>/dev/null
	for i in "${MNTS[@]}"; do
		umount -l "$i" 2>/dev/null
	done
	for ((i = ${#MADE[@]} - 1; i >= 0; i--)); do
		rmdir "${MADE[i]}" 2>/dev/null
	done
	ip link del "$BR" 2>/dev/null
	rm -rf "$W"
	rm -f /var/lib/cni/results/"$NET"-*
	rxl_cleanup
}
trap cleanup_ctd EXIT

mkdir -p "$W/root" "$W/state"
rxl_cni_runtime_dir "$W" "$CNI" 1.0.0 "$NET" "$BR" "$SUB" "10-$NET.conflist"
# mkpoint DIR: DIR exists (made, and noted for removal, where it did not).
mkpoint() {
	local d=$1 up=()

	while [ ! -e "$d" ]; do
		up=("$d" "${up[@]}")
		d=$(dirname "$d")
	done
	for d in "${up[@]}"; do
		mkdir "$d" || rxl_fail "mkdir $d"
		MADE+=("$d")
	done
}
for d in "${MNTS[@]}"; do
	mkpoint "$d"
done
mount --bind "$W/net.d" /etc/cni/net.d || rxl_fail "bind over /etc/cni/net.d"
mount --bind "$W/bin" /opt/cni/bin || rxl_fail "bind over /opt/cni/bin"
mount -t tmpfs -o mode=0700 rxl-ctd /run/containerd ||
	rxl_fail "tmpfs over /run/containerd"

containerd --root "$W/root" --state "$W/state" --address "$SOCK" \
	--config /dev/null > "$W/containerd.log" 2>&1 &
CTD_PID=$!
deadline=$((SECONDS + 60))
until ctr -a "$SOCK" version >/dev/null 2>&1; do
	kill -0 "$CTD_PID" 2>/dev/null ||
		rxl_fail "containerd exited: $(tail -5 "$W/containerd.log")"
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "containerd did not answer within 60 s: $(tail -5 "$W/containerd.log")"
	sleep 0.2
done

# ctr run in the foreground (in the background of this script): with -d
# ctr never tears the network down; in the foreground it sends CNI DEL
# when the task exits.
ctr -a "$SOCK" run --cni --rootfs "$W/rootfs" "$ID" /bin/sh -c \
	'httpd -p 8080 -h /www; httpd -p 8081 -h /www; exec sleep 100000' \
	> "$W/ctr.log" 2>&1 &
CTR_PID=$!
RXL_PIDS+=("$CTR_PID")

conts() { "$RXL_CLI" -j container list | jq -r '.containers[].name'; }
want=default-$ID
deadline=$((SECONDS + 60))
until conts | grep -qx "$want"; do
	kill -0 "$CTR_PID" 2>/dev/null ||
		rxl_fail "ctr run exited: $(cat "$W/ctr.log")"
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "no rxlane container '$want' within 60 s: $(conts); ctr: $(cat "$W/ctr.log")"
	sleep 0.2
done
ip=$("$RXL_CLI" -j container show "$want" | jq -r '.container.ips[0]')
case "$ip" in
${SUB%.0}.*) ;;
*) rxl_fail "container $want has address '$ip', not one of $SUB/24" ;;
esac
rxl_ok "ctr run --cni: container $ID is rxlane container $want ($ip)"

rxl_wait_connect "$ip" 8080
drops() {
	"$RXL_CLI" -j stats | jq -e --arg n "$want" \
		'.containers[] | select(.name == $n) | .drop.packets'
}
ip netns attach "$HOSTNS" $$ || rxl_fail "cannot name the test's netns"
RXL_NETNS+=("$HOSTNS")
rxl_refused "$HOSTNS" "$ip" 8081 drops || rxl_fail "TCP $ip:8081: $RXL_WHY"
rxl_ok "TCP to the allowed port 8080 connects, 8081 is refused by rxlane's drop"

# The task killed: ctr's teardown sends DEL, the container goes.
ctr -a "$SOCK" task kill -s KILL "$ID" || rxl_fail "ctr task kill"
deadline=$((SECONDS + 60))
while kill -0 "$CTR_PID" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || rxl_fail "ctr run did not return within 60 s"
	sleep 0.2
done
[ -z "$(conts)" ] || rxl_fail "after the task was killed: containers $(conts)"
left=$(ls "$RXLANE_PIN_DIR" 2>/dev/null | grep -v '^rxl_\|^cli_')
[ -z "$left" ] || rxl_fail "pins left after the last DEL: $left"
left=$(ip -o link show master "$BR" 2>/dev/null | cut -d' ' -f2)
[ -z "$left" ] || rxl_fail "veths left on $BR: $left"
rxl_ok "the task killed: ctr's CNI DEL removed the container, its programs' pins and its veth"
exit 0
