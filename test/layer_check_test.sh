#!/usr/bin/env bash
# The layer check fails on a planted include that points up the stack (storage → dispatcher) and
# on one that points sideways (the HTTP binding → the CoAP binding), and passes on the tree.
# Usage: layer_check_test.sh path/to/repository
set -uo pipefail
repo=${1:?usage: layer_check_test.sh path/to/repository}
source "$repo/test/integration/lib.sh"
start_test layers
python3 "$repo/scripts/check_layers.py" "$repo/src" >tree.out && pass || fail "the tree: $(cat tree.out)"
for plant in "storage/store.h dispatcher/dispatcher.h" "bindings/http/http_server.cc bindings/coap/coap_server.h"; do
  set -- $plant
  rm -rf src && cp -r "$repo/src" src
  printf '#include "%s"\n' "$2" >>"src/$1"
  python3 "$repo/scripts/check_layers.py" src >planted.out
  rc=$?
  [ $rc -eq 1 ] && grep -q "^$1:.*may not include $2" planted.out && pass ||
    fail "planted $2 in $1: exit $rc, $(cat planted.out)"
done
finish layers
