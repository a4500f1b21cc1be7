#!/usr/bin/env bash
# Install MediaWiki 1.39 (Debian bookworm), the PHP CLI and SQLite support, without apache2 or MySQL.
#   usage: mw-install.sh
# Idempotent: exits 0 at once when MediaWiki, php and pdo_sqlite are present.
# As root it installs the packages with apt (about 43 MB download, 270 MB on disk).
# As another user it prints the packages that are missing and the commands to install them,
# then exits 1.
set -euo pipefail

MW_API=/usr/share/mediawiki/api.php
DUMMY_PACKAGE=httpd-dummy-for-mediawiki
# php8.2-cgi: the "php8.2" metapackage depends on libapache2-mod-php8.2 | php8.2-fpm | php8.2-cgi,
# and naming the CGI binary keeps apt from choosing the apache module.
PACKAGES=(mediawiki php8.2-cli php8.2-cgi php8.2-sqlite3)

is_installed() {
  [ -f "$MW_API" ] && command -v php >/dev/null && php -m 2>/dev/null | grep -qx pdo_sqlite
}

package_is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

if is_installed; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  missing=()
  for package in "${PACKAGES[@]}"; do
    package_is_installed "$package" || missing+=("$package")
  done
  {
    echo "mw-install.sh: MediaWiki is not installed ($MW_API, php or its pdo_sqlite module is missing),"
    echo "and installing it needs root. Run this script as root:"
    echo "  sudo bash $0"
    echo
    if [ "${#missing[@]}" -eq 0 ]; then
      echo "The packages ${PACKAGES[*]} are installed, but their files are incomplete. Reinstall them:"
      echo "  sudo apt-get install -y --reinstall --no-install-recommends ${PACKAGES[*]}"
      exit 1
    fi
    echo "Or install the missing Debian packages by hand: ${missing[*]}"
    if package_is_installed "$DUMMY_PACKAGE"; then
      echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}"
    else
      cat <<EOF2
  1. mediawiki depends on "apache2 | httpd". A local dummy package that declares
     "Provides: httpd" satisfies that dependency, so no web server is installed
     (the tests serve the wiki with php -S):
       mkdir -p /tmp/httpd-dummy/pkg/DEBIAN
       printf 'Package: $DUMMY_PACKAGE\nVersion: 1.0\nArchitecture: all\nMaintainer: test <test@localhost>\nProvides: httpd\nDescription: satisfies the httpd dependency of mediawiki\n' \\
         > /tmp/httpd-dummy/pkg/DEBIAN/control
       dpkg-deb --build /tmp/httpd-dummy/pkg /tmp/httpd-dummy/httpd-dummy.deb
       chmod 755 /tmp/httpd-dummy && chmod 644 /tmp/httpd-dummy/httpd-dummy.deb
  2. sudo apt-get install -y --no-install-recommends /tmp/httpd-dummy/httpd-dummy.deb ${missing[*]}
EOF2
    fi
  } >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
WORK_DIR=$(mktemp -d)
trap 'rm -rf "$WORK_DIR"' EXIT

# mediawiki depends on "apache2 | httpd". A local dummy package that declares Provides: httpd
# satisfies it, so no web server and no daemon on port 80 get installed. php -S serves the wiki.
mkdir -p "$WORK_DIR/pkg/DEBIAN"
cat > "$WORK_DIR/pkg/DEBIAN/control" <<EOF
Package: $DUMMY_PACKAGE
Version: 1.0
Architecture: all
Maintainer: test <test@localhost>
Provides: httpd
Description: satisfies mediawiki's "apache2 | httpd" dependency
 Tests serve MediaWiki with PHP's built-in server (php -S) instead.
EOF
dpkg-deb --build "$WORK_DIR/pkg" "$WORK_DIR/httpd-dummy.deb" >/dev/null
# apt downloads local packages as the _apt user, which must be able to read the file.
chmod 755 "$WORK_DIR"
chmod 644 "$WORK_DIR/httpd-dummy.deb"

INSTALL=("$WORK_DIR/httpd-dummy.deb" "${PACKAGES[@]}")
# Stale or missing package lists: update (about 1 s) and retry once.
apt-get install -y -qq --no-install-recommends "${INSTALL[@]}" >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${INSTALL[@]}" >/dev/null
}

if ! is_installed; then
  echo "mw-install.sh: apt-get finished, but $MW_API, php or its pdo_sqlite module is still missing" >&2
  exit 1
fi
