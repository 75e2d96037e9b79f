#!/usr/bin/env bash
# The command line as users meet it: --version names the version and the commit built, help
# texts carry no internal requirement tags, and an unknown command is an error (exit 2, one
# line saying what to do), also with --help; a usage error is one line.
#   cli_test.sh TRUSTCSE_BIN
bin=$1
. "$(dirname "$0")/lib.sh"
start_test cli

out=$("$bin" --version 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -Eq '^trustcse [0-9]+\.[0-9]+\.[0-9]+ \([0-9a-z+]+\)$'; then pass
else fail "--version: rc=$rc out=$out"; fi

for cmd in "" serve ca "ca issue" credential "credential add" enrol-token token "token issue"; do
  # shellcheck disable=SC2086
  out=$("$bin" $cmd --help 2>&1); rc=$?
  if [ $rc -eq 0 ] && ! echo "$out" | grep -Eq '\((OP|SEC)-[0-9]'; then pass
  else fail "help of '$cmd' (rc=$rc) shows a requirement tag: $(echo "$out" | grep -E '\((OP|SEC)-')"; fi
done

# Each form with the command whose help the message points to.
for case in "nosuch|trustcse" "nosuch --help|trustcse" "ca nosuch|trustcse ca" \
            "ca nosuch --help|trustcse ca" "credential nosuch --help|trustcse credential"; do
  cmd=${case%|*} parent=${case#*|}
  # shellcheck disable=SC2086
  out=$("$bin" $cmd 2>&1); rc=$?
  if [ $rc -eq 2 ] && [ "$out" = "trustcse: unknown command 'nosuch'; run \`$parent --help\` for the list of commands" ]; then pass
  else fail "'$cmd': rc=$rc out=$(echo "$out" | head -2)"; fi
done

# A usage error (a missing required option) is exit 2 as well, not CLI11's internal codes.
"$bin" ca revoke >/dev/null 2>&1; rc=$?
if [ $rc -eq 2 ]; then pass; else fail "ca revoke without --serial: rc=$rc (want 2)"; fi

# Usage errors are one line naming the help to read; --config's help names the default.
out=$("$bin" credential list --bogus 2>&1); rc=$?
if [ $rc -eq 2 ] && [ "$out" = "trustcse: The following argument was not expected: --bogus; run \`trustcse credential list --help\`" ]; then pass
else fail "unknown flag: rc=$rc out=$out"; fi
"$bin" serve --help 2>&1 | grep -q 'default: \$TRUSTCSE_CONFIG, else /etc/trustcse/trustcse.toml' && pass ||
  fail "serve --help does not name the default configuration"

finish cli_test
