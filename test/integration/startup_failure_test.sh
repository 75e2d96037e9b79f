#!/usr/bin/env bash
# Start-up failures are errors, not crashes: every case below exits with the documented code
# (2 usage or configuration, 1 run-time; src/exe/README.md), never by a signal, and prints one
# line that names what failed and where. And the CLI acts only on the instance its configuration
# names: relative paths of a configuration file are relative to the file, an offline command never
# creates a second, empty instance, and a server that holds the instance lock but does not answer
# on the configured admin socket is refused without touching its store.
#   startup_failure_test.sh TRUSTCSE_BIN
# The tests run as root, which ignores file permissions: an unreadable configuration is a
# directory given as the file, and a read-only database directory is a read-only tmpfs in a
# private mount namespace (unshare -m; skipped where that is not allowed) plus a path whose
# "directory" is a regular file.
bin=$1
. "$(dirname "$0")/lib.sh"
start_test startup_failure
unset TRUSTCSE_CONFIG TRUSTCSE_MASTER_KEY

# A TCP and a UDP port held by another process for the whole test.
cat >hold.py <<'EOF'
import socket, sys, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
print(t.getsockname()[1], u.getsockname()[1], flush=True)
time.sleep(600)
EOF
python3 hold.py >ports &
holder=$!
trap 'kill $holder 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -s ports ] && break; sleep 0.1; done
read -r tport uport <ports
[ -n "$uport" ] || { echo "setup failed: no held ports"; exit 1; }

# expect NAME CODE PATTERN CMD… — CMD exits with CODE (not a signal, not a hang) and prints
# exactly one error line, which matches the extended regular expression PATTERN.
expect() {
  local name=$1 code=$2 pattern=$3 rc errors
  shift 3
  timeout 30 "$@" >"$name.out" 2>"$name.err"
  rc=$?
  if [ $rc -ge 124 ]; then fail "$name: ended by a signal or timeout (rc=$rc): $(tail -3 "$name.err")"; return; fi
  pass
  [ $rc = "$code" ] && pass || fail "$name: exit $rc, want $code: $(tail -3 "$name.err")"
  errors=$(grep -E '\[(critical|error)\]|^trustcse: ' "$name.err")
  [ "$(printf '%s\n' "$errors" | grep -c .)" = 1 ] && pass ||
    fail "$name: want exactly one error line, got: $(cat "$name.err")"
  printf '%s\n' "$errors" | grep -Eq -- "$pattern" && pass ||
    fail "$name: the line does not say '$pattern': $errors"
}

must "$bin" ca init --db "$dir/db1/trustcse.db" --out ca.pem >/dev/null 2>&1

# --- ports and sockets in use (exit 1) --------------------------------------------------------
expect http_in_use 1 "cannot start: HTTP port $tport on 127\.0\.0\.1 is in use: stop the other process or set \[http\] port \(--http-port\)" \
  "$bin" serve --db "$dir/db1/trustcse.db" --dev --http-port "$tport"
expect https_in_use 1 "cannot start: HTTPS port $tport on 127\.0\.0\.1 is in use: stop the other process or set \[\[tls\.listener\]\] port \(--tls-port\)" \
  "$bin" serve --db "$dir/db1/trustcse.db" --tls-port "$tport"
expect coaps_in_use 1 "cannot start: CoAP port $uport \(UDP\) on 127\.0\.0\.1 is in use: stop the other process or set \[\[coap\.listener\]\] port \(--coaps-port\)" \
  "$bin" serve --db "$dir/db1/trustcse.db" --coaps-port "$uport"
expect coaps_cert_in_use 1 "CoAP port $uport \(UDP\) on 127\.0\.0\.1 is in use: .*\(--coaps-cert-port\)" \
  "$bin" serve --db "$dir/db1/trustcse.db" --coaps-cert-port "$uport"
expect coap_in_use 1 "CoAP port $uport \(UDP\) on 127\.0\.0\.1 is in use: .*\[coap\] port \(--coap-port\)" \
  "$bin" serve --db "$dir/db1/trustcse.db" --dev --http-port 0 --coap-port "$uport"

