# Helpers shared by the bench/ scripts; sourced, not run. For data_file the caller sets WORK,
# LINES, SEED and LOGGEN, and defines log().

# ratio A B [DIGITS]: A / B with DIGITS decimals.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else print "-" }'; }

# free_port: a loopback TCP port free at the time of asking.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# data_file FORMAT: generates (once) and prints the input file for FORMAT.
data_file() {
  local format=$1
  local file="$WORK/data/$format-$LINES-seed$SEED.log"
  if [ ! -f "$file.done" ]; then
    log "generating $file"
    "$LOGGEN" --format "$format" --lines "$LINES" --seed "$SEED" --out "$file.tmp" >/dev/null
    mv "$file.tmp" "$file"
    touch "$file.done"
  fi
  # Read it once so every run starts with the file in the page cache.
  cat "$file" >/dev/null
  echo "$file"
}

# start_waiter DIR COMPONENT EXPECTED [LOG]: starts bench/wait-delivered for the runnel process
# whose stderr is LOG (default DIR/agent.log) and whose pid the caller writes to DIR/pid; it
# succeeds once COMPONENT has delivered exactly EXPECTED events (its line goes to DIR/reached).
# Returns once the waiter is up, so that Python's start-up is not timed; sets WAITER_PID.
# BENCH_TIMEOUT bounds the wait.
start_waiter() {
  local dir=$1 component=$2 expected=$3 log=${4:-$1/agent.log}
  rm -f "$dir/pid" "$dir/pid.ready"
  "$ROOT/bench/wait-delivered" "$log" "$dir/pid" "$component" "$expected" \
    "${BENCH_TIMEOUT:-900}" >"$dir/reached" 2>"$dir/wait.log" &
  WAITER_PID=$!
  while [ ! -e "$dir/pid.ready" ] && kill -0 "$WAITER_PID" 2>/dev/null; do sleep 0.01; done
}

# waiter_error DIR: why the waiter of DIR failed, in one line.
waiter_error() { sed 's|^bench/wait-delivered: ||' "$1/wait.log" | tail -n 1; }
