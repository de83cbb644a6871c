#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every command's -j output against Documentation/rxlane-cli.schema.json:
# each row names the schema's $defs entry its document must match (stdout
# for a success, stderr for a refusal; every line of a 'stats watch').
# The schema is strict (no unknown members), so a renamed or re-typed field
# fails here. The validator itself is shown to refuse documents of the old
# shape (schema 1), so this test cannot pass by validating nothing.
set -u
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3	# Debian's, with python3-jsonschema (scripts/deps.sh)
SCHEMA=$RXL_TOP/Documentation/rxlane-cli.schema.json
"$PY" -c 'import jsonschema' 2>/dev/null ||
	{ echo "SKIP: no python3-jsonschema"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }

rxl_init json
NS=rxl-json-$RXL_ID
rxl_veth_ns "$NS"
ip -n "$NS" link add v2 type veth peer name v3 || rxl_fail "veth v2"
ip -n "$NS" link set v2 up
ip -n "$NS" link set v3 up
POLICY=$(mktemp /tmp/rxl-json.XXXXXX.json)
TUNNELS=$(mktemp /tmp/rxl-json.XXXXXX.json)
EXPORT=$(mktemp /tmp/rxl-json.XXXXXX.json)
DOCS=$(mktemp /tmp/rxl-json.XXXXXX)
trap 'rm -f "$POLICY" "$TUNNELS" "$EXPORT" "$DOCS"; rxl_cleanup' EXIT

cat > "$POLICY" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "fd00::2"], "default": "drop",
   "vni": "100,geneve:200",
   "rules": ["allow proto tcp from 10.100.0.0/24 dport 80 prio 10",
	     "allow proto udp dport 1000-2000"]},
  {"name": "cache", "ips": ["10.200.0.4"]}]}
JSON
# The same with tunnels and timeouts: the diff has vtep, vni, ports and
# ct_timeout changes.
jq '.vteps = [{"addr": "10.0.0.5", "type": "geneve"}] | .vnis = ["nvgre:9"]
    | .ports = {"vxlan": 4790} | .ct_timeouts = {"icmp": 9}' "$POLICY" > "$TUNNELS"

# def | arguments (run in order: the changes build the state the listings
# show, so every optional member appears at least once)
TABLE="
done|attach v0 max-rules 20000
done|attach v1 mode generic redirect
status|status
status|status v0
status|status v3
done|vtep add 10.0.0.2
done|vtep add fd0f::2 type vxlan,nvgre
done|vni add 100
done|vni add 200 type geneve
vtep_list|vtep list
vni_list|vni list
container_add|container add web ip 10.200.0.2 ip fd00::2 default drop vni 100,geneve:200
container_add|container add db ip 10.200.0.3 dev v1 egress-default drop
container_add|container add edge ip 10.200.0.5 cpus 0-1 nic v1 hw
fw_add|fw add web allow proto tcp from 10.100.0.0/24 dport 80 prio 10 comment http
fw_add|fw add web allow proto udp dport 1000-2000
fw_add|fw add web drop from fd00:1::/64 prio 5
fw_add|fw add web allow proto icmp
fw_add|fw add db drop proto tcp dport 22
fw_add|fw add edge allow proto udp dport 53
done|container set db default drop
container_list|container list
container_show|container show web
container_show|container show db
fw_list|fw list
fw_list|fw list db
stats|stats
stats|stats web
stats|stats watch 1 count 2
stats|stats web watch 1 count 1
policy|policy check $POLICY
policy|policy diff $POLICY
policy|-n policy apply $POLICY
policy|policy diff $TUNNELS
policy|policy export $EXPORT
policy|policy apply $EXPORT
version|version
ct_list|ct list
ct_list|ct list web
ct_stats|ct stats
ct_timeout|ct timeout
done|ct timeout udp 60
ct_timeout|ct timeout
ct_flush|-n ct flush web
ct_flush|ct flush web
check|check
done|fw del db handle 1
done|fw flush web
done|vni del 200 type geneve
done|vtep del fd0f::2
done|container del db
policy|policy apply $POLICY
container_list|container list
done|detach v1
error|fw del web handle 42
error|container show ghost
error|frobnicate
error|vtep add 10.0.0.256
error|stats watch
error|hw list
error|hw monitor
"

# One print path: a listing's text and its JSON document hold the same
# fields. Every scalar of the document (but "schema") is a word of the text
# (or a part of one: "1000-2000", "geneve:200"), and every word of the
# text is a value or a member name of the document, or one of the words
# text uses for a member named otherwise (LABELS). A field added to one
# form only fails here. Arguments: text file, JSON file, then the
# command's exceptions: json=KEY,... (members the text says another way,
# their values not looked for) and text=WORD,... (words only the text has).
PARITY='
import json, re, sys

