#!/usr/bin/env bash
# Stop a wiki started by serve.sh: kill the process group whose leader is in RUN_DIR/server.pid.
#   usage: stop.sh RUN_DIR
# Exits 0 when the server is stopped or was not running; RUN_DIR itself is kept.
set -euo pipefail
RUN="${1:?usage: stop.sh RUN_DIR}"
PID_FILE="$RUN/server.pid"

if [ ! -f "$PID_FILE" ]; then
  echo "stop.sh: no $PID_FILE, so no server from serve.sh is running for $RUN"
  exit 0
fi
PID="$(cat "$PID_FILE")"
if ! [[ "$PID" =~ ^[0-9]+$ ]]; then
  echo "stop.sh: invalid pid '$PID' in $PID_FILE; remove the file and stop the server by hand" >&2
  exit 1
fi
if ! kill -0 "$PID" 2>/dev/null; then
  echo "stop.sh: server pid $PID from $PID_FILE is not running"
  rm -f "$PID_FILE"
  exit 0
fi
# A stale pid file may name a pid that the kernel gave to another program: kill only a php
# process that leads its own process group.
PGID="$(ps -o pgid= -p "$PID" | tr -d ' ')"
COMMAND="$(ps -o comm= -p "$PID")"
if [ "$PGID" != "$PID" ] || [[ "$COMMAND" != php* ]]; then
  echo "stop.sh: pid $PID from $PID_FILE is '$COMMAND' in process group $PGID, not a php -S group leader; not killing it" >&2
  exit 1
fi

kill -TERM -- "-$PID" 2>/dev/null || true
for _ in $(seq 1 50); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$PID" 2>/dev/null; then
  echo "stop.sh: process group $PID ignored SIGTERM for 5 s; sending SIGKILL" >&2
  kill -KILL -- "-$PID" 2>/dev/null || true
fi
rm -f "$PID_FILE"
echo "stop.sh: stopped server process group $PID"
