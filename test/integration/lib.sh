# Shared helpers of the shell-level black-box tests (sourced, not run).
#   start_test NAME     — a scratch directory (cwd, removed on exit) and the pass/fail counters;
#                         a server started in the background should store its pid in $pid
#   pass / fail MSG     — count a check; must CMD… — run set-up, abort the test if it fails
#   rsc_of FILE         — the X-M2M-RSC header of a response saved with its headers
#   get ORIGIN PATH / post ORIGIN PATH TY BODY — raw HTTP/1.1 requests (printf %b escapes) for
#                         openssl s_client; both close the connection after the response
#   finish NAME         — print the counts; the exit status says whether every check passed
start_test() {
  dir=$(mktemp -d "/tmp/trustcse-$1-XXXXXX")
  pid=
  trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$dir"' EXIT
  cd "$dir" || exit 1
  fails=0 passes=0
}
pass() { passes=$((passes + 1)); }
fail() { fails=$((fails + 1)); echo "FAIL $*"; }
must() { "$@" || { echo "setup failed: $*"; exit 1; }; }
rsc_of() { tr -d '\r' <"$1" | awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2; exit}'; }
get() {
  printf 'GET %s HTTP/1.1\\r\\nHost: localhost\\r\\nX-M2M-Origin: %s\\r\\nX-M2M-RI: g\\r\\nX-M2M-RVI: 3\\r\\nConnection: close\\r\\n\\r\\n' "$2" "$1"
}
post() {
  printf 'POST %s HTTP/1.1\\r\\nHost: localhost\\r\\nX-M2M-Origin: %s\\r\\nX-M2M-RI: p\\r\\nX-M2M-RVI: 3\\r\\nContent-Type: application/json;ty=%s\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "$2" "$1" "$3" "${#4}" "$4"
}
finish() {
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
