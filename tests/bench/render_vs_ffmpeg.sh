#!/usr/bin/env bash
# `gridreel render` against the efficient FFmpeg command-line pipeline for
# the same job, measured in one run on the same machine.
#
#   36 JPEGs of 2–15 MP, 6x6 grid, tile height 180, 4:3, 1920x1080, 4 s at 30 fps, x264 veryfast.
#
# FFmpeg pipeline (the efficient way): each photo cropped and scaled once (two at a time, one
# per core), the grid composed once into a still with the `tile` filter, and only the still
# animated with an overlay expression. Runs PAIRS pairs (default 3), gridreel then FFmpeg, and
# prints each pair's wall times, peak RSS and ratio, then the pair with the median ratio.
# Usage: [PAIRS=N] tests/bench/render_vs_ffmpeg.sh [work-dir]   (needs a release build and ffmpeg)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="${GRIDREEL:-$root/target/release/gridreel}"  # GRIDREEL: another build
work=${1:-$(mktemp -d)}
photos="$work/photos"
mkdir -p "$photos"

if [[ ! -f "$photos/p36.jpg" ]]; then
  # Six sizes from 2 MP to 15 MP, six photos each, every fifth one portrait.
  i=0
  for size in 1632x1224 2448x1836 3264x2448 4000x3000 4032x3024 4480x3360; do
    "$bin" synth "$work/s-$size" --count 6 --size "$size" --seed $((i * 7 + 1)) --quality 90 >/dev/null
    for f in "$work/s-$size"/*.jpg; do i=$((i + 1)); mv "$f" "$photos/p$i.jpg"; done
    rmdir "$work/s-$size"
  done
fi
mp=$(identify -format '%w %h\n' "$photos"/*.jpg 2>/dev/null | awk '{s+=$1*$2} END {printf "%.0f", s/NR/1e6}' || echo "?")
echo "photos: 36 JPEGs, mean ${mp} MP, $(du -sh "$photos" | cut -f1)"

measure() { # label, command... -> prints "label wall_s peak_kb"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/$label.log" || { cat "$work/$label.log"; exit 1; }
  read -r wall rss <"$work/time.txt"
  echo "$label $wall $rss"
}

pairs=${PAIRS:-3}
run_gridreel() {
  measure gridreel "$bin" render --images "$photos" -o "$work/gridreel.mp4" --overwrite \
    --rows 6 --cols 6 --tile-height 180 --aspect 4:3 --frame hd --duration 4 --fps 30 \
    --encoder libx264 --x264-preset veryfast --quality 23
}

# --- FFmpeg command line ---
ff() {
  rm -rf "$work/tiles"; mkdir -p "$work/tiles"
  local start end peak=0
  start=$(date +%s.%N)
  # 1. crop + scale each photo once, two processes at a time
  ls "$photos"/p*.jpg | sort -V | awk '{printf "%s %03d\n", $0, NR}' | xargs -P 2 -n 2 sh -c \
    '/usr/bin/time -f "%M" -a -o "'"$work"'/ff-rss.txt" ffmpeg -v error -y -i "$0" -vf "crop=min(iw\,ih*4/3):min(ih\,iw*3/4),scale=240:180" "'"$work"'/tiles/t$1.png"'
  # 2. compose the grid once
  /usr/bin/time -f "%M" -a -o "$work/ff-rss.txt" ffmpeg -v error -y -framerate 1 -i "$work/tiles/t%03d.png" -vf tile=6x6 -frames:v 1 "$work/grid.png"
  # 3. animate the still
  /usr/bin/time -f "%M" -a -o "$work/ff-rss.txt" ffmpeg -v error -y -f lavfi -i color=white:s=1920x1080:r=30:d=4 -loop 1 -i "$work/grid.png" \
    -filter_complex "[0][1]overlay=x='W-(W+w)*t/4':y='(H-h)/2':shortest=1,format=yuv420p" \
    -frames:v 120 -c:v libx264 -preset veryfast -crf 23 "$work/ffmpeg.mp4"
  end=$(date +%s.%N)
  peak=$(sort -n "$work/ff-rss.txt" | tail -1)
  echo "ffmpeg-cli $(echo "$end - $start" | bc) $peak"
}
results=()
for ((pair = 1; pair <= pairs; pair++)); do
  g=$(run_gridreel)
  rm -f "$work/ff-rss.txt"
  f=$(ff)
  read -r _ gw grss <<<"$g"
  read -r _ fw frss <<<"$f"
  ratio=$(echo "$fw / $gw" | bc -l)
  printf "pair %d: gridreel %.2f s %.0f MB, ffmpeg CLI %.2f s %.0f MB: %.2fx\n" "$pair" "$gw" \
    "$(echo "$grss / 1024" | bc -l)" "$fw" "$(echo "$frss / 1024" | bc -l)" "$ratio"
  results+=("$ratio $gw $grss $fw $frss")
done
read -r ratio gw grss fw frss < <(printf "%s\n" "${results[@]}" | sort -g | sed -n "$(((pairs + 1) / 2))p")
printf "%-12s %8s %12s\n" "" "wall (s)" "peak RSS (MB)"
printf "%-12s %8.2f %12.0f\n" "gridreel" "$gw" "$(echo "$grss / 1024" | bc -l)"
printf "%-12s %8.2f %12.0f\n" "ffmpeg CLI" "$fw" "$(echo "$frss / 1024" | bc -l)"
printf "speed-up: %.2fx (median of %d pairs: %s)\n" "$ratio" "$pairs" \
  "$(printf "%s\n" "${results[@]}" | sort -g | awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1}')"
