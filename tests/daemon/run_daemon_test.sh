#!/usr/bin/env bash
# `make run`'s script keeps its ledger, signing key and token in a data directory outside the
# source tree: ARBITER_DATA_DIR when set, else under $XDG_STATE_HOME or $HOME/.local/state. It
# says where, creates the directory 0700 and the secrets 0600, and writes nothing into the
# source tree. Starts the real daemon (one pack, any free port) and stops it.
# Usage: run_daemon_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -u
build=$1
src=$2
work=$3
rm -rf "$work" && mkdir -p "$work/home"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
marker="$work/started"
touch "$marker"
sleep 1  # file times have a coarse granularity on some filesystems: be strictly after the marker

# start_daemon DATA_DIR_EXPECTED ENV...: runs scripts/run-daemon with ENV, waits until the
# daemon's ledger and key exist in DATA_DIR_EXPECTED (or it exits), then stops it.
start_daemon() {
  local data=$1; shift
  env -u ARBITER_DATA_DIR -u XDG_STATE_HOME "$@" \
    "$src/scripts/run-daemon" "$build" 127.0.0.1:0 access-rbac >"$work/out.txt" 2>&1 &
  local pid=$!
  local tries=0
  while [ ! -s "$data/ledger/arbiter-dev.key" ] && kill -0 "$pid" 2>/dev/null && [ $tries -lt 600 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  kill -0 "$pid" 2>/dev/null || fail "the daemon exited early :: $(cat "$work/out.txt")"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -s "$data/ledger/arbiter-dev.key" ] || fail "no signing key in $data/ledger :: $(cat "$work/out.txt")"
  grep -qF "Data directory:   $data" "$work/out.txt" || fail "the data directory is not shown :: $(cat "$work/out.txt")"
  [ "$(stat -c %a "$data")" = 700 ] || fail "$data is $(stat -c %a "$data"), not 700"
  for secret in dev-token auth.json ledger/arbiter-dev.key; do
    [ "$(stat -c %a "$data/$secret")" = 600 ] || fail "$data/$secret is $(stat -c %a "$data/$secret"), not 600"
  done
  grep -qF "Bearer $(cat "$data/dev-token")" "$work/out.txt" || fail "the printed commands do not send the token"
}

# ARBITER_DATA_DIR, relative to where the script is started.
(cd "$work" && start_daemon "$work/chosen" ARBITER_DATA_DIR=chosen)
# The default: $XDG_STATE_HOME/arbiter/dev, else $HOME/.local/state/arbiter/dev.
start_daemon "$work/state/arbiter/dev" HOME="$work/home" XDG_STATE_HOME="$work/state"
start_daemon "$work/home/.local/state/arbiter/dev" HOME="$work/home"

# Nothing new in the source tree (build folders and dependencies aside).
new=$(find "$src" \( -path "$src/build*" -o -path "$src/.git" -o -name node_modules \) -prune \
        -o -newer "$marker" -print)
[ -z "$new" ] || fail "written into the source tree: $new"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "run-daemon data directory: ok"
