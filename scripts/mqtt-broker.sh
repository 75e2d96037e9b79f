#!/usr/bin/env bash
# scripts/mqtt-broker.sh DEVICE… — a mosquitto for trying out trustcse's MQTT binding, set up as
# docs/mqtt.md says: TLS on localhost:8883 (MQTT_PORT), no anonymous clients, one account per
# client, and the ACL that lets every client publish requests only under its own name.
#
# Run from the repository root, beside trustcse.toml; everything goes under var/:
#   var/mosquitto/      broker configuration, its CA and certificate, passwd, acl, log, pid
#   var/broker-ca.pem   the broker's CA certificate ([mqtt] ca_file of trustcse.toml)
#   var/mqtt.pw         the CSE's own broker password ([mqtt] password_file), mode 0600
# Prints "DEVICE PASSWORD" for each DEVICE (an AE-ID such as Cmeter: its account name), once.
# Then start the CSE with MQTT on: scripts/serve.sh --mqtt-host localhost
# Stop the broker: kill "$(cat var/mosquitto/pid)". Running it again makes new accounts and keys.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/mqtt-broker.sh DEVICE… (e.g. Cmeter)" >&2; exit 2; }
[ -f trustcse.toml ] || { echo "mqtt-broker.sh: run it where trustcse.toml is" >&2; exit 2; }
command -v mosquitto >/dev/null || { echo "mqtt-broker.sh: mosquitto is not installed (scripts/install-deps.sh)" >&2; exit 1; }
port=${MQTT_PORT:-8883}
cse=id-in  # the CSE's account: its CSE-ID in topic form ([cse] cse_id "/id-in")
d=$PWD/var/mosquitto
umask 077
mkdir -p "$d"
if [ -f "$d/pid" ] && old=$(cat "$d/pid") && kill -0 "$old" 2>/dev/null; then
  kill "$old"
  for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
fi

# A CA of the broker's own and a certificate for localhost / 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=trustcse example broker CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$d/broker.key" -out "$d/broker.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/ext.cnf"
openssl x509 -req -in "$d/broker.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
  -days 365 -extfile "$d/ext.cnf" -out "$d/broker.crt" 2>/dev/null
cp "$d/ca.pem" var/broker-ca.pem

# Passwords go into the (0600) file in clear and are hashed there (-U), never on a command line.
pw() { openssl rand -hex 16; }
csepw=$(pw)
printf '%s:%s\n' "$cse" "$csepw" >"$d/passwd"
printf '%s\n' "$csepw" >var/mqtt.pw
for dev in "$@"; do
  p=$(pw)
  printf '%s:%s\n' "$dev" "$p" >>"$d/passwd"
  printf '%s %s\n' "$dev" "$p"
done
mosquitto_passwd -U "$d/passwd"

cat >"$d/acl" <<ACL
user $cse
topic read  /oneM2M/req/+/$cse/+
topic write /oneM2M/resp/+/$cse/+
topic write /oneM2M/req/$cse/+/+
topic read  /oneM2M/resp/$cse/+/+

pattern write /oneM2M/req/%u/+/+
pattern read  /oneM2M/resp/%u/+/+
pattern read  /oneM2M/req/+/%u/+
pattern write /oneM2M/resp/+/%u/+
ACL
cat >"$d/mosquitto.conf" <<CONF
listener $port localhost
cafile   $d/ca.pem
certfile $d/broker.crt
keyfile  $d/broker.key
tls_version tlsv1.2
allow_anonymous false
password_file $d/passwd
acl_file $d/acl
set_tcp_nodelay true
pid_file $d/pid
log_dest file $d/log
CONF
# As root, mosquitto would switch to the user "mosquitto", who cannot read var/.
[ "$(id -u)" = 0 ] && echo "user root" >>"$d/mosquitto.conf"
rm -f "$d/log"
mosquitto -c "$d/mosquitto.conf" -d
for _ in $(seq 50); do grep -q "running" "$d/log" 2>/dev/null && break; sleep 0.1; done
grep -q "running" "$d/log" 2>/dev/null || { echo "mqtt-broker.sh: mosquitto did not start:" >&2; cat "$d/log" >&2; exit 1; }
echo "mosquitto on localhost:$port (TLS, CA var/broker-ca.pem); stop it: kill \$(cat var/mosquitto/pid)" >&2