# A server on db1; a second one on the same store, or on another store with its admin socket.
"$bin" serve --db "$dir/db1/trustcse.db" --tls-port 0 >serve1.out 2>serve1.log &
pid=$!
for _ in $(seq 100); do grep -q '^listening https' serve1.out && break; sleep 0.1; done
grep -q '^listening https' serve1.out || { echo "server 1 did not start"; cat serve1.log; exit 1; }
expect lock_held 1 "cannot start: another trustcse process holds the instance lock $dir/db1/trustcse\.db\.lock: stop it, or give this server another storage\.db \(--db\)" \
  "$bin" serve --db "$dir/db1/trustcse.db" --tls-port 0
must "$bin" ca init --db "$dir/db2/trustcse.db" >/dev/null 2>&1
printf '[admin]\nsocket = "%s"\n' "$dir/db1/admin.sock" >admin.toml
expect admin_in_use 1 "cannot start: another server answers on the admin socket $dir/db1/admin\.sock: stop the other server or set \[admin\] socket" \
  "$bin" serve --config admin.toml --db "$dir/db2/trustcse.db" --tls-port 0
kill "$pid"; wait "$pid"; rc=$?; pid=
[ $rc = 0 ] && pass || fail "server 1: exit $rc on SIGTERM"

# --- the configuration (exit 2) ---------------------------------------------------------------
expect config_missing 2 "cannot read the configuration file nope\.toml: No such file or directory" \
  "$bin" serve --config nope.toml
mkdir confdir
expect config_directory 2 "cannot read the configuration file confdir: it is a directory" \
  "$bin" serve --config confdir
printf '[cse]\nname = "x"\n[tls\n' >bad.toml
expect config_malformed 2 "configuration file bad\.toml line 3: " "$bin" serve --config bad.toml
printf '[cse]\nnmae = "x"\n' >typo.toml
expect config_unknown_key 2 "configuration file typo\.toml: unknown key cse\.nmae" \
  "$bin" serve --config typo.toml
TRUSTCSE_CONFIG=$dir/env.toml expect config_env_missing 2 \
  "cannot read the configuration file $dir/env\.toml: No such file" "$bin" credential list
if [ ! -e /etc/trustcse/trustcse.toml ]; then
  expect config_default_missing 2 "no configuration: /etc/trustcse/trustcse\.toml does not exist; give --config FILE" \
    "$bin" serve
else
  echo "skip config_default_missing: /etc/trustcse/trustcse.toml exists on this machine"
fi
expect log_level_flag 2 '--log-level "loud" is not a log level: use trace, debug, info, warn, error, critical or off' \
  "$bin" serve --db "$dir/db1/trustcse.db" --tls-port 0 --log-level loud
printf '[log]\nlevel = "loud"\n' >loud.toml
expect log_level_file 2 'configuration loud\.toml: log\.level "loud" is not a log level' \
  "$bin" serve --config loud.toml --db "$dir/db1/trustcse.db" --tls-port 0
expect unknown_flag 2 "The following argument was not expected: --bogus; run \`trustcse serve --help\`" \
  "$bin" serve --bogus
expect bad_value 2 "--http-port = abc; run \`trustcse serve --help\`" "$bin" serve --http-port abc
expect bad_port 2 "configuration \(defaults and flags\): http\.port out of range" \
  "$bin" serve --db "$dir/db1/trustcse.db" --dev --http-port 70000

# --- the master key (exit 2) ------------------------------------------------------------------
printf '[security]\ncreate_master_key = false\n' >nokey.toml
expect master_key_missing 2 "no master key: $dir/db3/master\.key does not exist and \[security\] create_master_key is false" \
  "$bin" serve --config nokey.toml --db "$dir/db3/trustcse.db" --tls-port 0
echo "not a key" >bad.key && chmod 600 bad.key
expect master_key_malformed 2 "the master key file bad\.key holds no 256-bit key" \
  "$bin" serve --db "$dir/db1/trustcse.db" --tls-port 0 --master-key-file bad.key
TRUSTCSE_MASTER_KEY=0123 expect master_key_env_malformed 2 \
  "environment variable TRUSTCSE_MASTER_KEY holds no 256-bit key" \
  "$bin" serve --db "$dir/db1/trustcse.db" --tls-port 0
TRUSTCSE_MASTER_KEY=0123 expect master_key_env_cli 2 \
  "environment variable TRUSTCSE_MASTER_KEY holds no 256-bit key" \
  "$bin" credential list --db "$dir/db1/trustcse.db"

# --- the database's directory (exit 1) --------------------------------------------------------
touch plainfile
expect db_not_a_directory 1 "cannot use the database directory plainfile \(storage\.db plainfile/trustcse\.db\): Not a directory" \
  "$bin" serve --db plainfile/trustcse.db --tls-port 0
