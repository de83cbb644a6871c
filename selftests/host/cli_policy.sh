#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane policy check|diff|apply: a file takes effect whole or not at all.
#  - files with one bad rule, a bad key, a duplicate name, a YAML error or
#    a rule set the fast path cannot hold change nothing (configuration
#    and traffic verdicts as before), and say what is wrong;
#  - JSON and YAML forms of one policy are the same policy;
#  - a good file replaces the rules while TCP connections run through the
#    fast path: a port both rule sets allow never fails.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init policy
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
DIR=$(mktemp -d /tmp/rxl-policy.XXXXXX)
trap 'rm -rf "$DIR"; rxl_cleanup' EXIT

rxl_topo
cli() { rxl_in "$RXL_R" "$@" || rxl_fail "rxlane $*"; }
cli attach r0 mode native
cli vtep add 10.0.0.2 type vxlan
cli vni add 100
rxl_tcp_server 80 8080 22

cat > "$DIR/a.json" <<'EOF'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2"], "vni": "100", "default": "drop",
   "rules": [
     {"action": "allow", "proto": "tcp", "from": "10.100.0.0/24",
      "dport": 80, "prio": 10, "comment": "http"},
     {"action": "allow", "proto": "tcp", "dport": "8080"}]}]}
EOF
cat > "$DIR/a.yaml" <<'EOF'
schema: 1
containers:
  - name: web
    ips: [10.200.0.2]
    vni: 100
    default: drop
    rules:
      - {action: allow, proto: tcp, from: 10.100.0.0/24, dport: 80,
         prio: 10, comment: http}
      - {action: allow, proto: tcp, dport: 8080}
EOF
cat > "$DIR/b.json" <<'EOF'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2"], "vni": "100", "default": "drop",
   "rules": ["allow proto tcp from 10.100.0.0/24 dport 80 prio 10 comment http",
             "allow proto tcp dport 22"]},
  {"name": "db", "ips": ["10.200.0.3"]}]}
EOF
# One bad rule, last in the file.
cat > "$DIR/bad-rule.json" <<'EOF'
{"containers": [
  {"name": "web", "ips": ["10.200.0.2"], "default": "allow",
   "rules": ["allow proto tcp dport 22", "drop proto tcp dport 80",
             "allow from 10.100.0.0/33"]}]}
EOF
cat > "$DIR/bad-key.json" <<'EOF'
{"containers": [{"name": "web", "ips": ["10.200.0.2"], "colour": "red"}]}
EOF
cat > "$DIR/bad-dup.json" <<'EOF'
{"containers": [{"name": "web", "ips": ["10.200.0.2"]},
                {"name": "web", "ips": ["10.200.0.5"]}]}
EOF
cat > "$DIR/bad-syntax.json" <<'EOF'
{"containers": [{"name": "web", "ips": ["10.200.0.2"]]}
EOF
cat > "$DIR/bad.yaml" <<'EOF'
containers:
  - name: web
    ips: [10.200.0.2]
    colour: red
EOF
# Valid words, but more source shapes than the fast path holds (8): only
# the fast path finds out, after web has already been changed.
{
	echo '{"containers": ['
	echo ' {"name": "web", "ips": ["10.200.0.2"], "default": "allow"},'
	echo ' {"name": "zz", "ips": ["10.200.0.9"], "rules": ['
	for l in 8 9 10 11 12 13 14 15 16; do
		echo "\"drop from 10.0.0.0/$l\","
	done
	echo '"drop from 10.1.0.0/17"]}]}'
} > "$DIR/bad-shapes.json"

state() { rxl_in "$RXL_R" -j container list; rxl_in "$RXL_R" -j fw list; }

cli policy check "$DIR/a.json" | grep -q ": 1 containers, 2 rules: ok" ||
	rxl_fail "check a.json"
cli policy apply "$DIR/a.json" >/dev/null
rxl_connect 80 || rxl_fail "a.json: 80 refused"
rxl_connect 8080 || rxl_fail "a.json: 8080 refused"
rxl_cli_refused 22 web default || rxl_fail "a.json: 22: $RXL_WHY"
rxl_ok "a.json applied: 80 and 8080 allowed, 22 refused"

out=$(cli policy diff "$DIR/a.yaml")
[ -z "$out" ] || rxl_fail "a.yaml differs from a.json: $out"
[ "$(cli -j policy apply "$DIR/a.yaml" | jq '.changes | length')" = 0 ] ||
	rxl_fail "applying a.yaml over a.json changed something"
rxl_ok "JSON and YAML forms are the same policy"

BEFORE=$(state)
out=$(cli -n policy apply "$DIR/b.json")
case "$out" in
*"+ container db"*"would be applied (dry run)"*) ;;
*) rxl_fail "dry run apply printed: $out" ;;
esac
[ "$(state)" = "$BEFORE" ] || rxl_fail "policy apply -n changed the configuration"
rxl_ok "policy apply -n shows the changes and makes none"

