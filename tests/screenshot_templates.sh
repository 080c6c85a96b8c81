#!/bin/sh
# Renders every reply kind with sample data and screenshots its HTML part in
# headless Chromium, so a person can look at them. Not part of make check;
# the images are not kept in the repository.
#   tests/screenshot_templates.sh [OUTDIR]     (default build/screenshots)
# Needs Debian's chromium (apt-get install chromium), run as root or not.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/screenshots}
make -s build/tests/render_samples
command -v chromium >/dev/null 2>&1 || { echo "install Debian's chromium first" >&2; exit 69; }
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for html in $(build/tests/render_samples templates "$out"); do
	html=$(realpath "$html")
	png="${html%.html}.png"
	rm -f "$png"
	# The flags keep Chromium off the network and out of the user's profile.
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --window-size=700,1100 \
		--screenshot="$png" "file://$html" >/dev/null 2>&1
	[ -s "$png" ] || { echo "no screenshot of $html" >&2; exit 1; }
	echo "$png"
done
