#!/usr/bin/env bash
# Build a seeded MediaWiki 1.39 template directory (SQLite) from the Debian package.
#   usage: mw-template.sh TEMPLATE_DIR
# Needs: mw-install.sh (Debian packages mediawiki, php8.2-cli, php8.2-sqlite3). ~3-4 s on tmpfs, ~8.5 s on disk.
# Produces TEMPLATE_DIR/{LocalSettings.php,db/,images/,cache/,.complete}; copy it per test run
# (serve.sh, or MediaWiki::start in tests/src/mediawiki.rs).
# The build runs in TEMPLATE_DIR.tmp.PID, which replaces TEMPLATE_DIR only when the seed check
# passed, and TEMPLATE_DIR/.complete is written last: a directory without .complete is not a
# finished template. TEMPLATE_DIR.build.lock serialises concurrent builds of the same directory.
# Runs no server; nothing is written outside TEMPLATE_DIR and its siblings TEMPLATE_DIR.*.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FINAL="${1:?usage: mw-template.sh TEMPLATE_DIR}"
FINAL="${FINAL%/}"
case "$(basename "$FINAL")" in
  . | .. | / | "")
    echo "mw-template.sh: invalid TEMPLATE_DIR '$1': name a directory to create, e.g. target/mediawiki-template" >&2
    exit 1
    ;;
esac
MW=/usr/share/mediawiki
MAINT="$MW/maintenance"

if [ ! -f "$MW/api.php" ] || ! command -v php >/dev/null; then
  echo "mw-template.sh: MediaWiki is not installed ($MW/api.php or php is missing); run scripts/mediawiki/mw-install.sh as root" >&2
  exit 1
fi

T0=$(date +%s%N)
step() { echo "[$(( ($(date +%s%N) - T0) / 1000000 )) ms] $*" >&2; }

mkdir -p "$(dirname "$FINAL")"
FINAL="$(cd "$(dirname "$FINAL")" && pwd)/$(basename "$FINAL")"
exec 9>"$FINAL.build.lock"
flock 9
# Holding the lock, no other build of FINAL is running, so every FINAL.tmp.* is left over from
# a killed build.
rm -rf "$FINAL".tmp.*

TPL="$FINAL.tmp.$$"
IMG="$TPL.pngs"   # scratch PNGs to upload; the clean-up above also removes those of killed builds
trap 'rm -rf "$TPL" "$IMG"' EXIT
mkdir -p "$TPL/db" "$TPL/images" "$TPL/cache"

# 1. CLI installer. --confpath keeps LocalSettings.php out of /etc/mediawiki.
#    --server is rewritten below; --scriptpath "" because php -S serves the wiki at /.
php "$MAINT/install.php" --quiet \
  --dbtype sqlite --dbpath "$TPL/db" --dbname testwiki \
  --server http://127.0.0.1 --scriptpath "" \
  --confpath "$TPL" --lang en --skins Vector \
  --pass 'AdminPass-12345' "TestWiki" "Admin" >/dev/null
step "install.php done"

# 2. Make the settings relocatable and test-friendly.
sed -i 's|^\$wgSQLiteDataDir = .*|$wgSQLiteDataDir = __DIR__ . "/db";|' "$TPL/LocalSettings.php"
grep -q '^\$wgSQLiteDataDir = __DIR__' "$TPL/LocalSettings.php"
cat "$HERE/LocalSettings.overrides.php" >> "$TPL/LocalSettings.php"
export MW_CONFIG_FILE="$TPL/LocalSettings.php"   # read by every maintenance script and by api.php

# 3. Users, registered "in the past" (MW_FAKE_TIME is honoured by the overrides).
MW_FAKE_TIME=20131201000000 php "$MAINT/createAndPromote.php" Alice 'Password-Alice-123' >/dev/null
MW_FAKE_TIME=20140201000000 php "$MAINT/createAndPromote.php" Bob 'Password-Bob-123' >/dev/null
MW_FAKE_TIME=20140301000000 php "$MAINT/createAndPromote.php" Carol 'Password-Carol-123' >/dev/null
MW_FAKE_TIME=20150101000000 php "$MAINT/createAndPromote.php" --bot SeedBot 'Password-SeedBot-123' >/dev/null
step "users created"

# 4. Pages with historical revisions by those users (Dave is unknown -> "imported>Dave").
#    Fake time here too, so link-table timestamps (categorymembers cl_timestamp) are fixed.
MW_FAKE_TIME=20230101000000 php "$MAINT/importDump.php" "$HERE/seed.xml" >/dev/null 2>&1
step "importDump done"

