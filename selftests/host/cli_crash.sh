#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash consistency of the CLI (issue 13): SIGKILL at random points of
# container add/set/del (with a container's own interface bound, moved
# and unbound: 'port IF netns PATH'), fw add (in place and replaced)/del/
# flush and policy apply, at least 200 times. crash_at.so (LD_PRELOAD) kills the CLI
# right after its N-th map update, N drawn uniformly from the command's
# own count, so every kill lands inside the command. After each kill,
# per container address:
#   - the listing of its container (container show + fw list) is the one
#     before the command or the one after it;
#   - the verdicts of probe packets to it (BPF_PROG_TEST_RUN of the
#     attached program, fp_probe) are those before the command, or those
#     of what the listing shows (per address: that all addresses of a
#     container flip together is cli_crash_flip.sh's);
# then the next command (an unrelated container add, or its del) works
# and finishes the change: the verdicts are exactly the listing's, and
# 'rxlane check' finds nothing (every fifth kill, and at the end). The command is then run again if the
# kill came before its commit, and the walk goes on from its end state.
set -u
. "$(dirname "$0")/lib.sh"

KILLS=${RXL_CRASH_KILLS:-200}
DIR=$(cd "$(dirname "$0")" && pwd)
PROBE=$DIR/fp_probe
[ -x "$PROBE" ] && [ -f "$RXL_SHIM" ] || rxl_fail "crash_at.so and fp_probe not built"

rxl_init crash
RXL_NS=rxl-crash-$RXL_ID
rxl_veth_ns "$RXL_NS"
TMPD=$(mktemp -d /tmp/rxl-crash.XXXXXX)
trap 'rm -rf "$TMPD"; rxl_cleanup' EXIT

cli_killed_at() {
	local n=$1

	shift
	rxl_shim_run RXLANE_CRASH_AT="$n" -- "$@" >/dev/null 2>&1
}
cli_count() { rxl_shim_count "$TMPD/count" -- "$@"; }

rxl_walk_init "$TMPD"
# The walk, with web's own interface ('port IF netns PATH', check 2 of
# conntrack.rst) bound, moved to another interface, unbound by 'port
# none' and by a policy that names none, bound again: eW and eV, veths in
# namespace PN.
PN=rxl-cpn-$RXL_ID
PNS=/run/netns/$PN
rxl_netns "$PN"
ip -n "$PN" link add eW type veth peer name eW2 || rxl_fail "veth eW"
ip -n "$PN" link add eV type veth peer name eV2 || rxl_fail "veth eV"
for d in eW eW2 eV eV2; do
	ip -n "$PN" link set "$d" up || rxl_fail "link up $d"
done
STEPS=()
for s in "${RXL_WALK[@]}"; do
	STEPS+=("$s")
	case $s in
	"container set web default allow")
		STEPS+=("container set web port eW netns $PNS") ;;
	"fw add db allow proto tcp dport 5432")
		STEPS+=("container set web port eV netns $PNS") ;;
	"fw del web handle 2")
		STEPS+=("container set web port none"
			"container set web port eW netns $PNS") ;;
	"fw add web drop proto udp")
		STEPS+=("container set web port eV netns $PNS") ;;
	esac
