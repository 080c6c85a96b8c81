#!/bin/sh
# Installs the Debian 12 packages nomd needs to build, test and run its demo.
# Does nothing when they are all present; needs root otherwise.
set -eu

PACKAGES="gcc make pkg-config libc6-dev libcurl4-gnutls-dev
libetpan-dev libgmime-3.0-dev libsqlite3-dev libconfig-dev libgnutls28-dev libxml2-dev libcsv-dev libical-dev libsystemd-dev
libgsf-1-dev libfreexl-dev libpoppler-glib-dev libseccomp-dev libxlsxwriter-dev libcairo2-dev fonts-dejavu-core python3-docx python3-openpyxl python3-reportlab python3-xlwt python3-odf
dovecot-imapd dovecot-lmtpd postfix openssl ca-certificates python3 python3-icalendar perl
man-db groff-base systemd procps valgrind time strace
libdpkg-perl clang clang-format libclang-rt-14-dev llvm-14"

# "install-deps.sh bench" adds what the benchmarks need.
if [ "${1:-}" = bench ]; then
	PACKAGES="$PACKAGES python3-numpy python3-scipy isync time"
fi

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure itself; the tests bring their own config.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The packages start system services; the tests run their own instances.
for s in dovecot postfix; do
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$s" 2>/dev/null; then
		systemctl stop "$s" || true
	fi
done
