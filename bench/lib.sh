# bench/lib.sh — shell helpers the benchmark scripts share; sourced, not run.
#
# The sourcing script sets, before sourcing: NAME (its name, for messages), LD (load_driver),
# DUR and WARM (seconds recorded and warm-up per measurement), DTHREADS (load_driver threads).
# Sourcing makes the temp dir TMP (under $BENCH_TMPDIR, else $TMPDIR, else /tmp), removed on
# exit together with every server started through `start`.

TMP=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/trustcse-$NAME.XXXXXX")
PIDS=()
cleanup() {
  local p i
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for i in $(seq 1 50); do  # up to 5 s for a clean stop, then SIGKILL
    local alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD... — runs CMD in the background, waits (bounded) for "listening http <port>"
# on its stdout and sets PORT and PID.
start() {
  local name=$1; shift
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
  PID=$!
  PIDS+=("$PID")
  local i
  for i in $(seq 1 200); do
    PORT=$(awk '/^listening http/ {print $3; exit}' "$TMP/$name.out" 2>/dev/null || true)
    [[ -n $PORT ]] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "$NAME: $name did not start; its log:" >&2
  cat "$TMP/$name.log" >&2
  exit 1
}

# field KEY LINE — the value of KEY=… in a load_driver line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
HDR=(--header 'X-M2M-RVI: 3' --header 'X-M2M-RI: b{n}')

# setup PORT ORIGIN N CONNS PATH TY BODY [START] — N creates through load_driver; all must be 2xx.
setup() {
  local port=$1 origin=$2 n=$3 conns=$4 path=$5 ty=$6 body=$7 start=${8:-0} out
  out=$("$LD" --port "$port" --connections "$conns" --requests "$n" --start "$start" \
          --threads "$DTHREADS" --method POST --path "$path" "${HDR[@]}" \
          --header "X-M2M-Origin: $origin" --header "Content-Type: application/json;ty=$ty" \
          --body "$body")
  if [[ $(field requests "$out") != "$n" || $(field errors "$out") != 0 ||
        $(field io_errors "$out") != 0 ]]; then
    echo "$NAME: set-up POST $path failed: $out" >&2
    exit 1
  fi
  echo "$out"
}

# measure KEY PID PORT CONNS ARGS... — one measurement (closed loop, or open with --rate in
# ARGS); keeps the driver's line in LINE[KEY|CONNS] and the server's CPU time per request (from
# /proc, user + system, all threads) in CPU[KEY|CONNS].
declare -A LINE CPU
measure() {
  local key=$1 pid=$2 port=$3 conns=$4; shift 4
  local t0 t1 out
  t0=$(cpu_ticks "$pid")
  out=$("$LD" --port "$port" --connections "$conns" --duration "$DUR" --warmup "$WARM" \
          --threads "$DTHREADS" "${HDR[@]}" "$@")
  t1=$(cpu_ticks "$pid")
  LINE[$key|$conns]=$out
  # CPU includes the warm-up; divide by all requests of the run (warm-up estimated from rps).
  CPU[$key|$conns]=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v rps="$(field rps "$out")" -v t="$DUR" -v w="$WARM" \
    'BEGIN { n = rps * (t + w); if (n > 0) printf "%.0f", d / hz * 1e6 / n; else print "-" }')
  printf '  %-34s c=%-3s %s\n' "$key" "$conns" "$out"
}

# header — the lines every report starts with: machine, temp dir's file system, commit, load.
header() {
  echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r)"
  echo "temp dir: $TMP on $(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$TMP" 2>/dev/null || df -T "$TMP" | tail -1)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews every figure)"
}