check_refused() {	# file, text of the message
	local err

	err=$(rxl_in "$RXL_R" policy apply "$DIR/$1" 2>&1)
	[ $? -eq 1 ] || rxl_fail "$1: applied"
	case "$err" in
	*"$2"*) ;;
	*) rxl_fail "$1: message '$err' lacks '$2'" ;;
	esac
	[ "$(state)" = "$BEFORE" ] || rxl_fail "$1 changed the configuration"
	rxl_in "$RXL_R" policy check "$DIR/$1" >/dev/null 2>&1 &&
		[ "$1" != bad-shapes.json ] && rxl_fail "$1: check passed"
	rxl_ok "$1 refused ('$2'), nothing changed"
}
check_refused bad-rule.json "container 'web' rule 3: bad prefix '10.100.0.0/33'"
check_refused bad-key.json "unknown key 'colour'"
check_refused bad-dup.json "container 'web' given twice"
check_refused bad-syntax.json "bad-syntax.json:1:"
check_refused bad.yaml "colour"
check_refused bad-shapes.json "rules of container 'zz'"
rxl_connect 8080 || rxl_fail "after refused files: 8080 refused"
rxl_cli_refused 22 web default ||
	rxl_fail "after refused files: 22: $RXL_WHY"
rxl_ok "traffic verdicts unchanged by refused files"

# Replace rules while connections run: port 80 is allowed by a and b.
ip netns exec "$RXL_S" python3 -c '
import socket, sys, time
fails = 0
end = time.time() + float(sys.argv[1])
n = 0
while time.time() < end:
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("10.200.0.2", 80))
    except OSError:
        fails += 1
    s.close()
    n += 1
print(n, fails)
' 8 > "$DIR/traffic" &
TRAFFIC=$!
for i in 1 2 3 4 5; do
	cli policy apply "$DIR/b.json" >/dev/null
	cli policy apply "$DIR/a.json" >/dev/null
done
cli policy apply "$DIR/b.json" >/dev/null
wait $TRAFFIC
read -r n fails < "$DIR/traffic"
[ "$n" -gt 10 ] || rxl_fail "only $n connections during the replacements"
[ "$fails" -eq 0 ] || rxl_fail "$fails of $n connections to port 80 failed"
rxl_ok "11 replacements under traffic: $n connections, none failed"

rxl_connect 22 || rxl_fail "b.json: 22 refused"
rxl_cli_refused 8080 web default || rxl_fail "b.json: 8080: $RXL_WHY"
[ "$(cli -j fw list web | jq '.rules[] | select(.dport == {"min": 80, "max": 80}) | .handle')" = 1 ] ||
	rxl_fail "the unchanged rule lost its handle"
rxl_ok "b.json in force; the unchanged rule kept handle 1"

echo "PASS: policy files apply whole or not at all, also under traffic"
exit 0
