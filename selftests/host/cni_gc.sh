#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni GC and STATUS (CNI spec 1.1), driven as libcni 1.2 drives
# them (Documentation/cni.rst, "GC and STATUS"): only CNI_COMMAND and
# CNI_PATH in the environment, the plugin's config with cniVersion 1.1.0
# on stdin, for GC with cni.dev/valid-attachments.
# - GC with two of three attachments valid removes the third (its
#   container, rules and addresses: its pings are answered again; the XDP
#   program on its interface, its namespace being still there), keeps
#   the two (their pings still dropped and counted), the attachment of
#   another network and a container made with the CLI; it is idempotent;
#   GC with nothing valid removes the rest and, at the last, what the last
#   DEL removes (the uplink's XDP, the plugin's pins).
# - GC refusals (version, a missing or malformed list): code, no change.
# - STATUS: 0 with usable pins, or none yet; 50 with the reason when the
#   pin directory is off bpffs, open to others, locked, or not the
#   caller's (nobody); 1 below 1.1.0; it makes nothing.
# The test runs in a network namespace of its own (rxl_own_netns).
source "$(dirname "$0")/lib.sh"

CNI=$RXL_TOP/user/rxlane-cni
rxl_own_netns cnigc "$@"
rxl_init cnigc
[ -x "$CNI" ] || rxl_fail "$CNI not built"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }

SUF=$RANDOM
NET=gc$SUF
PIN=$RXLANE_PIN_DIR

# mkct N: netns gc$N-$SUF with eth0 10.252.N.2/24; its peer h$N-$SUF here
# with 10.252.N.1/24, so this namespace pings it through eth0's XDP.
mkct() {
	local ns=gc$1-$SUF h=h$1-$SUF

	rxl_netns "$ns"
	ip link add "$h" type veth peer name eth0 netns "$ns" || rxl_fail "veth $h"
	ip addr add "10.252.$1.1/24" dev "$h"
	ip link set "$h" up
	ip -n "$ns" addr add "10.252.$1.2/24" dev eth0
	ip -n "$ns" link set eth0 up
}

# conf N [NET]: ADD's config for container N on network NET (default
# $NET), with the uplink up$SUF; default drop, TCP 80 allowed.
conf() {
	jq -nc --arg pin "$PIN" --arg net "${2:-$NET}" --arg n "$1" \
		--arg h "h$1-$SUF" --arg up "up$SUF" --arg ns "/run/netns/gc$1-$SUF" \
		'{cniVersion: "1.1.0", name: $net, type: "rxlane-cni", pinDir: $pin,
		  device: $up,
		  policy: {default: "drop",
			   rules: [{action: "allow", proto: "tcp", dport: 80}]},
		  prevResult: {cniVersion: "1.1.0",
			interfaces: [{name: $h}, {name: "eth0", sandbox: $ns}],
			ips: [{address: ("10.252." + $n + ".2/24"), interface: 1}]}}'
}

# gcconf NET JQ: GC's config: the plugin's config as libcni 1.2 passes it
# (no prevResult), JQ adds the list.
gcconf() {
	jq -nc --arg pin "$PIN" --arg net "$1" \
		'{cniVersion: "1.1.0", name: $net, type: "rxlane-cni", pinDir: $pin,
		  device: "up\(env.SUF)",
		  policy: {default: "drop"}} | '"$2"
}
export SUF

# cni CMD N < CONF: an attachment's command (ADD, DEL) for container N.
cni() {
	OUT=$(env CNI_COMMAND="$1" CNI_CONTAINERID="cid$2-$SUF" \
		CNI_NETNS="/run/netns/gc$2-$SUF" CNI_IFNAME=eth0 \
		CNI_ARGS="K8S_POD_NAME=pod$2" CNI_PATH=/usr/lib/cni "$CNI" \
		2>"$RXL_BPFFS.err")
	RC=$?
	[ "$RC" = 0 ] || OUT="$OUT (stderr: $(cat "$RXL_BPFFS.err"))"
	rm -f "$RXL_BPFFS.err"
}

# cni_net CMD < CONF: GC or STATUS as libcni calls them (stderr kept
# in ERR for messages).
cni_net() {
	ERR=$(mktemp /tmp/rxl-cnigc.XXXXXX)
	OUT=$(env -i CNI_COMMAND="$1" CNI_PATH=/usr/lib/cni PATH="$PATH" \
		"${@:2}" "$CNI" 2>"$ERR")
	RC=$?
	ERR_TEXT=$(cat "$ERR")
	rm -f "$ERR"
}

