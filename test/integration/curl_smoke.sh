#!/usr/bin/env bash
# Shell-level black-box test with curl: register an AE, store and read data, discover, deny a
# stranger, clean up. Usage: curl_smoke.sh path/to/trustcse
set -euo pipefail
bin=${1:?usage: curl_smoke.sh path/to/trustcse}
dir=$(mktemp -d /tmp/trustcse-curl-XXXXXX)
out="$dir/out"
"$bin" serve --dev --http-port 0 --db "$dir/db.sqlite" >"$out" 2>"$dir/log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 50); do grep -q '^listening http' "$out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^listening http/ {print $3}' "$out")
[ -n "$port" ] || { echo "server did not start"; cat "$dir/log"; exit 1; }
base="http://127.0.0.1:$port"
fails=0 passes=0

# req NAME EXPECTED_RSC ORIGIN METHOD PATH [CONTENT_TYPE BODY]
req() {
  local name=$1 want=$2 origin=$3 method=$4 path=$5 ctype=${6:-} body=${7:-}
  local args=(-s -o "$dir/body" -D "$dir/headers" -X "$method" -H "X-M2M-Origin: $origin"
              -H "X-M2M-RI: $name" -H "X-M2M-RVI: 3")
  [ -n "$ctype" ] && args+=(-H "Content-Type: $ctype" --data-binary "$body")
  curl "${args[@]}" "$base$path" || true
  local got
  got=$(tr -d '\r' <"$dir/headers" | awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2}')
  if [ "$got" = "$want" ]; then
    passes=$((passes + 1))
  else
    fails=$((fails + 1))
    echo "FAIL $name: want $want got '${got}': $(cat "$dir/body")"
  fi
}

req cb 2000 CAdmin GET /cse-in
req register 2001 Csmoke POST /cse-in 'application/json;ty=2' \
  '{"m2m:ae":{"rn":"smoke","api":"Nsmoke","rr":true,"srv":["3"]}}'
req container 2001 Csmoke POST /cse-in/smoke 'application/json;ty=3' '{"m2m:cnt":{"rn":"temp","mni":10}}'
req cin 2001 Csmoke POST /cse-in/smoke/temp 'application/json;ty=4' \
  '{"m2m:cin":{"con":"21.5","cnf":"text/plain:0","lbl":["kind:temp"]}}'
req latest 2000 Csmoke GET /cse-in/smoke/temp/la
grep -q '"con":"21.5"' "$dir/body" || { echo "FAIL latest content: $(cat "$dir/body")"; fails=$((fails + 1)); }
req discover 2000 Csmoke GET '/cse-in/smoke?fu=1&lbl=kind:temp'
grep -q 'cse-in/smoke/temp/' "$dir/body" || { echo "FAIL discovery result: $(cat "$dir/body")"; fails=$((fails + 1)); }
req stranger 4106 Cstranger GET /cse-in/smoke/temp/la
req badjson 4000 Csmoke POST /cse-in/smoke 'application/json;ty=3' '{"m2m:cnt":'
req delete 2002 Csmoke DELETE /cse-in/smoke
req gone 4004 CAdmin GET /cse-in/smoke/temp

echo "curl_smoke: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
