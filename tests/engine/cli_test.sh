#!/usr/bin/env bash
# The engine's commands end to end: arbiter eval / build / disasm / bench, their exit codes,
# and bad input reported with file and position (exit 1, never a decision).
# Usage: cli_test.sh ARBITER_BINARY SOURCE_DIR WORK_DIR
set -u
arbiter=$1
src=$2
work=$3
rm -rf "$work" && mkdir -p "$work"
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_exit() {  # expect_exit CODE -- command...
  local want=$1; shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" = "$want" ] || fail "exit $got (want $want): $* :: $(cat err.txt)"
}
contains() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2 :: $(cat "$1")"; }

policy=$src/tests/engine/testdata/docs.arbiter
data=$src/tests/engine/testdata/docs-entities.json
allow='{"subject":{"type":"User","id":"alice"},"action":{"name":"read"},"resource":{"type":"Doc","id":"d1"}}'
deny='{"subject":{"type":"User","id":"alice"},"action":{"name":"read"},"resource":{"type":"Doc","id":"d2"}}'
echo "$allow" > allow.json
echo "$deny" > deny.json

# eval: allow, deny, the exact JSON shape, stdin, --fail-on-deny, --explain.
expect_exit 0 -- "$arbiter" eval -p "$policy" -d "$data" -i allow.json
contains out.txt '{"decision":"allow","reasons":[{"rule":"docs.owners_read","message":"owners read their documents"}],"obligations":[],"errors":[],"bundle":"sha256:'
expect_exit 0 -- "$arbiter" eval -p "$policy" -d "$data" -i deny.json
contains out.txt '"decision":"deny","reasons":[{"rule":"docs.archived"'
expect_exit 2 -- "$arbiter" eval -p "$policy" -d "$data" -i deny.json --fail-on-deny
expect_exit 0 -- "$arbiter" eval -p "$policy" -d "$data" -i allow.json --fail-on-deny
"$arbiter" eval -p "$policy" -d "$data" < allow.json > stdin.txt 2>&1 || fail "eval from stdin"
contains stdin.txt '"decision":"allow"'
expect_exit 0 -- "$arbiter" eval -p "$policy" -d "$data" -i allow.json --explain
contains out.txt '"explain":[{"rule":"docs.owners_read","effect":"permit","outcome":"matched"'

# Bad input: file and position, exit 1, no decision on stdout.
printf '{"subject":{"type":"User","id":"alice"},\n "action":{"name":"read"},\n "resource":{"type":"Doc" "id":"d1"}}\n' > bad.json
expect_exit 1 -- "$arbiter" eval -p "$policy" -d "$data" -i bad.json
contains err.txt 'bad.json:3:27: invalid JSON'
[ -s out.txt ] && fail "a decision was printed for bad input"
echo '{"subject":{"type":"User","id":"alice"},"action":{"name":"read"}}' > noresource.json
expect_exit 1 -- "$arbiter" eval -p "$policy" -d "$data" -i noresource.json
contains err.txt 'noresource.json:1:1: request has no "resource"'
printf '[\n  {"uid":{"type":"User","id":"a"},"parents":[{"type":"Group","id":"nope"}]}\n]\n' > orphan.json
expect_exit 1 -- "$arbiter" eval -p "$policy" -d orphan.json -i allow.json
contains err.txt 'orphan.json:2:46: parent Group::"nope" of User::"a" does not exist'
expect_exit 1 -- "$arbiter" eval -p "$policy" -d missing.json -i allow.json
contains err.txt 'missing.json'
printf 'permit broken { when }\n' > broken.arbiter
expect_exit 1 -- "$arbiter" eval -p broken.arbiter -i allow.json
contains err.txt 'broken.arbiter:1:'
expect_exit 1 -- "$arbiter" eval -i allow.json
contains err.txt 'no policies'

# build + eval -b: same decision, same digest.
expect_exit 0 -- "$arbiter" build -p "$policy" -o docs.bundle
"$arbiter" eval -p "$policy" -d "$data" -i allow.json > from_source.txt
"$arbiter" eval -b docs.bundle -d "$data" -i allow.json > from_bundle.txt
cmp -s from_source.txt from_bundle.txt || fail "bundle and source decisions differ"
# A damaged bundle is refused, never run.
cp docs.bundle damaged.bundle
orig=$(od -An -tx1 -j40 -N1 docs.bundle | tr -d ' ')
if [ "$orig" = "5a" ]; then printf '\xa5'; else printf '\x5a'; fi | dd of=damaged.bundle bs=1 seek=40 conv=notrunc status=none
expect_exit 1 -- "$arbiter" eval -b damaged.bundle -d "$data" -i allow.json
contains err.txt 'digest mismatch'
head -c 100 docs.bundle > short.bundle
expect_exit 1 -- "$arbiter" eval -b short.bundle -d "$data" -i allow.json
contains err.txt 'truncated'

# disasm of a bundle and of sources: rule ids, source lines, opcodes.
expect_exit 0 -- "$arbiter" disasm docs.bundle
contains out.txt 'rule docs.owners_read (permit)'
contains out.txt 'docs.arbiter:4'
contains out.txt 'GetAttr     "owner"'
expect_exit 0 -- "$arbiter" disasm "$policy"
contains out.txt 'rule docs.archived (forbid)'

# Hand-made hostile bundles (written by engine_verifier_tests): garbage after the verified code
# is not shown; a rule-index key with a negative constant index is rejected, not run.
expect_exit 0 -- "$arbiter" disasm "$src/tests/engine/testdata/unreachable-garbage.bundle"
contains out.txt '4 words not reached'
grep -q 'GetAttr' out.txt && fail "disasm showed code the verifier did not reach"
hostile=$src/tests/engine/testdata/negative-index-key.bundle
expect_exit 1 -- "$arbiter" eval -b "$hostile" -i allow.json
contains err.txt 'attribute constant index -3 out of range'

# bench: prints the figures.
expect_exit 0 -- "$arbiter" bench -p "$policy" -d "$data" -i allow.json --seconds 0.2 --threads 2
for key in 'decisions/s:' 'median_ns:' 'p90_ns:' 'p99_ns:'; do contains out.txt "$key"; done

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "cli: all checks passed"