# want_code WHAT CODE: the last call failed with CNI error CODE.
want_code() {
	[ "$RC" = 1 ] && echo "$OUT" | jq -e --argjson c "$2" \
		'.code == $c and (.msg | length > 0)' >/dev/null ||
		rxl_fail "$1: exit $RC, '$OUT' (want code $2)"
}

name_of() { echo "pod$1-$(echo "cid$1-$SUF" | cut -c1-12)"; }
names() { "$RXL_CLI" -j container list | jq -c '[.containers[].name] | sort'; }
has_cont() { names | jq -e --arg n "$1" 'index($n) != null' >/dev/null; }
# xdp_on DEV [NS]: an XDP program on DEV (in netns NS).
xdp_on() { ip ${2:+-n "$2"} -d link show dev "$1" 2>/dev/null | grep -q 'prog/xdp'; }

# Everything GC could change: containers, rules, pins, XDP.
state() {
	"$RXL_CLI" -j container list
	"$RXL_CLI" -j fw list
	ls "$PIN" 2>/dev/null
	ip -o link show 2>/dev/null | grep -o '^[0-9]*: [^:@]*\|prog/xdp id [0-9]*'
}

# drops N: packets container N's XDP dropped.
drops() {
	"$RXL_CLI" -j stats "$(name_of "$1")" | jq -e '.containers[0].drop.packets'
}

# dropped N: a ping of container N gets no answer, and its drop count rose.
dropped() {
	local before after

	before=$(drops "$1") || rxl_fail "stats of $(name_of "$1"): $("$RXL_CLI" stats 2>&1)"
	rxl_ping "$RXL_OWN_NETNS" "10.252.$1.2" 1 &&
		rxl_fail "$2: ping of container $1 (10.252.$1.2) answered"
	after=$(drops "$1")
	[ "$after" -gt "$before" ] ||
		rxl_fail "$2: ping of container $1: drop count $before -> $after"
}

rxl_netns "upl-$SUF"
ip link add "up$SUF" type veth peer name upp netns "upl-$SUF" || rxl_fail "uplink veth"
ip link set "up$SUF" up
for n in 1 2 3 4; do
	mkct $n
done

# ---- three attachments on NET, one on NET2, one container of the CLI -------
for n in 1 2 3; do
	cni ADD $n <<< "$(conf $n)"
	[ "$RC" = 0 ] || rxl_fail "ADD $n (1.1.0): exit $RC: $OUT"
done
cni ADD 4 <<< "$(conf 4 "o$NET")"
[ "$RC" = 0 ] || rxl_fail "ADD 4 on o$NET: exit $RC: $OUT"
"$RXL_CLI" container add "cli$SUF" ip 10.252.9.2 default drop ||
	rxl_fail "CLI container add"
for n in 1 2 3 4; do
	dropped $n "before GC"
done
xdp_on "up$SUF" || rxl_fail "no XDP on the uplink up$SUF after ADD"
rxl_ok "3 attachments on $NET, 1 on o$NET, 1 CLI container; pings of each dropped"

# ---- refusals: nothing changes -------------------------------------------
before=$(state)
cni_net GC <<< "$(gcconf "$NET" '.cniVersion = "1.0.0" | ."cni.dev/valid-attachments" = []')"
want_code "GC with cniVersion 1.0.0" 1
cni_net GC <<< "$(gcconf "$NET" .)"
want_code "GC without cni.dev/valid-attachments" 7
cni_net GC <<< "$(gcconf "$NET" '."cni.dev/valid-attachments" = {}')"
want_code "GC with an object for the list" 7
cni_net GC <<< "$(gcconf "$NET" '."cni.dev/valid-attachments" = [{containerID: "x"}]')"
want_code "GC with an entry without ifname" 7
cni_net GC <<< "$(gcconf "$NET" '."cni.dev/valid-attachments" = [{containerID: 5, ifname: "eth0"}]')"
want_code "GC with a number for containerID" 7
cni_net GC <<< '{"cniVersion": "1.1.0", "name'
want_code "GC with broken JSON" 6
[ "$(state)" = "$before" ] ||
	rxl_fail "a refused GC changed the state: $(diff <(echo "$before") <(state))"
