#!/usr/bin/env bash
# The installed tree and the systemd unit: `cmake --install` into a staging directory (DESTDIR),
# then the files an installed service needs — the binary, the unit (Type=notify, reload, the
# dedicated user, hardening), the sysusers.d and tmpfiles.d entries (applied to a scratch root),
# the configuration, the documentation — and `systemd-analyze verify` on the unit (a copy that
# points at the staged binary). The verify step must also reject a broken copy, so that a unit
# systemd would half-ignore cannot pass. The `systemd-analyze security` exposure is printed.
# Usage: systemd_unit_test.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: systemd_unit_test.sh BUILD_DIR}
build=$(cd "$build" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_test systemd-unit
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (Debian: systemd)"; exit 1; }
stage=$dir/stage
must env DESTDIR="$stage" cmake --install "$build" >install.log

prefix=$(awk -F= '/^CMAKE_INSTALL_PREFIX:/ {print $2}' "$build/CMakeCache.txt")
unit=$(find "$stage" -path '*/systemd/system/trustcse.service' | head -1)
[ -n "$unit" ] && pass || { fail "no trustcse.service installed"; finish systemd_unit_test; exit 1; }
[ -x "$stage$prefix/bin/trustcse" ] && pass || fail "no executable $prefix/bin/trustcse"
"$stage$prefix/bin/trustcse" --version | grep -q '^trustcse ' && pass || fail "installed binary"
sysusers=$(find "$stage" -path '*/sysusers.d/trustcse.conf' | head -1)
tmpfiles=$(find "$stage" -path '*/tmpfiles.d/trustcse.conf' | head -1)
[ -n "$sysusers" ] && pass || fail "no sysusers.d/trustcse.conf"
[ -n "$tmpfiles" ] && pass || fail "no tmpfiles.d/trustcse.conf"
doc=$(find "$stage" -path '*/doc/trustcse/service.md' | head -1)
[ -n "$doc" ] && [ -f "$(dirname "$doc")/README.md" ] && pass || fail "documentation not installed"

# The unit names the installed binary, configuration and documentation.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
binary=${exec_start%% *}
conf=$(sed -n 's/.*--config \([^ ]*\).*/\1/p' <<<"$exec_start")
[ "$binary" = "$prefix/bin/trustcse" ] && pass || fail "ExecStart runs $binary"
[ -n "$conf" ] && [ -f "$stage$conf" ] && pass || fail "ExecStart's configuration $conf not installed"
[ "$(stat -c %a "$stage$conf" 2>/dev/null)" = 644 ] && pass || fail "configuration mode"
docfile=$(sed -n 's/^Documentation=file://p' "$unit")
[ -f "$stage$docfile" ] && pass || fail "Documentation= names $docfile, not installed"
"$stage$binary" serve --help >/dev/null 2>&1 && pass || fail "serve --help"
# A second install keeps a configuration the operator edited.
echo '# edited' >>"$stage$conf"
must env DESTDIR="$stage" cmake --install "$build" >install2.log
tail -1 "$stage$conf" | grep -q '^# edited' && pass || fail "a re-install overwrote the configuration"

want() {  # KEY=VALUE lines the unit must hold
  local line
  for line in "$@"; do
    grep -qxF "$line" "$unit" && pass || fail "the unit lacks $line"
  done
}
want Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' User=trustcse Group=trustcse \
  StateDirectory=trustcse StateDirectoryMode=0700 RuntimeDirectory=trustcse \
  ConfigurationDirectory=trustcse NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
  PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes \
  ProtectKernelLogs=yes ProtectControlGroups=yes \
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' RestrictNamespaces=yes LockPersonality=yes \
  MemoryDenyWriteExecute=yes SystemCallArchitectures=native SystemCallFilter=@system-service \
  CapabilityBoundingSet= LimitNOFILE=65536 Restart=on-failure

# The system user and the state directory, applied to a scratch root.
root=$dir/root
mkdir -p "$root/etc" "$root/var/lib"
systemd-sysusers --root="$root" "$sysusers" >sysusers.log 2>&1 && pass ||
  fail "systemd-sysusers: $(cat sysusers.log)"
grep -q '^trustcse:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$root/etc/passwd" && pass ||
  fail "no system user trustcse: $(cat "$root/etc/passwd" 2>/dev/null)"
uid=$(awk -F: '$1=="trustcse" {print $3}' "$root/etc/passwd")
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && pass || fail "trustcse is not a system user (uid $uid)"
systemd-tmpfiles --root="$root" --create "$tmpfiles" >tmpfiles.log 2>&1 && pass ||
  fail "systemd-tmpfiles: $(cat tmpfiles.log)"
[ "$(stat -c '%a %u' "$root/var/lib/trustcse" 2>/dev/null)" = "700 $uid" ] && pass ||
  fail "/var/lib/trustcse: $(stat -c '%a %u' "$root/var/lib/trustcse" 2>&1)"

# systemd-analyze verify: exit status and no complaint about the unit. verify needs ExecStart's
# binary, so the copy runs the staged one.
verify() {  # UNIT_FILE — 0 if systemd accepts it without a word about it
  local name out rc
  name=$(basename "$1")
  out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$1" 2>&1)
  rc=$?
  echo "$out" >"$1.verify"
  [ $rc -eq 0 ] && ! grep -q "$name" <<<"$out"
}
mkdir -p units
sed "s#^ExecStart=$binary #ExecStart=$stage$binary #; s#--config $conf#--config $stage$conf#" \
  "$unit" >units/trustcse.service
grep -q "^ExecStart=$stage" units/trustcse.service || fail "could not point the copy at the stage"
verify units/trustcse.service && pass ||
  fail "systemd-analyze verify: $(cat units/trustcse.service.verify)"
# The same check must catch broken units: a typo in a key, a bad value, a missing binary.
sed 's/^ProtectSystem=strict/ProtectSytem=strict/' units/trustcse.service >units/typo.service
sed 's/^Type=notify/Type=notifyy/' units/trustcse.service >units/value.service
sed "s#^ExecStart=$stage$binary#ExecStart=$dir/nonexistent#" units/trustcse.service \
  >units/missing.service
for broken in typo value missing; do
  verify "units/$broken.service" && fail "verify accepted the broken unit $broken.service" || pass
done

# How exposed the service is, for the record (not asserted: it depends on systemd's version).
systemd-analyze security --offline=true units/trustcse.service 2>/dev/null | tail -1

finish systemd_unit_test
