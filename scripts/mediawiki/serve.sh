#!/usr/bin/env bash
# Serve a copy of a seeded template wiki on 127.0.0.1:PORT in the background.
#   usage: serve.sh TEMPLATE_DIR PORT RUN_DIR
#   stop:  stop.sh RUN_DIR
# RUN_DIR keeps the wiki between runs: the template is copied only when RUN_DIR has no complete
# copy (no RUN_DIR/.complete). The server (php -S, no workers) leads its own process group, writes
# its pid to RUN_DIR/server.pid and logs to RUN_DIR/server.log. The script exits 0 once
# api.php returns HTTP 200 for siteinfo, and exits 0 at once when a MediaWiki api.php already
# listens on PORT. It exits 1 when PORT is taken by another program or the server does not
# respond within 20 s.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
USAGE="usage: serve.sh TEMPLATE_DIR PORT RUN_DIR"
TEMPLATE="${1:?$USAGE}"
PORT="${2:?$USAGE}"
RUN="${3:?$USAGE}"
RUN="${RUN%/}"
DOCROOT=/usr/share/mediawiki
START_TIMEOUT_SECONDS=20

fail() {
  echo "serve.sh: $*" >&2
  exit 1
}

if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  fail "invalid PORT '$PORT': expected a number from 1 to 65535"
fi
command -v curl >/dev/null || fail "curl is missing; install it (apt-get install curl)"
if [ ! -f "$DOCROOT/api.php" ] || ! command -v php >/dev/null; then
  fail "MediaWiki is not installed ($DOCROOT/api.php or php is missing); run scripts/mediawiki/mw-install.sh as root"
fi

SITEINFO_URL="http://127.0.0.1:$PORT/api.php?action=query&meta=siteinfo&format=json"

# Prints "HTTP_STATUS CURL_EXIT_CODE" for a siteinfo request to PORT and stores the body in $1.
# curl exits with 7 when nothing accepts connections on PORT.
probe_siteinfo() {
  local status exit_code=0
  status="$(curl -s -o "$1" -w '%{http_code}' --max-time 3 "$SITEINFO_URL")" || exit_code=$?
  echo "$status $exit_code"
}

# 1. Is PORT free, or already serving a MediaWiki?
PROBE_BODY="$(mktemp)"
trap 'rm -f "$PROBE_BODY"' EXIT
read -r STATUS CURL_EXIT <<<"$(probe_siteinfo "$PROBE_BODY")"
if [ "$STATUS" = 200 ] && grep -q '"generator":"MediaWiki' "$PROBE_BODY"; then
  echo "serve.sh: a MediaWiki api.php is already running on port $PORT: http://127.0.0.1:$PORT/api.php"
  if [ -f "$RUN/server.pid" ]; then
    echo "serve.sh: its pid file may be $RUN/server.pid (pid $(cat "$RUN/server.pid")); stop it with stop.sh $RUN"
  fi
  exit 0
fi
if [ "$CURL_EXIT" != 7 ]; then
  fail "port $PORT is taken by a program that is not a MediaWiki api.php (HTTP status $STATUS, curl exit code $CURL_EXIT for $SITEINFO_URL); choose another PORT or stop that program"
fi
if [ -f "$RUN/server.pid" ] && kill -0 "$(cat "$RUN/server.pid")" 2>/dev/null; then
  fail "$RUN already has a running server (pid $(cat "$RUN/server.pid")) on a port other than $PORT; stop it with stop.sh $RUN"
fi

# 2. Copy the template unless RUN_DIR already has a complete copy. The copy goes into a
#    sibling directory first, so a killed copy never looks complete.
if [ ! -f "$RUN/.complete" ]; then
  [ -f "$TEMPLATE/.complete" ] ||
    fail "$TEMPLATE is not a finished template (no .complete); build it with scripts/mediawiki/mw-template.sh $TEMPLATE"
  if [ -e "$RUN" ] && [ -n "$(ls -A "$RUN")" ]; then
    fail "$RUN exists and is not empty but has no complete wiki copy (no .complete); remove it or choose another RUN_DIR"
  fi
  mkdir -p "$(dirname "$RUN")"
  COPY="$RUN.tmp.$$"
  rm -rf "$COPY"
  cp -a "$TEMPLATE/." "$COPY/"
  rm -rf "$RUN"
  mv -T "$COPY" "$RUN"
  echo "serve.sh: copied $TEMPLATE to $RUN"
fi
RUN="$(cd "$RUN" && pwd)"

# 3. Start php -S as the leader of a new session and process group: stop.sh kills the group.
#    The inner shell writes its own pid (kept by exec) because setsid may fork. No
#    PHP_CLI_SERVER_WORKERS: one process serves requests one at a time, and nothing outlives it.
unset PHP_CLI_SERVER_WORKERS MW_FAKE_TIME
MW_CONFIG_FILE="$RUN/LocalSettings.php" MW_RUN_DIR="$RUN" \
  setsid bash -c 'echo "$$" > "$1/server.pid"; exec php -S "127.0.0.1:$2" -t "$3" "$4"' \
  serve-mediawiki "$RUN" "$PORT" "$DOCROOT" "$HERE/router.php" \
  </dev/null >"$RUN/server.log" 2>&1 &

# 4. Wait for siteinfo to return HTTP 200.
DEADLINE=$(( $(date +%s) + START_TIMEOUT_SECONDS ))
while :; do
  read -r STATUS CURL_EXIT <<<"$(probe_siteinfo "$PROBE_BODY")"
  if [ "$STATUS" = 200 ]; then
    break
  fi
  PID="$(cat "$RUN/server.pid" 2>/dev/null || true)"
  if [ -n "$PID" ] && ! kill -0 "$PID" 2>/dev/null; then
    echo "serve.sh: php -S on port $PORT exited before it responded; last lines of $RUN/server.log:" >&2
    tail -n 20 "$RUN/server.log" >&2
    rm -f "$RUN/server.pid"
    exit 1
  fi
  if [ "$(date +%s)" -ge "$DEADLINE" ]; then
    echo "serve.sh: timed out after ${START_TIMEOUT_SECONDS} s waiting for HTTP 200 from $SITEINFO_URL" >&2
    echo "serve.sh: last response: HTTP status $STATUS, curl exit code $CURL_EXIT, body: $(head -c 500 "$PROBE_BODY")" >&2
    echo "serve.sh: last lines of $RUN/server.log:" >&2
    tail -n 20 "$RUN/server.log" >&2
    if [ -n "$PID" ]; then
      kill -KILL -- "-$PID" 2>/dev/null || true
      rm -f "$RUN/server.pid"
    fi
    exit 1
  fi
  sleep 0.1
done

echo "serve.sh: MediaWiki is running at http://127.0.0.1:$PORT/api.php (pid $(cat "$RUN/server.pid"), log $RUN/server.log)"
