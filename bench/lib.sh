# Helpers shared by bench/run-all and bench/forward-e2e; sourced, not run. The caller sets WORK,
# LINES, SEED and LOGGEN, and defines log().

# ratio A B [DIGITS]: A / B with DIGITS decimals.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else print "-" }'; }

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
