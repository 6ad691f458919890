#!/usr/bin/env bash
# Stops the broker that tools/kafka/start.sh started on KAFKA_PORT (default 9092): SIGTERM (controlled
# shutdown), wait up to KAFKA_STOP_TIMEOUT seconds (default 30), then SIGKILL. Idempotent.
# Only ever signals the pid in .kafka/kafka-$PORT.pid, and only if it is a kafka.Kafka JVM using this port's
# properties file. Data in .kafka/data-$PORT is kept (delete it for a fresh cluster).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT="${KAFKA_PORT:-9092}"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KDIR="$ROOT/.kafka"
PROPS="$KDIR/server-$PORT.properties"
PIDFILE="$KDIR/kafka-$PORT.pid"

log() { echo "kafka stop: $*" >&2; }

is_ours() {
  [[ -n "$1" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "kafka.Kafka $PROPS"
}

if [[ ! -f "$PIDFILE" ]]; then
  log "no broker started by tools/kafka/start.sh on port $PORT (no $PIDFILE)"
  exit 0
fi
pid="$(cat "$PIDFILE" 2> /dev/null || true)"
if ! is_ours "$pid"; then
  log "broker on port $PORT is not running (stale pid file removed)"
  rm -f "$PIDFILE"
  exit 0
fi

log "stopping Kafka on port $PORT (pid $pid)"
kill -TERM "$pid" 2> /dev/null || true
for (( i = 0; i < TIMEOUT * 4; i++ )); do
  is_ours "$pid" || break
  # A zombie (exited, not yet reaped by its parent) counts as stopped.
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2> /dev/null)" == "Z" ]] && break
  sleep 0.25
done
if is_ours "$pid" && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2> /dev/null)" != "Z" ]]; then
  log "still running after ${TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2> /dev/null || true
  sleep 0.5
fi
rm -f "$PIDFILE"
log "stopped"
