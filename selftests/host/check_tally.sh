#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/tap-tally.sh, which make check and make check-debug count with:
# passes, failures, tests that never reported, whole-test and sub-case
# skips, skips missing from selftests/expected-skips, and listed skips that
# no longer happen.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

cat > "$T/skips" <<'LIST'
# run   group  test      sub-case  why
check   host   a.sh      gretap    listed sub-case
check   host   c.sh      -         listed whole test
check   vm     a.sh      gretap    another group
check-debug host b.sh    -         another run
LIST

# run TAP: the tally's "P F S" and its failure lines.
run() {
	printf '%s\n' "$@" > "$T/tap"
	RXLANE_EXPECTED_SKIPS=$T/skips bash -c '
		. "$1/scripts/tap-tally.sh"
		tally_init
		tally check host "$2"
		echo "$passed $failed $skipped"
		printf "%s\n" "${failures[@]}"' _ "$TOP" "$T/tap"
}

# expect WHAT "P F S" [GREP]: the counts, and a failure line matching GREP.
expect() {
	local what=$1 want=$2 pat=${3:-} got
	got=$(head -n 1 <<< "$out")
	[ "$got" = "$want" ] || fail "$what: counted '$got', want '$want'
$out"
	if [ -n "$pat" ]; then
		grep -q -- "$pat" <<< "$out" || fail "$what: no failure line '$pat':
$out"
	fi
	echo "ok: $what ($got)"
}

out=$(run 'TAP version 13' '1..3' \
	'# selftests: host: a.sh' '# ok: part one' '# ok 1 gretap # SKIP no gretap' \
	'ok 1 selftests: host: a.sh' \
	'ok 2 selftests: host: b.sh' \
	'ok 3 selftests: host: c.sh # SKIP')
expect "listed skips, sub-case and whole test" "2 0 2"

out=$(run 'TAP version 13' '1..3' \
	'ok 1 selftests: host: a.sh' \
	'not ok 2 selftests: host: b.sh # exit=1' \
	'ok 3 selftests: host: c.sh # SKIP')
expect "a failure; a listed sub-case skip that no longer happens" "1 2 1" \
	"expected skip did not happen: a.sh (gretap)"

out=$(run 'TAP version 13' '1..3' \
	'# ok 1 gretap # SKIP no gretap' 'ok 1 selftests: host: a.sh' \
	'# ok 4 - vlan # SKIP no 8021q' 'ok 2 selftests: host: b.sh # SKIP' \
	'ok 3 selftests: host: c.sh # SKIP')
expect "unlisted skips, sub-case and whole test" "1 2 4" \
	"unexpected skip: b.sh (vlan): no 8021q"

out=$(run 'TAP version 13' '1..3' '# ok 1 gretap # SKIP no gretap' \
	'ok 1 selftests: host: a.sh')
expect "tests that never reported" "1 2 1" "2 of 3 tests never reported"

out=$(run 'make: *** [run_tests] Error 2')
expect "no plan" "0 1 0" "no TAP plan"