rxl_ok "6 bad GC requests refused (codes 1, 6, 7), nothing changed"

# ---- GC with 1 and 2 valid: 3 goes ---------------------------------------
# Listed too: 3 with another ifname and an id nobody has; neither keeps
# anything (the pair must match).
valid='."cni.dev/valid-attachments" = [
	{containerID: "cid1-\(env.SUF)", ifname: "eth0"},
	{containerID: "cid3-\(env.SUF)", ifname: "eth1"},
	{containerID: "cid9-\(env.SUF)", ifname: "eth0"},
	{containerID: "cid2-\(env.SUF)", ifname: "eth0"}]'
cni_net GC <<< "$(gcconf "$NET" "$valid")"
[ "$RC" = 0 ] && [ -z "$OUT" ] || rxl_fail "GC with 1, 2 valid: exit $RC: $OUT $ERR_TEXT"
has_cont "$(name_of 3)" && rxl_fail "GC left container 3: $(names)"
# Its namespace still exists: its program goes too (the recorded path).
xdp_on eth0 "gc3-$SUF" && rxl_fail "GC left XDP on container 3's eth0"
for n in 1 2; do
	xdp_on eth0 "gc$n-$SUF" || rxl_fail "GC detached container $n's XDP"
done
for n in 1 2 4; do
	has_cont "$(name_of $n)" || rxl_fail "GC removed container $n: $(names)"
done
has_cont "cli$SUF" || rxl_fail "GC removed the CLI's container: $(names)"
"$RXL_CLI" -j fw list | jq -e --arg n "$(name_of 3)" \
	'[.rules[] | select(.container == $n)] | length == 0' >/dev/null ||
	rxl_fail "GC left container 3's rules: $("$RXL_CLI" fw list)"
rxl_ping "$RXL_OWN_NETNS" 10.252.3.2 3 ||
	rxl_fail "after GC, a ping of container 3 (10.252.3.2) is not answered"
for n in 1 2 4; do
	dropped $n "after GC"
done
xdp_on "up$SUF" || rxl_fail "GC with containers left detached the uplink"
"$RXL_CLI" check >/dev/null || rxl_fail "rxlane check after GC: $("$RXL_CLI" check 2>&1)"
rxl_ok "GC with 1, 2 valid: 3's container, rules, drop and XDP gone (ping answered); 1, 2, o$NET's and the CLI's enforced"

# Idempotent, also under the 1.1.0 tag's key libcni sends beside it.
before=$(state)
cni_net GC <<< "$(gcconf "$NET" "$valid")"
[ "$RC" = 0 ] || rxl_fail "second GC: exit $RC: $OUT"
cni_net GC <<< "$(gcconf "$NET" "$valid"' | ."cni.dev/attachments" = ."cni.dev/valid-attachments" | del(."cni.dev/valid-attachments")')"
[ "$RC" = 0 ] || rxl_fail "GC with cni.dev/attachments: exit $RC: $OUT"
[ "$(state)" = "$before" ] ||
	rxl_fail "a repeated GC changed the state: $(diff <(echo "$before") <(state))"
rxl_ok "GC again (and with cni.dev/attachments): nothing changes"

# ---- GC with nothing valid: NET's go; o$NET's uplink use keeps the uplink --
cni_net GC <<< "$(gcconf "$NET" '."cni.dev/valid-attachments" = []')"
[ "$RC" = 0 ] || rxl_fail "GC of nothing valid: exit $RC: $OUT $ERR_TEXT"
for n in 1 2; do
	has_cont "$(name_of $n)" && rxl_fail "GC of nothing valid left container $n"
	rxl_ping "$RXL_OWN_NETNS" "10.252.$n.2" 3 ||
		rxl_fail "after GC of nothing valid, a ping of container $n is not answered"
done
has_cont "$(name_of 4)" || rxl_fail "GC of $NET removed o$NET's container"
dropped 4 "after GC of $NET"
xdp_on "up$SUF" || rxl_fail "GC of $NET detached the uplink o$NET uses"
[ -e "$PIN/cni_state" ] || rxl_fail "GC of $NET removed cni_state, o$NET's records"
# The last network's: what the last DEL removes.
cni_net GC <<< "$(gcconf "o$NET" '."cni.dev/valid-attachments" = []')"
[ "$RC" = 0 ] || rxl_fail "GC of o$NET: exit $RC: $OUT $ERR_TEXT"
has_cont "$(name_of 4)" && rxl_fail "GC of o$NET left container 4"
xdp_on "up$SUF" && rxl_fail "the last GC left XDP on the uplink up$SUF"
for p in cni_state cni_netns cni_xdp cni_tc; do
	[ -e "$PIN/$p" ] && rxl_fail "the last GC left $PIN/$p"