LABELS = {"vtep", "port", "vni", "ip", "rules", "containers", "container",
          "pkts", "hits", "rxlane", "ok", "egress-default"}
IMPLIED = {"any", "vxlan", "in"}  # text leaves out: any proto, VXLAN, in
text = open(sys.argv[1]).read()
doc = json.load(open(sys.argv[2]))
json_only, text_only = set(), set()
for arg in sys.argv[3:]:
    kind, _, words = arg.partition("=")
    (json_only if kind == "json" else text_only).update(words.split(","))
vals, keys, spaced = set(), set(), []

def walk(x, key=None):
    if isinstance(x, dict):
        for k, v in x.items():
            if x is not doc or k != "schema":
                keys.add(k)
                walk(v, k)
    elif isinstance(x, list):
        for v in x:
            walk(v, key)
    elif key not in json_only and not isinstance(x, bool) and x is not None:
        vals.add(str(x))
        if " " in str(x):
            spaced.append(str(x))

def parts(t):
    return [p for p in re.split(r"[,:-]", t) if p]

walk(doc)
words = [w.strip("\"():,") for w in text.split()]
words = [w for w in words if w]
seen = set(words) | {p for w in words for p in parts(w)}
bad = ["in JSON only: %s" % v for v in sorted(vals)
       if v not in seen and v not in IMPLIED and
       not (" " in v and v in text)]
known = vals | keys | LABELS | text_only
bad += ["in text only: %s" % w for w in words
        if w not in known and not all(p in known for p in parts(w)) and
        not any(w in [x.strip("\"():,") for x in s.split()] for s in spaced)]
for b in sorted(set(bad)):
    print(b)
sys.exit(1 if bad else 0)
'
TEXT=$(mktemp /tmp/rxl-json.XXXXXX)
ONE=$(mktemp /tmp/rxl-json.XXXXXX)
trap 'rm -f "$POLICY" "$TUNNELS" "$EXPORT" "$DOCS" "$TEXT" "$ONE"; rxl_cleanup' EXIT

# The exceptions of one listing @1 whose document is @2 (nothing: it is
# not checked).
parity_args() {
	case $1 in
	# status: the counters' size in KiB as text, in bytes in JSON.
	status*) printf 'json=ifindex,percpu_bytes text=pins,prog,max-rules,max-containers,counters,KiB,per,CPU,%s,no,XDP,program,on,%s,not,attached,in,this,network,namespace\n' \
			"$(jq -r '((.percpu_bytes // 0) / 1024 * 10 | round) / 10 | tostring | if test("[.]") then . else . + ".0" end' <<< "$2")" \
			"$(echo ${1#status})" ;;
	# check: "consistent: N containers and M rule records, ..." as text.
	check) echo "json=problem_count,unrepaired_count" \
		    "text=consistent,and,rule,records,the,intent,record,fast,path's" ;;
	"vtep list"|"vni list"|"container list"|"container show "*|\
	"stats web"|"version") echo "-" ;;
	# (stats without a name: the fast path's events may move between the
	# two runs.) check names its file in text.
	"policy check "*) echo "text=${1#policy check }" ;;
	# ct: the entries are lines (no count in text); the tables' sizes
	# as "entries ipv4 N ipv6 N max N per family"; a timeout at its
	# default says "(default)", a member of the "default" list in JSON.
	"ct list"*) echo "json=entry_count" ;;
	"ct stats") echo "text=entries,ipv4,ipv6,max,per,family,half-open,evicted" ;;
	"ct timeout") echo "-" ;;
	# fw list has no member for the container's default policy.
	"fw list"*) echo "text=default" ;;
	# op is +, - or ~ in text; a rule is its words there (no handle).
	"policy diff "*) echo "json=op,handle,container_count,rule_count" \
			      "text=+,-,~" ;;
	esac
}

# Run the text form of @args (a listing) beside its document @2.
parity() {
	local args=$1 ex

	ex=$(parity_args "$args" "$2")
	[ -n "$ex" ] || return 0
	[ "$ex" = - ] && ex=
	read -r -a argv <<< "$args"
	rxl_in "$NS" "${argv[@]}" > "$TEXT" 2>&1 ||
		rxl_fail "'$args' failed in text: $(cat "$TEXT")"
	printf '%s\n' "$2" > "$ONE"
	# shellcheck disable=SC2086 # $ex: words
	if ! err=$("$PY" -c "$PARITY" "$TEXT" "$ONE" $ex); then
		echo "$err" | sed 's/^/  /'
		rxl_fail "'$args': text and JSON differ"
	fi
	np=$((np + 1))
}

