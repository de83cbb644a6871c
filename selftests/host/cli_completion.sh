#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# user/rxlane.bash-completion: what it offers at each position.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/user/rxlane.bash-completion" || { echo "FAIL: cannot source"; exit 1; }
# The container names come from the CLI: a stand-in lists two.
rxlane() { printf 'web id 0 default drop rules 0 ip 10.0.0.2\ndb id 1\n'; }
# So do the devices.
_rxlane_devs() { printf 'lo\neth0\n'; }

expect() {	# "words typed" "expected offers"
	local got

	read -r -a COMP_WORDS <<< "$1"
	[ "${1: -1}" = " " ] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_rxlane
	got="${COMPREPLY[*]}"
	[ "$got" = "$2" ] || { echo "FAIL: '$1' offers '$got', want '$2'"; exit 1; }
	echo "ok: '$1' -> $2"
}

expect "rxlane c" "container check ct"
expect "rxlane check " "--repair"
expect "rxlane v" "vtep vni version"
expect "rxlane --j" "--json"
expect "rxlane container " "add set del list show"
expect "rxlane container show " "web db"
expect "rxlane container add x default " "allow drop"
expect "rxlane fw add w" "web"
expect "rxlane fw add web a" "allow"
expect "rxlane fw add web allow proto " "tcp udp icmp any"
expect "rxlane fw add web o" "out"
expect "rxlane fw add web out allow t" "to"
expect "rxlane fw del web " "handle"
expect "rxlane vtep add 10.0.0.1 type " "vxlan geneve nvgre"
expect "rxlane attach lo " "mode redirect max-rules max-containers ct-size ct-half-open"
expect "rxlane attach lo mode " "native generic auto"
expect "rxlane attach lo r" "redirect"
expect "rxlane attach lo redirect " "mode max-rules max-containers ct-size ct-half-open"
expect "rxlane attach lo mode native " "redirect max-rules max-containers ct-size ct-half-open"
expect "rxlane attach lo redirect mode generic " "max-rules max-containers ct-size ct-half-open"
expect "rxlane attach lo max-rules " ""
expect "rxlane attach lo max-rules 100 mode native redirect " "max-containers ct-size ct-half-open"
expect "rxlane attach lo max-containers " ""
expect "rxlane attach lo max-containers 9000 max-rules 9 " "mode redirect ct-size ct-half-open"
expect "rxlane attach lo ct-size " ""
expect "rxlane attach lo ct-half-open " ""
expect "rxlane attach lo ct-half-open 64 ct-size 9 redirect mode auto " "max-rules max-containers"
expect "rxlane container add x egress-default " "allow drop"
expect "rxlane container add x nic " "lo eth0"
expect "rxlane container set web nic " "lo eth0 none"
expect "rxlane container set web hw " "on off"
expect "rxlane container set web cpus " "all"
expect "rxlane container add x ip 10.0.0.9 nic eth0 hw " "ip vni default egress-default dev mac port netns cpus nic hw"
expect "rxlane ct " "list flush stats timeout"
expect "rxlane ct list " "web db"
expect "rxlane ct timeout u" "udp udp_stream"
expect "rxlane ct timeout udp " "default"
expect "rxlane status " "lo eth0"
expect "rxlane attach e" "eth0"
expect "rxlane policy " "check diff apply export"
expect "rxlane stats " "watch web db"
# Every keyword of 'rxlane help' is in the manual page and the completion.
# The CLI is part of this test: not built is a failure, never a skip.
CLI=$TOP/user/rxlane
[ -x "$CLI" ] || { echo "FAIL: $CLI not built (make all)"; exit 1; }
help=$("$CLI" help) || { echo "FAIL: rxlane help failed"; exit 1; }
words=$(echo "$help" | sed -n '/^Commands:/,$p' | tail -n +2 |
	sed -e 's/([^)]*)//g' -e 's/  *[a-z]* *print .*$//' |
	tr -s ' |[].,' '\n' | grep -E '^[a-z]+$' | sort -u)
[ "$(echo "$words" | wc -l)" -ge 40 ] ||
	{ echo "FAIL: only $(echo "$words" | wc -l) keywords in help"; exit 1; }
for w in $words; do
	grep -qw -- "$w" "$TOP/user/rxlane.8.scd" ||
		{ echo "FAIL: rxlane.8.scd lacks '$w'"; exit 1; }
	grep -qw -- "$w" "$TOP/user/rxlane.bash-completion" ||
		{ echo "FAIL: rxlane.bash-completion lacks '$w'"; exit 1; }
done
echo "ok: the $(echo "$words" | wc -l) keywords of 'rxlane help' are in the manual and the completion"
echo "PASS: bash completion"
exit 0
