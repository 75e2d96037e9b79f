#!/usr/bin/env bash
# README.md is this test's input: every command block in it runs, in order, in one shell, in a
# scratch copy of the repository's root (trustcse.toml, scripts/, build/ → the build under test),
# as a user would type it in a second terminal. A block fails the test when a command in it
# fails or a request it makes is refused:
#   curl                      — with --fail-with-body (an HTTP error status fails)
#   openssl s_client          — the HTTP status line of the answer must be below 400
#   coap-client-*             — an answer with a 4.xx/5.xx code fails
#   mosquitto_sub             — must receive a message; a response primitive needs rsc < 4000
# Markers (HTML comments, invisible on GitHub) before a block:
#   <!-- readme-test: server --> the block starts the CSE: it runs in the background (the
#       previous server is stopped first, as the README tells the user to do) and the test waits
#       until the CSE says it serves. `scripts/start.sh` (install, build, then
#       `exec scripts/serve.sh`) is run as scripts/serve.sh: the build under test is not rebuilt;
#       the test checks that start.sh indeed ends that way.
#   <!-- readme-test: skip (why) --> the block does not run.
# It uses README's fixed ports (8080, 8443, 8444, 5683–5685, 8883): they must be free.
# Usage: readme_test.sh REPO_ROOT BUILD_DIR
set -uo pipefail
repo=$(cd "${1:?usage: readme_test.sh REPO_ROOT BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: readme_test.sh REPO_ROOT BUILD_DIR}" && pwd)
source "$repo/test/integration/lib.sh"
start_test readme
broker_pid() { cat "$dir/var/mosquitto/pid" 2>/dev/null; }
# stop_server — SIGTERM to the running server block's session (the user's Ctrl-C).
stop_server() {
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # The CSE outlives the block's shell by its graceful shutdown; up to 10 s, then SIGKILL.
  for _ in $(seq 100); do pgrep -s "$pid" >/dev/null || break; sleep 0.1; done
  pkill -KILL -s "$pid" 2>/dev/null
  pid=
}
current=
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ] && [ -n "$current" ]; then
    echo "FAIL $current: a command of this block failed (its output is above); server log:"
    tail -20 server.*.log 2>/dev/null
  fi
  stop_server
  local b; b=$(broker_pid); [ -n "$b" ] && kill "$b" 2>/dev/null
  cd / && rm -rf "$dir"
  exit $rc
}
trap on_exit EXIT

for port in 8080 8443 8444 8883; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "readme_test: port $port is in use (a trustcse or broker already running?); stop it first"
    exit 1
  fi
done
grep -qx 'exec scripts/serve.sh "$@"' "$repo/scripts/start.sh" && pass ||
  fail "scripts/start.sh no longer ends with: exec scripts/serve.sh \"\$@\" (this test relies on it)"

cp "$repo/trustcse.toml" .
ln -s "$repo/scripts" scripts
ln -s "$build" build
mkdir blocks

# The blocks: blocks/N.sh and blocks/N.kind (run, server, skip).
python3 - "$repo/README.md" blocks <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
out, kind, blocks, i = sys.argv[2], "run", [], 0
while i < len(lines):
    line = lines[i]
    m = re.match(r"\s*<!--\s*readme-test:\s*(\w+)", line)
    if m:
        kind = m.group(1)
        if kind not in ("server", "skip"):
            sys.exit(f"README.md line {i + 1}: unknown readme-test marker '{kind}'")
        i += 1
        continue
    fence = re.match(r"```(sh|bash|shell)\s*$", line)
    if fence or (line.startswith("    ") and line.strip() and (i == 0 or not lines[i - 1].strip())):
        body, start = [], i + 1
        if fence:
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i]); i += 1
            i += 1
        else:
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:]); i += 1
        while body and not body[-1].strip():
            body.pop()
        blocks.append((kind, start, "\n".join(body) + "\n"))
        kind = "run"
        continue
    i += 1
for n, (k, start, text) in enumerate(blocks, 1):
    open(f"{out}/{n}.sh", "w").write(text)
    open(f"{out}/{n}.kind", "w").write(f"{k} {start}\n")
PY
[ $? -eq 0 ] || { echo "readme_test: could not read README.md"; exit 1; }
count=$(ls blocks/*.sh 2>/dev/null | wc -l)
[ "$count" -ge 6 ] && pass || fail "only $count command blocks found in README.md"

# The checks around the clients (see the file comment). Functions, so that the README's
# commands run unchanged; `command` reaches the real tool.
curl() { command curl --fail-with-body "$@"; }
openssl() {
  [ "${1:-}" = s_client ] || { command openssl "$@"; return; }
  local out rc status
  rc=0; out=$(command openssl "$@") || rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] || return $rc
  status=$(printf '%s\n' "$out" | awk '/^HTTP\/1\.1 / {print $2; exit}')
  [ -n "$status" ] && [ "$status" -lt 400 ] || { echo "readme_test: s_client got HTTP '$status'" >&2; return 1; }
}
coap_checked() {
  local out rc
  rc=0; out=$(command "$@" 2>&1) || rc=$?  # coap-client reports error answers on stderr
  printf '%s\n' "$out"
  [ $rc -eq 0 ] || return $rc
  if printf '%s' "$out" | grep -qE '^[45]\.[0-9][0-9]'; then echo "readme_test: CoAP error answer" >&2; return 1; fi
}
coap-client-notls() { coap_checked coap-client-notls "$@"; }
coap-client-openssl() { coap_checked coap-client-openssl "$@"; }
mosquitto_sub() {
  local out rc rsc
  rc=0; out=$(command mosquitto_sub "$@") || rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] && [ -n "$out" ] || { echo "readme_test: mosquitto_sub received nothing (rc $rc)" >&2; return 1; }
  rsc=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("rsc", 0))' 2>/dev/null)
  [ -z "$rsc" ] || [ "$rsc" -lt 4000 ] || { echo "readme_test: MQTT answer rsc $rsc" >&2; return 1; }
}

# start_server N — runs block N in the background and waits until the CSE serves.
start_server() {
  stop_server
  local script=blocks/$1.sh
  sed -i 's#^scripts/start\.sh#scripts/serve.sh#' "$script"
  # In a session of its own, so that stopping it reaches the CSE the block's script started.
  TRUSTCSE_BUILD=$build setsid bash "$script" >"server.$1.out" 2>"server.$1.log" &
  pid=$!
  for _ in $(seq 150); do
    grep -q "serving" "server.$1.log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "readme_test: the server of block $1 did not start:"; cat "server.$1.log"
  return 1
}

for n in $(seq "$count"); do
  read -r kind line <"blocks/$n.kind"
  printf '\n=== README.md line %s (%s)\n' "$line" "$kind"
  case $kind in
    skip) cat "blocks/$n.sh"; continue ;;
    server)
      cat "blocks/$n.sh"
      if start_server "$n"; then pass; else fail "README.md line $line: the server did not start"; break; fi ;;
    run)
      cat "blocks/$n.sh"
      echo "---"
      # In this shell, so that what one block sets (a PSK, a password) is there for the next;
      # a failing command ends the test (set -e), and the exit trap names the block.
      current="README.md line $line"
      set -e
      source "blocks/$n.sh"
      set +e
      current=
      pass ;;
  esac
done
finish readme
