#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hw commands' network namespace paths, attacked (issue 15,
# Documentation/hwfilter.rst, "Opening a namespace path"): 'rxlane hw
# container add ... netns X' and rxlane-cni's ADD with 'hw': true (which
# reads CNI_NETNS's cookie) given a FIFO, a regular file, a mount point with
# nothing bound to it, a namespace of another kind, a missing name; run as
# nobody, under 'ip netns exec', from 'unshare -Urn', and from a user
# namespace whose own network namespace it names. Each is refused at once
# with a message naming the path and why; none hangs, and none leaves the
# process in another namespace (the cookie is read by a thread of its
# own). The host has no rxlane module: what reaches the kernel's family is
# refused as "no generic netlink family"; hwfilter_ns.py asks the module.
set -u
. "$(dirname "$0")/lib.sh"
rxl_own_netns hwnsh "$@"
rxl_init hwns
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
CNI=$RXL_TOP/user/rxlane-cni
NOFAM="no generic netlink family 'rxlane'"
TMP=$(mktemp -d /tmp/rxl-hwns.XXXXXX)
trap 'rxl_cleanup; umount "$TMP/mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
chmod 0755 "$TMP"
NS=hwns-$$-$RANDOM
rxl_netns "$NS"
# A mount point with nothing bound: what 'ip netns add' leaves when its
# bind mount goes (a path of a namespace that is gone).
DANGLE=hwnsd-$$-$RANDOM
rxl_netns "$DANGLE"
umount "/run/netns/$DANGLE" || rxl_fail "umount /run/netns/$DANGLE"
chmod 0644 "/run/netns/$DANGLE"
mkfifo "$TMP/fifo"
echo data > "$TMP/file"
# A path bound to another namespace's file of another kind.
touch "$TMP/mnt"
mount --bind /proc/self/ns/uts "$TMP/mnt" || rxl_fail "bind a uts namespace"
chmod 0644 "$TMP/file"

# refused WANT CMD...: CMD exits 1 within 10 s saying WANT on stderr.
refused() {
	local want=$1 out rc

	shift
	out=$(timeout 10 "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc = 124 ] && rxl_fail "$*: still running after 10 s"
	[ $rc = 1 ] || rxl_fail "$*: exit $rc (want 1): $out"
	case "$out" in
	*"$want"*) ;;
	*) rxl_fail "$*: said '$out', want '$want'" ;;
	esac
}

NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
ADD=(hw container add x dev lo ip 10.0.0.1 netns)
for who in root nobody; do
	pre=()
	[ $who = nobody ] && pre=("${NOBODY[@]}")
	refused "network namespace $TMP/fifo: no namespace is bound there" \
		"${pre[@]}" "$RXL_CLI" "${ADD[@]}" "$TMP/fifo"
	refused "network namespace $TMP/file: no namespace is bound there" \
		"${pre[@]}" "$RXL_CLI" "${ADD[@]}" "$TMP/file"
	refused "network namespace /run/netns/$DANGLE: no namespace is bound there" \
		"${pre[@]}" "$RXL_CLI" "${ADD[@]}" "$DANGLE"
	refused "network namespace $TMP/mnt: a namespace of another kind" \
		"${pre[@]}" "$RXL_CLI" "${ADD[@]}" "$TMP/mnt"
	refused "network namespace /run/netns/nosuch-$$: No such file or directory" \
		"${pre[@]}" "$RXL_CLI" "${ADD[@]}" "nosuch-$$"
	# A network namespace passes; the family (absent here) answers.
	refused "$NOFAM" "${pre[@]}" "$RXL_CLI" "${ADD[@]}" "$NS"
done
rxl_ok "hw container add ... netns: a FIFO, a regular file, a mount point with nothing bound, a uts namespace, a missing name refused at once (root and nobody)"

refused "$NOFAM" ip netns exec "$NS" "$RXL_CLI" "${ADD[@]}" "/proc/$$/ns/net"
refused "no namespace is bound there" ip netns exec "$NS" "$RXL_CLI" "${ADD[@]}" "$TMP/fifo"
if unshare -Urn true 2>/dev/null; then
	refused "$NOFAM" unshare -Urn "$RXL_CLI" "${ADD[@]}" "/proc/self/ns/net"
	refused "no namespace is bound there" unshare -Urn "$RXL_CLI" "${ADD[@]}" "$TMP/fifo"
	for cmd in "hw list" "hw container del x" "hw rule del x 1" \
		   "hw rule add x allow proto udp dport 53"; do
		# shellcheck disable=SC2086
		refused "$NOFAM" unshare -Urn "$RXL_CLI" $cmd
	done
	rxl_ok "under ip netns exec and unshare -Urn: the same refusals, no hang"
else
	rxl_skip_case userns "unshare -Urn refused here"
fi

