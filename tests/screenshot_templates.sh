#!/bin/sh
# Renders every reply kind with sample data, and the staff digest of a
# realistic round (tests/lib/round_seed.py, played on a throwaway mail
# stack), and screenshots their HTML in headless Chromium so a person can
# look at them. Not part of make check.
#   tests/screenshot_templates.sh [OUTDIR]     (default build/screenshots)
#   tests/screenshot_templates.sh --docs       the digest only, into docs/screenshots
# The digest is taken at desktop (900 px) and phone (390 px) widths, and at
# the phone width as a mail app's automatic dark mode shows it.
# Needs Debian's chromium and python3-pil (apt-get install chromium
# python3-pil); the mail stack needs dovecot and postfix, as make check.
set -eu
cd "$(dirname "$0")/.."
docs=
if [ "${1:-}" = --docs ]; then
	docs=docs/screenshots
	out=build/screenshots
else
	out=${1:-build/screenshots}
fi
command -v chromium >/dev/null 2>&1 || { echo "install Debian's chromium first" >&2; exit 69; }
/usr/bin/python3 -c 'import PIL' 2>/dev/null || { echo "install python3-pil first" >&2; exit 69; }
make -s all build/tests/render_samples
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# shot PAGE PNG WIDTH HEIGHT [FLAGS...]: one screenshot. The flags keep
# Chromium off the network and out of the user's profile.
shot() {
	page=$1 png=$2 width=$3 height=$4
	shift 4
	rm -f "$png"
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --force-device-scale-factor=1 \
		--window-size="$width,$height" "$@" --screenshot="$png" "file://$page" >/dev/null 2>&1
	[ -s "$png" ] || { echo "no screenshot of $page" >&2; exit 1; }
}

# height PAGE WIDTH: the page's full height at that width, as laid out.
height() {
	probe="${1%.html}.probe.html"
	sed 's#</body>#<script>document.body.setAttribute("data-height", document.documentElement.scrollHeight)</script></body>#' \
		"$1" >"$probe"
	chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
		--window-size="$2,800" --dump-dom "file://$probe" 2>/dev/null |
		sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' | head -n 1
	rm -f "$probe"
}

if [ -z "$docs" ]; then
	for html in $(build/tests/render_samples templates "$out"); do
		html=$(realpath "$html")
		shot "$html" "${html%.html}.png" 700 1100
		echo "${html%.html}.png"
	done
fi

page=$(realpath "$(/usr/bin/python3 tests/tools/digest_page.py "$out/digest")")
for view in desktop:900 phone:390 phone-dark:390; do
	name=${view%%:*} width=${view#*:}
	h=$(height "$page" "$width")
	[ -n "$h" ] || { echo "could not measure $page at $width px" >&2; exit 1; }
	png="$out/digest/digest-$name.png"
	case $name in
	*dark) shot "$page" "$png" "$width" "$h" --force-dark-mode --enable-features=WebContentsForceDark ;;
	*) shot "$page" "$png" "$width" "$h" ;;
	esac
	echo "$png"
done
if [ -n "$docs" ]; then
	mkdir -p "$docs"
	# Kept small: the palette is a few flat colours.
	/usr/bin/python3 - "$out/digest" "$docs" <<'PY'
import sys
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
for name in ("desktop", "phone", "phone-dark"):
    im = Image.open(f"{src}/digest-{name}.png").convert("RGB")
    im.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(f"{dst}/digest-{name}.png", optimize=True)
    print(f"{dst}/digest-{name}.png")
PY
fi
