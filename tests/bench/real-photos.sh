#!/usr/bin/env bash
# Real photographs for tests and benches, from Debian's own archive: twelve photos from KDE's
# `plasma-workspace-wallpapers` (GPL-2+, so they are fetched, never committed). They are real
# camera photos (water, forest, moss, cups, a pier, leaves, a sunset, sky, a beach), 2560x1600
# except one 5120x2880, baseline JPEG, 0.2-1.9 MB each: detailed in the way that makes an
# encoder spend bits, unlike generated pictures.
#
# Usage: bash tests/bench/real-photos.sh [DIR]   (default: target/real-photos)
# Prints DIR as its last line. Does nothing when DIR already holds the twelve.
set -euo pipefail
dir=${1:-target/real-photos}
names=(BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite
  OneStandsOut Path summer_1am Shell)
mkdir -p "$dir"
if [[ $(find "$dir" -maxdepth 1 -name '*.jpg' | wc -l) -ge ${#names[@]} ]]; then
  echo "$dir"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq plasma-workspace-wallpapers 2>/dev/null) || {
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  (cd "$work" && apt-get download -qq plasma-workspace-wallpapers)
}
dpkg-deb -x "$work"/plasma-workspace-wallpapers_*.deb "$work/x"
for n in "${names[@]}"; do
  src=$(find "$work/x/usr/share/wallpapers/$n/contents/images" -name '*.jpg' -size +100k | sort -V | tail -n 1)
  cp "$src" "$dir/$n.jpg"
done
echo "$dir"