n=0
np=0
while IFS='|' read -r def args; do
	[ -n "$def" ] || continue
	read -r -a argv <<< "$args"
	if [ "$def" = error ]; then
		out=$(rxl_in "$NS" -j "${argv[@]}" 2>&1 >/dev/null) &&
			rxl_fail "'$args' succeeded"
	else
		out=$(rxl_in "$NS" -j "${argv[@]}" 2>&1) ||
			rxl_fail "'$args' failed: $out"
	fi
	[ -n "$out" ] || rxl_fail "'$args' printed no JSON"
	while IFS= read -r line; do
		printf '%s\t%s\t%s\n' "$def" "$args" "$line" >> "$DOCS"
	done <<< "$out"
	[ "$def" = error ] || parity "$args" "$out"
	n=$((n + 1))
done <<< "$TABLE"
[ "$np" -ge 12 ] || rxl_fail "only $np listings compared in text and JSON"
rxl_ok "$np listings: every field in text and in JSON"

# ct timeout: "default" names exactly the states text marks "(default)".
rxl_in "$NS" ct timeout icmp 7 || rxl_fail "ct timeout icmp 7"
want=$(rxl_in "$NS" ct timeout | awk '/\(default\)$/ {print $1}' | sort)
got=$(rxl_in "$NS" -j ct timeout | jq -r '.default[]' | sort)
[ "$got" = "$want" ] ||
	rxl_fail "ct timeout: JSON's default '$(echo $got)', text's '$(echo $want)'"
echo "$got" | grep -qx icmp && rxl_fail "ct timeout: icmp set to 7 listed as default"
rxl_in "$NS" -j ct timeout | jq -e '.timeouts.icmp == 7' >/dev/null ||
	rxl_fail "ct timeout: icmp not 7 in JSON"
rxl_in "$NS" ct timeout icmp default || rxl_fail "ct timeout icmp default"
rxl_in "$NS" -j ct timeout | jq -e '.default | index("icmp")' >/dev/null ||
	rxl_fail "ct timeout: icmp set back is not listed as default"
rxl_ok "ct timeout: the states at their default, the same in text and JSON"

# The validator: its stdin is the documents, one "def<TAB>args<TAB>json"
# per line; prints each failure.
validate() { "$PY" "$(dirname "$0")/cli_schema.py" "$SCHEMA"; }

# check with something to find (exit 1, its document on stdout), then
# --repair: a container in the fast path that no record names.
ip netns exec "$NS" "$(cd "$(dirname "$0")" && pwd)/fw_tool" --dev v0 \
	container 7 10.200.0.7 || rxl_fail "fw_tool container 7"
for args in check "check --repair"; do
	out=$(rxl_in "$NS" -j $args)
	rc=$?
	[ "$args" = check ] && [ $rc -ne 1 ] &&
		rxl_fail "'$args' exited $rc with container 7 unrecorded"
	[ "$args" != check ] && [ $rc -ne 0 ] && rxl_fail "'$args' exited $rc"
	printf '%s\t%s\t%s\n' check "$args" "$out" >> "$DOCS"
	n=$((n + 1))
done

if ! err=$(validate < "$DOCS"); then
	echo "$err" | sed 's/^/  /'
	rxl_fail "-j output does not match $SCHEMA"
fi
docs=$(wc -l < "$DOCS")
rxl_ok "$n commands, $docs documents match the schema"

# Each optional member was seen at least once, so a schema entry that no
# command exercises cannot hide a wrong type.
for path in '.attached[]?.delivery' '.containers[]?.dev' \
	    '.rules[]?.dport.max' '.rules[]?.comment' '.rules[]?.from' \
	    '.container.rules[]?.dport' '.changes[]?.rule' '.interval' \
	    '.containers[]?.pass.pps' '.drops.default' '.error.token' \
	    '.max_rules' '.max_containers' '.percpu_bytes' '.problems[]?.id'; do
	cut -f3 "$DOCS" |
		jq -se "[.[] | $path | select(. != null)] | length > 0" \
		>/dev/null || 
		rxl_fail "no document had $path"
done
rxl_ok "every optional member appeared"

# The validator refuses the old shapes (schema 1) and unknown members.
while IFS='|' read -r def doc; do
	[ -n "$def" ] || continue
	printf '%s\told\t%s\n' "$def" "$doc" | validate >/dev/null &&
		rxl_fail "the validator accepted $def: $doc"
done <<'OLD'
container_list|{"schema":2,"containers":[{"name":"w","id":0,"default":"drop","ips":["10.0.0.1"],"vnis":[],"rules":4}]}
fw_list|{"schema":2,"rules":[{"handle":1,"prio":1,"action":"allow","proto":"tcp","dport":"80","container":"w"}]}
status|{"schema":2,"attached":[],"pin_dir":"/x","containers":1,"rules":2}
done|{"schema":1}
done|{"schema":2,"bogus":1}
OLD
rxl_ok "documents of schema 1 and unknown members are refused"

echo "PASS: every command's -j output matches Documentation/rxlane-cli.schema.json"
exit 0