# 5. Move and delete, at fake times.
printf 'Old name|New name\n' > "$TPL/cache/moves.txt"
printf 'Doomed page\n' > "$TPL/cache/deletes.txt"
MW_FAKE_TIME=20180101000000 php "$MAINT/moveBatch.php" --u Alice --r "Seed move" "$TPL/cache/moves.txt" >/dev/null
MW_FAKE_TIME=20180202000000 php "$MAINT/deleteBatch.php" --u Admin --r "Seed delete" "$TPL/cache/deletes.txt" >/dev/null
step "move + delete done"

# 6. Uploads: Apple+Pear by Alice (2019), Plum by Bob (2021), Apple re-uploaded by Bob (2022).
mkdir -p "$IMG"
php "$HERE/make-pngs.php" "$IMG/a" Apple.png:2x2:ff0000 Pear.png:3x2:00ff00
php "$HERE/make-pngs.php" "$IMG/b" Plum.png:4x4:800080
php "$HERE/make-pngs.php" "$IMG/c" Apple.png:5x5:ff8800
MW_FAKE_TIME=20190505101010 php "$MAINT/importImages.php" --user Alice --timestamp 20190505101010 \
  --summary "Seed upload" --comment "A fruit picture. [[Category:Fruits]]" "$IMG/a" >/dev/null
MW_FAKE_TIME=20210203040506 php "$MAINT/importImages.php" --user Bob --timestamp 20210203040506 \
  --summary "Plum picture" --comment "Plum. [[Category:Fruits]]" "$IMG/b" >/dev/null
MW_FAKE_TIME=20220303030303 php "$MAINT/importImages.php" --user Bob --timestamp 20220303030303 \
  --overwrite --summary "Better apple" --comment "A better apple." "$IMG/c" >/dev/null
rm -rf "$IMG"
step "uploads done"

# 7. Derived data: edit counts (import does not bump user_editcount), site stats,
#    recentchanges (import does not write rc rows), pending jobs (links/html cache).
#    Fake "now" keeps page_touched etc. identical between builds; the rows that install.php
#    wrote at real time (Admin + "MediaWiki default" registration, Main Page revision + log) are back-dated by SQL.
export MW_FAKE_TIME=20230601000000
php "$MAINT/sql.php" --query "UPDATE user SET user_registration = '20130101000000' WHERE user_registration > '20230601000000'" >/dev/null
php "$MAINT/sql.php" --query "UPDATE logging SET log_timestamp = '20130101000000' WHERE log_timestamp > '20230601000000'" >/dev/null
php "$MAINT/sql.php" --query "UPDATE revision SET rev_timestamp = '20130101000000' WHERE rev_timestamp > '20230601000000'" >/dev/null
php "$MAINT/initEditCount.php" >/dev/null
php "$MAINT/initSiteStats.php" --update >/dev/null
php "$MAINT/rebuildrecentchanges.php" >/dev/null
php "$MAINT/runJobs.php" >/dev/null
# HTMLCacheUpdateJob stamps page_touched with PHP's time(), ignoring the fake clock:
php "$MAINT/sql.php" --query "UPDATE page SET page_touched = '20230601000000' WHERE page_touched > '20230601000000'" >/dev/null
unset MW_FAKE_TIME
rm -f "$TPL/cache/moves.txt" "$TPL/cache/deletes.txt"

# 8. Sanity check: the seed landed completely (importDump output was silenced above).
GOT=$(php "$MAINT/sql.php" --json --query "SELECT (SELECT COUNT(*) FROM revision) || ' ' ||
  (SELECT COUNT(*) FROM archive) || ' ' || (SELECT COUNT(*) FROM image) || ' ' ||
  (SELECT COUNT(*) FROM logging) || ' ' || (SELECT COUNT(*) FROM categorylinks) || ' ' ||
  (SELECT COUNT(*) FROM templatelinks) AS n" | php -r 'echo json_decode(stream_get_contents(STDIN))[0]->n;')
[ "$GOT" = "34 2 3 14 10 3" ] || { echo "seed check failed: rev/archive/image/logging/cl/tl = $GOT" >&2; exit 1; }

# 9. Replace the old template in one rename, then mark it complete. Whenever .complete exists,
#    the whole tree exists too, because the tree was finished before the rename.
SIZE="$(du -sh "$TPL" | cut -f1)"
rm -rf "$FINAL"
mv -T "$TPL" "$FINAL"
touch "$FINAL/.complete"
step "template ready: $FINAL ($SIZE)"
