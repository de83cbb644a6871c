# SPDX-License-Identifier: GPL-2.0
#
# Sourced by scripts/check.sh and scripts/check-debug.sh: count one
# kselftest run's TAP output and hold its skips against the checked-in
# list of expected skips (selftests/expected-skips).
#
# After `tally_init`, each `tally RUN GROUP TAPFILE` adds to the globals
# passed, failed, skipped and the array failures. RUN is "check" or
# "check-debug" (the first column of the list).
#
# What counts:
# - `ok N selftests: GROUP: TEST` passes, `not ok N ...` fails;
# - `ok N ... # SKIP` is a skip of the whole test;
# - a test's own nested line `# ok N SUBCASE # SKIP reason` (a sub-case
#   it could not run) is one more skip, attributed to that test;
# - a test of the plan that never reported (crash, time limit) fails, and
#   so does a group without a plan;
# - a skip not in the list fails the run, and so does a listed skip of a
#   test that ran but did not skip it (the list must stay true).

TALLY_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TALLY_SKIPS=${RXLANE_EXPECTED_SKIPS:-$TALLY_TOP/selftests/expected-skips}

tally_init() {
	passed=0 failed=0 skipped=0
	failures=()
}

# tally_skips RUN GROUP TAPFILE: print "TEST SUBCASE REASON" for every skip
# in TAPFILE, then "ran TEST" for every test that reported a result.
tally_skips() {
	awk '
	/^# +ok [0-9]+ [^#]*# SKIP/ {
		line = $0
		sub(/^# +ok [0-9]+ +(- +)?/, "", line)
		name = line
		sub(/ .*/, "", name)
		reason = line
		sub(/^[^#]*# SKIP */, "", reason)
		pending[++np] = name "\t" reason
		next
	}
	/^(not )?ok [0-9]+ / {
		test = $0
		sub(/^(not )?ok [0-9]+ +/, "", test)
		sub(/ *#.*$/, "", test)
		sub(/^selftests: [^:]*: */, "", test)
		for (i = 1; i <= np; i++)
			print "skip\t" test "\t" pending[i]
		np = 0
		if ($0 ~ /^ok [0-9]+ .*# SKIP/) {
			reason = $0
			sub(/^[^#]*# SKIP */, "", reason)
			print "skip\t" test "\t-\t" reason
		}
		print "ran\t" test
	}' "$1"
}

# tally RUN GROUP TAPFILE
tally() {
	local run=$1 group=$2 tap=$3 plan ok notok skip kind test sub reason
	local -A ran=() seen=()

	plan=$(grep -m1 -E '^1\.\.[0-9]+$' "$tap" | cut -d. -f3)
	ok=$(grep -cE '^ok [0-9]+ ' "$tap")
	skip=$(grep -E '^ok [0-9]+ ' "$tap" | grep -c '# SKIP')
	notok=$(grep -cE '^not ok [0-9]+ ' "$tap")
	passed=$((passed + ok - skip))
	failed=$((failed + notok))
	while read -r line; do
		failures+=("$line")
	done < <(grep -E '^not ok [0-9]+ ' "$tap")
	if [ -z "$plan" ]; then
		failed=$((failed + 1))
		failures+=("$group: no TAP plan: the group did not run")
	elif [ $((ok + notok)) -lt "$plan" ]; then
		failed=$((failed + plan - ok - notok))
		failures+=("$group: $((plan - ok - notok)) of $plan tests never reported")
	fi

	while IFS=$'\t' read -r kind test sub reason; do
		if [ "$kind" = ran ]; then
			ran[$test]=1
			continue
		fi
		skipped=$((skipped + 1))
		seen["$test $sub"]=1
		if ! tally_expected "$run" "$group" "$test" "$sub"; then
			failed=$((failed + 1))
			failures+=("$group: unexpected skip: $test${sub:+ ($sub)}: $reason (not in selftests/expected-skips)")
		fi
	done < <(tally_skips "$tap")

	# Every listed skip of a test that ran must still happen.
	while read -r test sub; do
		[ -n "${ran[$test]:-}" ] || continue
		[ -n "${seen["$test $sub"]:-}" ] && continue
		failed=$((failed + 1))
		failures+=("$group: expected skip did not happen: $test ($sub): drop it from selftests/expected-skips")
	done < <(tally_listed "$run" "$group")
}

# tally_listed RUN GROUP: "TEST SUBCASE" of each listed skip.
tally_listed() {
	[ -r "$TALLY_SKIPS" ] || return 0
	awk -v run="$1" -v group="$2" \
		'!/^#/ && NF >= 4 && $1 == run && $2 == group { print $3, $4 }' \
		"$TALLY_SKIPS"
}

# tally_expected RUN GROUP TEST SUBCASE: is this skip listed?
tally_expected() {
	tally_listed "$1" "$2" | grep -qxF "$3 $4"
}