done
[ ${#STEPS[@]} -eq $((${#RXL_WALK[@]} + 5)) ] ||
	rxl_fail "the port steps did not all find their place in the walk"
# port_agrees WHAT: the check is on the interface web is listed with, and
# on no other (after the next command, which finishes a killed change).
port_agrees() {
	local want

	want=$(rxl_cli -j container show web 2>/dev/null |
		jq -r '.container.port // "none"')
	rxl_port_only "$PN" "${want:-absent}" "$1 (web's port: ${want:-absent})" eW eV
}
NAMES="web db cache"
# Probe groups, one per address: each address is judged by the old set or
# the new one (an in-place append of a rule of both families extends its
# IPv4 and IPv6 keys one after the other: fastpath.rst).
PGROUPS="web4 web6 web6b db cache"
declare -A OWNER=([web4]=web [web6]=web [web6b]=web [db]=db [cache]=cache)
declare -A PROBES=(
	[web4]="192.0.2.9,10.200.0.2,tcp,80 192.0.2.9,10.200.0.2,tcp,443 192.0.2.9,10.200.0.2,tcp,22 198.51.100.1,10.200.0.2,tcp,22 198.51.100.1,10.200.0.2,udp,53 198.51.100.1,10.200.0.2,icmp,0"
	[web6]="2001:db8::9,fd00::2,tcp,80 2001:db8::9,fd00::2,tcp,443 2001:db8::9,fd00::2,udp,53"
	[web6b]="2001:db8::9,fd00::3,tcp,80 2001:db8::9,fd00::3,tcp,22"
	[db]="192.0.2.9,10.200.0.3,tcp,5432 192.0.2.9,10.200.0.3,tcp,22"
	[cache]="192.0.2.9,10.200.0.4,tcp,80"
)

ALL_PROBES=
declare -A NPROBE
for g in $PGROUPS; do
	ALL_PROBES+=" ${PROBES[$g]}"
	set -- ${PROBES[$g]}
	NPROBE[$g]=$#
done

# CUR_L[container]: its lines of 'container list' and 'fw list' ("" when
# absent); CUR_V[group]: the verdicts of its probes. Three commands.
declare -A CUR_L CUR_V
tmp= HAVE_TMP=
observe() {
	local line cur= c g i=0 words

	for c in $NAMES; do
		CUR_L[$c]=
	done
	HAVE_TMP=
	while IFS= read -r line; do
		c=${line%% *}
		# Ids are the lowest free: the unrelated container moves them.
		[[ $line =~ ^([^ ]+)\ id\ [0-9]+(.*)$ ]] &&
			line=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
		[ -n "${CUR_L[$c]+set}" ] && CUR_L[$c]+="$line"$'\n'
		[ "$c" == "$tmp" ] && HAVE_TMP=1
	done < <(rxl_cli container list)
	while IFS= read -r line; do
		if [[ $line == "container "* ]]; then
			cur=${line#container }
			cur=${cur%% *}
		fi
		[ -n "$cur" ] && [ -n "${CUR_L[$cur]+set}" ] &&
			CUR_L[$cur]+="$line"$'\n'
	done < <(rxl_cli fw list)
	read -r -a words < <(rxl_ns "$PROBE" v0 $ALL_PROBES)
	for g in $PGROUPS; do
		CUR_V[$g]="${words[*]:i:${NPROBE[$g]}}"
		i=$((i + NPROBE[$g]))
	done
}

# Reference walk, no kills: listing, verdicts and map updates per step.
declare -A LIST VERD
rxl_cli attach v0 >/dev/null || rxl_fail "attach v0"
snap() {
	local k=$1 c g

	observe
	for c in $NAMES; do
		LIST[$k:$c]=${CUR_L[$c]}
	done
	for g in $PGROUPS; do
		VERD[$k:$g]=${CUR_V[$g]}
	done
}
snap 0
CNT=()
for k in "${!STEPS[@]}"; do
	CNT[k]=$(cli_count ${STEPS[k]})
	snap $((k + 1))
done
echo "map updates per step: ${CNT[*]}"
[ -z "$(rxl_cli container list)" ] ||
	rxl_fail "the walk does not end empty: $(rxl_cli container list)"

# Per address: the listing of its container and its verdicts allowed
# between step k-1 and step k.
check_between() {
	local k=$1 strict=$2 c g l v before

	observe
	for g in $PGROUPS; do
		c=${OWNER[$g]}
		l=${CUR_L[$c]}
		v=${CUR_V[$g]}
		before=no
		if [ "$l" == "${LIST[$((k - 1)):$c]}" ]; then
			before=yes
			[ "$v" == "${VERD[$((k - 1)):$g]}" ] && continue
		elif [ "$l" == "${LIST[$k:$c]}" ]; then
			[ "$v" == "${VERD[$k:$g]}" ] && continue
			# Committed, not yet flipped: the state before.
			[ "$strict" = 0 ] && [ "$v" == "${VERD[$((k - 1)):$g]}" ] &&
				continue
		else
			echo "FAIL: step $k (${STEPS[k - 1]}) killed at $N of ${CNT[k - 1]}: container $c lists neither the state before nor after:"
			echo "$l"
			exit 1
		fi
		echo "FAIL: step $k (${STEPS[k - 1]}) killed at $N of ${CNT[k - 1]}: $g verdicts '$v' (after the next command: $strict), listing is the one before: $before; want '${VERD[$((k - 1)):$g]}' (before) or '${VERD[$k:$g]}' (after)"
		echo "$l"
		exit 1
	done
}

kills=0 rounds=0 first=0 last=0 t0=$SECONDS
declare -a QUART=(0 0 0 0)
while [ $kills -lt "$KILLS" ]; do
	rounds=$((rounds + 1))
	for k in "${!STEPS[@]}"; do
		[ $kills -ge "$KILLS" ] && break
		N=$((RANDOM % CNT[k] + 1))
		cli_killed_at "$N" ${STEPS[k]}
		rc=$?
		if [ $rc -eq 137 ]; then
			kills=$((kills + 1))
			[ "$N" -eq 1 ] && first=$((first + 1))
			[ "$N" -eq "${CNT[k]}" ] && last=$((last + 1))
			q=$(((N - 1) * 4 / CNT[k]))
			QUART[q]=$((QUART[q] + 1))
		elif [ $rc -ne 0 ]; then
			# 0: fewer updates this time, it finished; anything else
			# is the command failing on its own.
			rxl_fail "step $((k + 1)) ('${STEPS[k]}') exited $rc, not killed at $N"
		fi
		check_between $((k + 1)) 0
		# The next command works and finishes the change: an unrelated
		# container comes and goes, one command per kill.
		# (A policy apply deletes it: containers not in the file go.)
		if [ -z "$HAVE_TMP" ]; then
			tmp=tmp$k
			rxl_cli container add "$tmp" ip 10.200.9.9 >/dev/null ||
				rxl_fail "step $((k + 1)) killed at $N: the next container add failed"
		else
			rxl_cli container del "$tmp" >/dev/null ||
				rxl_fail "step $((k + 1)) killed at $N: the next container del failed"
			tmp=
		fi
		check_between $((k + 1)) 1
		port_agrees "step $((k + 1)) ('${STEPS[k]}') killed at $N, then the next command"
		# fsck agrees (every fifth kill: a whole walk of the maps).
		if [ $((kills % 5)) -eq 0 ]; then
			out=$(rxl_cli check 2>&1) ||
				rxl_fail "step $((k + 1)) killed at $N: rxlane check: $out"
		fi
		# Not committed (or only partly, for a policy): run it whole.
		for c in $NAMES; do
			[ "${CUR_L[$c]}" == "${LIST[$((k + 1)):$c]}" ] && continue
			rxl_cli ${STEPS[k]} >/dev/null ||
				rxl_fail "step $((k + 1)) again after a kill at $N failed"
			observe
			break
		done
		for c in $NAMES; do
			[ "${CUR_L[$c]}" == "${LIST[$((k + 1)):$c]}" ] ||
				rxl_fail "step $((k + 1)) killed at $N: container $c is '${CUR_L[$c]}', not as in the reference walk: '${LIST[$((k + 1)):$c]}'"
		done
		for g in $PGROUPS; do
			[ "${CUR_V[$g]}" == "${VERD[$((k + 1)):$g]}" ] ||
				rxl_fail "step $((k + 1)): verdicts of $g not as in the reference walk"
		done
	done
done
observe
[ -z "$HAVE_TMP" ] || rxl_cli container del "$tmp" >/dev/null ||
	rxl_fail "container $tmp del"
out=$(rxl_cli check 2>&1) || rxl_fail "rxlane check at the end: $out"
echo "kills: $kills in $rounds rounds of ${#STEPS[@]} commands; just after the commit (1st update): $first, after the last update: $last; by quarter of the command's updates: ${QUART[*]}; $((SECONDS - t0)) s"
rxl_ok "every kill left the listing and the verdicts in agreement"
