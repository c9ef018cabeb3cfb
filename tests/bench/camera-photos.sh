#!/usr/bin/env bash
# (The tests' own twelve untouched photographs come from tests/bench/real-photos.sh.)
# Makes a folder of 36 real photographs for `gridreel bench --photos DIR`: the Debian
# wallpaper packages below ship photographs (landscapes, macro, city; a few rendered
# artworks) of 1.5-24 MP, but smoother than a camera's (0.2-7.8 MB, 1.2 MB on average, where a
# 12 MP camera JPEG is 3-6 MB). Each is saved again as a camera would: mild Gaussian noise
# (ImageMagick `-attenuate 0.5 +noise Gaussian`, like a sensor's at moderate ISO), JPEG quality
# 92, 4:2:0, alternately progressive and baseline; 12 crops of the largest make it 36.
#   apt-get install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 ukui-wallpapers
# Usage: tests/bench/camera-photos.sh DIR   (needs ImageMagick's convert)
set -euo pipefail
out=${1:?usage: camera-photos.sh DIR}
mkdir -p "$out"
mapfile -t src < <(dpkg -L lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 ukui-wallpapers \
  2>/dev/null | grep -i '\.jpe\?g$' | sort)
if (( ${#src[@]} < 12 )); then
  echo "found ${#src[@]} wallpaper JPEGs; install lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 ukui-wallpapers" >&2
  exit 1
fi
i=0
save() { # source, extra convert options...
  local f=$1; shift
  i=$((i + 1))
  local interlace=JPEG; (( i % 2 )) || interlace=none
  convert "$f" "$@" -attenuate 0.5 +noise Gaussian -sampling-factor 2x2 -quality 92 -interlace "$interlace" "$out/$(printf 'real-%02d.jpg' "$i")"
}
for f in "${src[@]}"; do save "$f" 2>/dev/null; done
# The 12 largest again, cropped to their left two thirds (other pictures, other sizes).
mapfile -t big < <(for f in "${src[@]}"; do identify -format '%[fx:w*h] %i\n' "$f"; done | sort -rn | head -12 | cut -d' ' -f2-)
for f in "${big[@]}"; do
  (( i < 36 )) && save "$f" -gravity West -crop 66%x100%+0+0 +repage 2>/dev/null
done
identify -format '%f %wx%h %[interlace] %b\n' "$out"/real-*.jpg 2>/dev/null | awk '{print} END {print NR " photos"}'
