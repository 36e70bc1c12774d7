#!/usr/bin/env bash
# `arbiter test` from the command line: --filter, --verbose, --junit and their exit codes on a
# small pack written here (spec/testing.md).
# Usage: test_command_test.sh ARBITER_BINARY WORK_DIR
set -u
arbiter=$1
work=$2
rm -rf "$work" && mkdir -p "$work/p"
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_exit() {  # expect_exit CODE -- command...
  local want=$1; shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" = "$want" ] || fail "exit $got (want $want): $* :: $(cat out.txt err.txt)"
}
contains() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2 :: $(cat "$1")"; }
lacks() { grep -qF -- "$2" "$1" && fail "$1 has: $2 :: $(cat "$1")"; }

cat > p/rules.arbiter <<'EOF'
@fail_closed
package p;

forbid guard {
  when context.level > 2
}

permit reads {
  when action == Action::"read"
}
EOF
cat > p/p_test.arbiter <<'EOF'
package p;

test reads_ok {
  request { subject: { type: "User", id: "a" }, action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: { level: 1 } }
  expect allow
  reasons [reads]
}

test closes_on_error {
  request { subject: { type: "User", id: "a" }, action: { name: "read" }, resource: { type: "Doc", id: "d" }, context: {} }
  expect fail_closed
  errors [guard]
}

test writes_wrongly {
  request { subject: { type: "User", id: "a" }, action: { name: "write" }, resource: { type: "Doc", id: "d" }, context: { level: 1 } }
  expect error
}
EOF

# Every test: one fails.
expect_exit 1 -- "$arbiter" test p
contains out.txt "p/p_test.arbiter:15: writes_wrongly: expected an evaluation error, got none (deny)"
contains out.txt "2 passed, 1 failed"
lacks out.txt "reads_ok"

# --filter: bare or qualified, globs, repeatable; the failing test left out passes the run.
expect_exit 0 -- "$arbiter" test p --filter 'reads_*' --filter 'p.closes_on_?rror'
contains out.txt "2 passed, 0 failed"
expect_exit 1 -- "$arbiter" test p --filter 'writes*'
contains out.txt "0 passed, 1 failed"
expect_exit 1 -- "$arbiter" test p --filter 'nothing'
contains err.txt "no test matches --filter"

# --verbose: every test with its decision.
expect_exit 1 -- "$arbiter" test p --verbose
contains out.txt "PASS p/p_test.arbiter:3: reads_ok"
contains out.txt "  decision: allow; reasons [p.reads]; obligations []"
contains out.txt "PASS p/p_test.arbiter:9: closes_on_error"
contains out.txt "  decision: deny (fail-closed); reasons [p.guard]; obligations []"
contains out.txt "  error: p.guard: "
contains out.txt "FAIL p/p_test.arbiter:15: writes_wrongly: expected an evaluation error, got none (deny)"

# --junit: the file is written whatever the outcome, with the same exit code.
expect_exit 1 -- "$arbiter" test p --junit report.xml
contains out.txt "2 passed, 1 failed"
contains report.xml '<?xml version="1.0" encoding="UTF-8"?>'
contains report.xml '<testsuites name="arbiter test" tests="3" failures="1" errors="0">'
contains report.xml '<testsuite name="p" tests="3" failures="1" errors="0">'
contains report.xml '<testcase classname="p" name="reads_ok" file="p/p_test.arbiter" line="3"/>'
contains report.xml '<failure message="expected an evaluation error, got none (deny)">'
[ "$(grep -c '<testcase ' report.xml)" = 3 ] || fail "report.xml does not hold 3 test cases"
[ "$(grep -c '</testsuite>' report.xml)" = 1 ] || fail "report.xml does not close its suite"
tail -n 1 report.xml | grep -qx '</testsuites>' || fail "report.xml does not end with </testsuites>"
[ -e report.xml.tmp ] && fail "the temporary JUnit file was left behind"
expect_exit 0 -- "$arbiter" test p --filter reads_ok --junit ok.xml
contains ok.xml '<testsuites name="arbiter test" tests="1" failures="0" errors="0">'
expect_exit 1 -- "$arbiter" test p --junit no-such-dir/report.xml
contains err.txt "cannot write the JUnit report"

# JSON output still works with the new flags, and says what was expected.
expect_exit 0 -- "$arbiter" test p --filter closes_on_error --format json
contains out.txt '"decision": "fail_closed"'

# --watch: runs, then runs again when a policy file changes; stopped by a signal. Waits for
# output (up to 30 s each), never asserts on time.
wait_for() {  # wait_for FILE TEXT COUNT: until FILE holds TEXT on COUNT lines
  local tries=0
  while [ "$(grep -cF -- "$2" "$1")" -lt "$3" ] && [ $tries -lt 300 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  [ "$(grep -cF -- "$2" "$1")" -ge "$3" ] || fail "$1 never had $3 line(s) with: $2 :: $(cat "$1")"
}
"$arbiter" test p --filter reads_ok --watch >watch.txt 2>&1 &
watcher=$!
wait_for watch.txt "1 passed, 0 failed" 1
touch report.xml notes.txt  # not policy files: no run
sed -i 's/expect allow/expect deny/' p/p_test.arbiter
wait_for watch.txt "0 passed, 1 failed" 1
contains watch.txt "--- files changed; running again"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
[ "$(grep -c -- "--- files changed" watch.txt)" = 1 ] || fail "--watch ran more than once per change :: $(cat watch.txt)"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "arbiter test flags: ok"