done
[ "$(names)" = "[\"cli$SUF\"]" ] || rxl_fail "after the last GC: $(names), want the CLI's only"
cni_net GC <<< "$(gcconf "o$NET" '."cni.dev/valid-attachments" = []')"
[ "$RC" = 0 ] || rxl_fail "GC with no records: exit $RC: $OUT"
cni DEL 1 <<< "$(conf 1)"
[ "$RC" = 0 ] || rxl_fail "DEL after GC: exit $RC: $OUT"
rxl_ok "GC with nothing valid: $NET's go, o$NET's keep the uplink; the last GC detaches it and unpins; GC and DEL after it succeed"

# ---- STATUS ---------------------------------------------------------------
status_conf() {
	jq -nc --arg pin "${1:-$PIN}" \
		'{cniVersion: "1.1.0", name: "st", type: "rxlane-cni", pinDir: $pin}'
}
cni_net STATUS <<< "$(status_conf)"
[ "$RC" = 0 ] && [ -z "$OUT" ] || rxl_fail "STATUS: exit $RC: $OUT $ERR_TEXT"
fresh=$RXL_BPFFS/fresh$SUF
cni_net STATUS <<< "$(status_conf "$fresh")"
[ "$RC" = 0 ] || rxl_fail "STATUS with no pin directory yet: exit $RC: $OUT"
[ -e "$fresh" ] && rxl_fail "STATUS made $fresh"
cni_net STATUS <<< "$(status_conf | jq -c '.cniVersion = "1.0.0"')"
want_code "STATUS with cniVersion 1.0.0" 1
offfs=$(mktemp -d /tmp/rxl-cnigc-dir.XXXXXX)
cni_net STATUS <<< "$(status_conf "$offfs/rxlane")"
rmdir "$offfs"
want_code "STATUS with pinDir off bpffs" 50
echo "$OUT" | grep -q "not on a bpf filesystem" || rxl_fail "STATUS off bpffs: $OUT"
chmod 0755 "$PIN"
cni_net STATUS <<< "$(status_conf)"
chmod 0700 "$PIN"
want_code "STATUS with pinDir mode 0755" 50
echo "$OUT" | grep -q "mode 0755" || rxl_fail "STATUS, mode 0755: $OUT"
# -o: the lock is flock's own, so killing it lets the lock go.
flock -o "$PIN" sleep 60 &
holder=$!
sleep 0.5
start=$SECONDS
cni_net STATUS <<< "$(status_conf)"
kill "$holder"
wait "$holder" 2>/dev/null
want_code "STATUS with the lock held" 50
echo "$OUT" | grep -q "lock on $PIN was not free" || rxl_fail "STATUS, lock held: $OUT"
[ $((SECONDS - start)) -le 20 ] || rxl_fail "STATUS with the lock held took $((SECONDS - start)) s"
cni_net STATUS setpriv --reuid=65534 --regid=65534 --clear-groups <<< "$(status_conf)"
want_code "STATUS as nobody" 50
echo "$OUT" | grep -qi "permission denied" || rxl_fail "STATUS as nobody: $OUT"
# A record map of another layout.
for m in cni_state cni_netns; do
	bpftool map create "$PIN/$m" type hash key 4 value 4 entries 1 name "$m" ||
		rxl_fail "bpftool map create"
	cni_net STATUS <<< "$(status_conf)"
	rm -f "$PIN/$m"
	want_code "STATUS over a foreign $m" 50
	echo "$OUT" | grep -q "not rxlane-cni's record map" || rxl_fail "STATUS, foreign $m: $OUT"
done
cni_net STATUS <<< "$(status_conf)"
[ "$RC" = 0 ] || rxl_fail "STATUS after the causes went: exit $RC: $OUT"
rxl_ok "STATUS: 0 ready (and with no pin directory, making none); 50 off bpffs, mode 0755, locked, as nobody, foreign cni_state or cni_netns; 1 below 1.1.0"
exit 0