# ---- rxlane-cni ADD with hw: CNI_NETNS's cookie ----------------------------
conf() {
	jq -nc --arg pin "$RXLANE_PIN_DIR" '{cniVersion: "1.0.0", name: "hwns",
	  type: "rxlane-cni", pinDir: $pin, device: "lo", hw: true,
	  prevResult: {cniVersion: "1.0.0",
	    interfaces: [{name: "eth0", mac: "02:00:00:00:00:03", sandbox: "/x"}],
	    ips: [{address: "10.251.0.4/24", interface: 0}], dns: {}}}'
}
conf > "$TMP/conf.json"
# With a network namespace that is right, the ADD goes on in the plugin's
# own namespace (its uplink up0 is there, not in the container's) and the
# record keeps the container namespace's cookie.
CT=hwnsc-$$-$RANDOM
rxl_netns "$CT"
ip link add up0 type veth peer name up1 || rxl_fail "veth up0"
ip link add h0 type veth peer name eth0 netns "$CT" || rxl_fail "veth h0"
ip link set up0 up && ip link set up1 up && ip link set h0 up
ip -n "$CT" link set eth0 up
ip -n "$CT" addr add 10.251.0.4/24 dev eth0
jq -c --arg ns "/run/netns/$CT" '.device = "up0" | .prevResult.interfaces =
	[{name: "h0", mac: "02:00:00:00:00:02"},
	 {name: "eth0", mac: "02:00:00:00:00:03", sandbox: $ns}] |
	.prevResult.ips[0].interface = 1' "$TMP/conf.json" > "$TMP/ok.json"
cnienv=(env CNI_CONTAINERID=c0ffee$$ CNI_NETNS=/run/netns/$CT CNI_IFNAME=eth0
	CNI_PATH=/usr/lib/cni)
out=$(timeout 20 "${cnienv[@]}" CNI_COMMAND=ADD "$CNI" < "$TMP/ok.json" 2>"$TMP/err") ||
	rxl_fail "ADD with hw, CNI_NETNS $CT: $out $(cat "$TMP/err")"
ck=$(ip netns exec "$CT" python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), sys.byteorder))')
rec=$("$RXL_CLI" -j container show "c0ffee$$")
echo "$rec" | jq -e --argjson ck "${ck:-0}" '.container | .nic == "up0" and
	.netns_cookie == $ck and $ck > 0' >/dev/null ||
	rxl_fail "ADD with hw: the record lacks cookie $ck of $CT: $rec"
timeout 20 "${cnienv[@]}" CNI_COMMAND=DEL "$CNI" < "$TMP/ok.json" >/dev/null 2>&1 ||
	rxl_fail "DEL with hw failed"
rxl_ok "rxlane-cni ADD with hw: the record keeps CNI_NETNS's cookie; the plugin stayed in its namespace (its uplink)"

# cni_error WANT CMD...: CMD prints a CNI error whose msg holds WANT.
cni_error() {
	local want=$1 out rc

	shift
	out=$(timeout 20 env CNI_COMMAND=ADD CNI_CONTAINERID=c0ffee$$ \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$@" < "$TMP/conf.json" 2>"$TMP/err")
	rc=$?
	[ $rc = 124 ] && rxl_fail "ADD $*: still running after 20 s"
	[ $rc = 1 ] || rxl_fail "ADD $*: exit $rc (want 1): $out $(cat "$TMP/err")"
	echo "$out" | jq -e --arg w "$want" '.code > 0 and (.msg | contains($w))' \
		>/dev/null || rxl_fail "ADD $*: printed '$out' (want a CNI error with '$want'); stderr: $(cat "$TMP/err")"
}
cni_error "a namespace of another kind" CNI_NETNS=/proc/self/ns/mnt "$CNI"
# From a user namespace, naming a network namespace that user namespace
# owns while the plugin runs in the host's: it may enter that namespace
# but never come back. Only a thread enters it; the plugin goes on in its
# own namespace and fails later, saying why (its pins), in CNI's JSON.
if unshare -Ur true 2>/dev/null; then
	cni_error "" unshare -Ur sh -c \
		'unshare -n sleep 30 & p=$!; for i in 1 2 3 4 5 6 7 8 9 10; do
			[ "$(readlink /proc/$p/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
			sleep 0.2
		done
		CNI_NETNS=/proc/$p/ns/net "$0"; rc=$?; kill $p; exit $rc' "$CNI"
	grep -q "cannot return" "$TMP/err" &&
		rxl_fail "ADD from a user namespace: $(cat "$TMP/err")"
	rxl_ok "rxlane-cni ADD from a user namespace, CNI_NETNS its own network namespace: a CNI error, never stranded"
else
	rxl_skip_case userns-cni "unshare -Ur refused here"
fi
echo "PASS: namespace paths refused at once, the process never leaves its namespace"