mkdir ro
if unshare -m true 2>/dev/null; then
  expect db_read_only 1 "cannot use the database directory $dir/ro \(storage\.db $dir/ro/trustcse\.db\): Read-only file system" \
    unshare -m sh -c 'mount -t tmpfs -o ro tmpfs "$1" && exec "$2" serve --db "$1/trustcse.db" --tls-port 0' \
    sh "$dir/ro" "$bin"
else
  echo "skip db_read_only: no private mount namespace here (unshare -m)"
fi

# --- the CLI acts only on the instance its configuration names ---------------------------------
# An offline command never creates an instance.
expect no_instance 1 "no trustcse instance at $dir/none/trustcse\.db: start it once with \`trustcse serve --config FILE\`" \
  "$bin" credential add --db "$dir/none/trustcse.db" --psk-identity a@x --generate
[ ! -e "$dir/none" ] && pass || fail "credential add created $dir/none"
[ ! -s no_instance.out ] && pass || fail "credential add printed a PSK for no instance: $(cat no_instance.out)"

# Relative paths of a configuration file are relative to its directory, wherever the command
# runs: `ca init` (the documented first step) creates inst/var/, serve started from elsewhere
# uses it, and a credential added from a third directory reaches that server.
mkdir -p inst elsewhere/deeper
cat >inst/trustcse.toml <<'EOF'
[tls]
enabled = true
[[tls.listener]]
port = 0
[coap]
enabled = false
[storage]
db = "./var/trustcse.db"
[admin]
socket = "./var/admin.sock"
[security]
master_key_file = "./var/master.key"
EOF
must "$bin" ca init --config inst/trustcse.toml >/dev/null 2>&1
[ -f inst/var/trustcse.db ] && [ -f inst/var/master.key ] && [ ! -e var ] && pass ||
  fail "ca init did not create the instance beside its configuration: $(ls -R inst)"
expect no_instance_relative 1 "no trustcse instance at elsewhere/var/trustcse\.db: .*--config elsewhere/trustcse\.toml" \
  sh -c 'cp inst/trustcse.toml elsewhere/ && exec "$0" credential list --config elsewhere/trustcse.toml' "$bin"
[ ! -e elsewhere/var ] && pass || fail "credential list created elsewhere/var"
(cd elsewhere && exec "$bin" serve --config ../inst/trustcse.toml) >serve2.out 2>serve2.log &
pid=$!
for _ in $(seq 100); do grep -q '^listening https' serve2.out && break; sleep 0.1; done
grep -q '^listening https' serve2.out || { echo "server 2 did not start"; cat serve2.log; exit 1; }
(cd elsewhere/deeper && "$bin" credential add --config ../../inst/trustcse.toml \
  --psk-identity meter@trustcse.test --generate >../../add.out 2>../../add.err)
rc=$?
[ $rc = 0 ] && grep -q '^psk ' add.out && pass || fail "credential add from elsewhere: rc=$rc $(cat add.err)"
"$bin" credential list --config inst/trustcse.toml >list.out 2>&1
grep -q '^meter@trustcse.test' list.out && pass || fail "the server does not know the credential: $(cat list.out)"
[ ! -e elsewhere/var ] && [ ! -e elsewhere/deeper/var ] && pass || fail "a second instance appeared under elsewhere/"

# The lock says a server runs but the configured admin socket does not answer: refused, the
# store untouched.
printf '[storage]\ndb = "%s"\n[admin]\nsocket = "%s"\n' "$dir/inst/var/trustcse.db" "$dir/stale.sock" >stale.toml
expect admin_not_answering 1 "a trustcse server holds the instance lock $dir/inst/var/trustcse\.db\.lock but does not answer on the admin socket $dir/stale\.sock; nothing was changed" \
  "$bin" credential add --config stale.toml --psk-identity ghost@trustcse.test --generate
[ ! -s admin_not_answering.out ] && pass || fail "a PSK was printed: $(cat admin_not_answering.out)"
if "$bin" credential list --config inst/trustcse.toml >list2.out 2>&1 && ! grep -q 'ghost@' list2.out
then pass; else fail "the refused credential was added (or the list failed): $(cat list2.out)"; fi
kill "$pid"; wait "$pid"; rc=$?; pid=
[ $rc = 0 ] && pass || fail "server 2: exit $rc on SIGTERM"

finish startup_failure_test
