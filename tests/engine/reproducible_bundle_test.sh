#!/usr/bin/env bash
# A bundle's digest depends only on the policies' content, their names relative to the folder
# they were loaded from and the schema (spec/bytecode.md, "Source names"): not on the folder
# it was built in or from, the order of the arguments, or test files.
# Usage: reproducible_bundle_test.sh ARBITER_BINARY SOURCE_DIR WORK_DIR
set -u
arbiter=$1
src=$2
work=$3
rm -rf "$work" && mkdir -p "$work/one" "$work/two/deeper"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# digest ARGS...: `arbiter build ARGS` and the digest it printed ("" when it failed).
digest() {
  local out
  out=$("$arbiter" build "$@" 2>"$work/err.txt") || { fail "build $* :: $(cat "$work/err.txt")"; return; }
  echo "${out##* }"
}

# Two copies of a stdlib pack in different places: the first gets one more test file, the
# second has no test file at all.
cp -r "$src/stdlib-policies/access-rbac" "$work/one/rbac"
cp -r "$src/stdlib-policies/access-rbac" "$work/two/deeper/rbac"
rm "$work/two/deeper/rbac/rbac_test.arbiter"
cat > "$work/one/rbac/extra_test.arbiter" <<'EOF'
package access.rbac;

test nobody_deletes {
  request {
    subject: { type: "User", id: "nobody" },
    action: { name: "delete" },
    resource: { type: "Document", id: "q3-report" },
    context: {}
  }
  expect deny
}
EOF

# The folder, relative, built from inside the first copy's parent.
a=$(cd "$work/one" && digest -p rbac --schema rbac/schema.arbiterschema -o a.bundle)
# The policy file alone, absolute, built from elsewhere, schema relative to there.
b=$(cd "$work/two" && digest -p "$work/two/deeper/rbac/roles.arbiter" \
      --schema deeper/rbac/schema.arbiterschema -o b.bundle)
# Every file named, tests first, in another order.
c=$(cd "$work/one/rbac" && digest -p extra_test.arbiter rbac_test.arbiter roles.arbiter \
      --schema schema.arbiterschema -o ../c.bundle)
d=$(cd "$work/one/rbac" && digest -p roles.arbiter rbac_test.arbiter extra_test.arbiter \
      --schema schema.arbiterschema -o ../d.bundle)
case "$a" in sha256:*) ;; *) fail "no digest printed: '$a'" ;; esac
[ "$a" = "$b" ] || fail "the build folder or test files changed the digest: $a vs $b"
[ "$a" = "$c" ] || fail "test files or argument order changed the digest: $a vs $c"
[ "$c" = "$d" ] || fail "argument order changed the digest: $c vs $d"
cmp -s "$work/one/a.bundle" "$work/two/b.bundle" || fail "the bundle bytes differ"
cmp -s "$work/one/c.bundle" "$work/one/d.bundle" || fail "the bundle bytes differ by order"
# The bundle names its files relative to the pack: no build folder inside.
grep -q "$work" "$work/two/b.bundle" && fail "the bundle holds the path it was built from"
grep -q "roles.arbiter" "$work/one/a.bundle" || fail "the bundle does not name roles.arbiter"
grep -q "rbac_test" "$work/one/a.bundle" && fail "the bundle names a test file"

# Several packs: named relative to their common folder, whatever the order of the folders.
mkdir -p "$work/packs" "$work/elsewhere"
cp -r "$src/stdlib-policies/access-rbac" "$src/stdlib-policies/access-abac" "$work/packs/"
e=$(cd "$work" && digest -p packs/access-rbac packs/access-abac -o e.bundle)
f=$(cd "$work/elsewhere" && digest -p "$work/packs/access-abac" ../packs/access-rbac -o f.bundle)
[ -n "$e" ] && [ "$e" = "$f" ] || fail "folder order or build folder changed the digest: $e vs $f"

# What does count: the policy text, a file's name and the schema.
echo "// a comment is content" >> "$work/two/deeper/rbac/roles.arbiter"
g=$(cd "$work/two" && digest -p deeper/rbac --schema deeper/rbac/schema.arbiterschema -o g.bundle)
[ -n "$g" ] && [ "$g" != "$a" ] || fail "changed policy text kept the digest $a"
mv "$work/two/deeper/rbac/roles.arbiter" "$work/two/deeper/rbac/renamed.arbiter"
h=$(cd "$work/two" && digest -p deeper/rbac --schema deeper/rbac/schema.arbiterschema -o h.bundle)
[ -n "$h" ] && [ "$h" != "$g" ] || fail "a renamed file kept the digest $g"
i=$(cd "$work/one" && digest -p rbac -o i.bundle)
[ -n "$i" ] && [ "$i" != "$a" ] || fail "building without the schema kept the digest $a"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "reproducible bundles: ok"
