#!/usr/bin/env bash
# Editor memory after import: RSS of the editor once 36 big photos are imported and their
# tiles resident, against the same for the bundled demo photos (36 × 640×480).
#
#   big photos: 36 JPEGs of 2.5–15 MP (six sizes, six each, every fifth one portrait), every
#   other one re-encoded progressive with ImageMagick when `convert` is there (progressive
#   JPEGs are decoded from a full-size coefficient buffer, the worst case for retention).
#
# Each case runs `gridreel --soak SECS` under a virtual X server (Xvfb, started here when
# DISPLAY is unset) and reports: when the import settled and the RSS then, the RSS at the end,
# and the peak (VmHWM). Repeats each case RUNS times (default 2). Also times `gridreel render`
# of both folders (peak RSS), to check the import's memory does not move the export's.
# Usage: tests/bench/editor_rss.sh [work-dir]   (needs a release build; GRIDREEL=path overrides)
# Env: SECS (default 30), RUNS (default 2), EXTRA_ENV (e.g. "MALLOC_ARENA_MAX=2").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${GRIDREEL:-${CARGO_TARGET_DIR:-$root/target}/release/gridreel}
work=${1:-$(mktemp -d)}
secs=${SECS:-30}
runs=${RUNS:-2}
photos="$work/big"
mkdir -p "$photos"

if [[ ! -f "$photos/p36.jpg" ]]; then
  i=0
  for size in 1920x1280 2448x1836 3264x2448 4000x3000 4032x3024 4480x3360; do
    "$bin" synth "$work/s-$size" --count 6 --size "$size" --seed $((i * 7 + 1)) --quality 90 >/dev/null
    for f in "$work/s-$size"/*.jpg; do
      i=$((i + 1))
      if (( i % 2 == 0 )) && command -v convert >/dev/null; then
        convert "$f" -interlace JPEG -quality 90 "$photos/p$i.jpg" && rm "$f"
      else
        mv "$f" "$photos/p$i.jpg"
      fi
    done
    rmdir "$work/s-$size"
  done
fi
echo "big photos: 36 JPEGs, $(file "$photos"/*.jpg | grep -c progressive) progressive, $(du -sh "$photos" | cut -f1)"

if [[ -z "${DISPLAY:-}" ]]; then
  Xvfb :97 -screen 0 1600x1000x24 >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb' EXIT
  export DISPLAY=:97
  sleep 2
fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}

editor() { # label dir -> "label settled_s settled_mb end_mb peak_mb"
  local label=$1 dir=$2 out pid hwm=0 h
  # shellcheck disable=SC2086
  env ${EXTRA_ENV:-} "$bin" --images "$dir" --soak "$secs" >"$work/$label.out" 2>"$work/$label.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    h=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [[ -n $h ]] && hwm=$h
    sleep 1
  done
  wait "$pid"
  out=$(cat "$work/$label.out")
  local settled end
  settled=$(grep -o 'after [0-9.]* s, RSS then [0-9.]* MB' <<<"$out" | awk '{print $2, $6}')
  end=$(grep -o '[0-9.]* MB at the end' <<<"$out" | awk '{print $1}')
  echo "$label ${settled:-? ?} ${end:-?} $((hwm / 1024))"
}

render() { # label dir -> "label wall_s peak_mb"
  local label=$1 dir=$2
  # shellcheck disable=SC2086
  env ${EXTRA_ENV:-} /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" render --images "$dir" \
    -o "$work/$label.mp4" --overwrite --duration 4 --fps 30 >/dev/null 2>"$work/$label.err"
  read -r wall kb <"$work/time.txt"
  echo "$label $wall $((kb / 1024))"
}

echo "editor: case  settled-after-s  RSS-settled-MB  RSS-end-MB  peak-MB"
for r in $(seq "$runs"); do
  editor "demo#$r" "$root/assets/demo"
  editor "big#$r" "$photos"
done
echo "render: case  wall-s  peak-MB"
for r in $(seq "$runs"); do
  render "render-demo#$r" "$root/assets/demo"
  render "render-big#$r" "$photos"
done
