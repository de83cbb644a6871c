#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nothing leaks and nothing is undefined in the CLI: build/san/rxlane (the
# CLI built with AddressSanitizer, LeakSanitizer and UBSan by 'make
# selftests') runs a walk through every command group, text and -j, the
# successes and the refusals (bad words, a name taken, a handle that is not
# there, a malformed policy file): the error paths are where a forgotten
# free hides. Each command must exit as expected and print no sanitizer
# report. The first run of this walk found a leak in every text listing
# (the JSON container opened for -j was allocated, and dropped on the
# floor, in text mode too: 'container list', 'ct list', 'check', the
# confirmation of 'container add').
set -u
. "$(dirname "$0")/lib.sh"

SAN=$RXL_TOP/build/san/rxlane
[ -x "$SAN" ] || rxl_fail "$SAN not built ('make selftests' builds it)"
rxl_init leaks
RXL_NS=rxl-leak-$RXL_ID
rxl_veth_ns "$RXL_NS"
ip -n "$RXL_NS" link add h0 type veth peer name c0 || rxl_fail "veth h0"
ip -n "$RXL_NS" link set h0 up && ip -n "$RXL_NS" link set c0 up ||
	rxl_fail "h0 up"
TMPD=$(mktemp -d /tmp/rxl-leaks.XXXXXX)
trap 'rm -rf "$TMPD"; rxl_cleanup' EXIT
export ASAN_OPTIONS=detect_leaks=1:exitcode=99:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98

n=0
# san RC ARGS...: 'rxlane ARGS' (the sanitized build) in the namespace
# exits RC and reports nothing.
san() {
	local want=$1 rc

	shift
	rxl_ns "$SAN" "$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	if grep -q -E 'Sanitizer|runtime error:' "$TMPD/err"; then
		sed -n '1,40p' "$TMPD/err"
		rxl_fail "'rxlane $*': a sanitizer report (exit $rc)"
	fi
	[ "$rc" = "$want" ] ||
		rxl_fail "'rxlane $*': exit $rc, want $want: $(head -c 300 "$TMPD/err")"
	n=$((n + 1))
}
# both RC ARGS...: san, in text and in -j.
both() {
	local want=$1

	shift
	san "$want" "$@"
	san "$want" -j "$@"
}

san 0 attach v0
san 1 attach v0
san 1 attach v0 max-rules many
san 1 attach nosuchdev
both 0 status
both 0 status v0
san 0 vtep add 10.0.0.2 type vxlan
san 0 vni add 100
both 0 vtep list
both 0 vni list
san 0 container add web ip 10.200.0.2 ip fd00::2 default drop \
	egress-default drop vni 100
san 0 -j container add db ip 10.200.0.3 dev h0 mac 02:00:00:00:00:0d
san 1 container add web ip 10.200.0.9
san 2 container add bad ip 0.0.0.0
san 1 container add bad ip 10.200.0.8 default maybe
san 0 fw add web allow proto tcp dport 80
san 0 fw add web out allow proto udp to 10.0.0.53/32 dport 53
san 0 -j fw add web drop from 10.9.0.0/16 prio 5 comment "a comment"
san 0 fw add db allow proto icmp
san 1 fw add web allow proto bogus
san 1 fw add nobody allow proto tcp dport 1
san 1 fw del web handle 99
san 0 fw del web handle 2
both 0 fw list
both 0 fw list web
both 0 container list
both 0 c l
both 0 container show web
both 1 container show nobody
san 0 container set web default allow
san 2 container set web egress-default
san 0 fw flush db
both 0 ct list
both 0 ct list web
both 0 ct stats
both 0 ct timeout
san 0 ct timeout udp 60
san 1 ct timeout udp soon
san 0 ct timeout udp default
san 0 ct flush web
san 0 ct flush
both 0 stats
both 0 stats web
san 0 stats watch 1 count 1
both 0 check
both 0 check --repair
san 0 policy export "$TMPD/p.json"
san 0 policy check "$TMPD/p.json"
both 0 policy diff "$TMPD/p.json"
both 0 policy apply "$TMPD/p.json"
jq '.containers[0].rules[0].direction = "sideways"' "$TMPD/p.json" \
	> "$TMPD/bad.json" || rxl_fail "jq"
both 1 policy apply "$TMPD/bad.json"
cp "$TMPD/bad.json" "$TMPD/bad.yaml"
san 1 policy check "$TMPD/bad.yaml"
printf '{"schema": 1, "containers": [' > "$TMPD/cut.json"
san 1 policy check "$TMPD/cut.json"
both 0 version
san 2 frobnicate
san 0 container del db
san 0 container del web
san 1 container del web
san 0 vni del 100
san 0 vtep del 10.0.0.2
san 0 detach v0
san 1 detach v0
rxl_ok "$n commands of the sanitized CLI: no leak, no undefined behaviour"
