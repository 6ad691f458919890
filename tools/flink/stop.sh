#!/usr/bin/env bash
# Stops the local Flink cluster that tools/flink/start.sh started: SIGTERM to the TaskManager and the JobManager,
# wait up to FLINK_STOP_TIMEOUT seconds (default 30), then SIGKILL; removes .flink/jobmanager.pid and
# .flink/taskmanager-1.pid. Idempotent. Only ever signals the pids in those files, and only if each is the Flink
# JVM (JobManager / TaskManager class with this checkout's .flink/conf) that start.sh launched.
#
#   tools/flink/stop.sh                 both
#   tools/flink/stop.sh taskmanager     only the TaskManager (jobmanager: only the JobManager)
#
# Running jobs end with the JobManager (a session cluster without high availability does not recover them);
# retained checkpoints and savepoints stay in .flink/checkpoints and .flink/savepoints.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TIMEOUT="${FLINK_STOP_TIMEOUT:-30}"
FDIR="${FLINK_STATE_DIR:-$ROOT/.flink}"
CONF="$FDIR/conf"

log() { echo "flink stop: $*" >&2; }

[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || { log "FLINK_STOP_TIMEOUT must be a number"; exit 1; }

# name, pid file, main class
declare -A PIDFILE=([taskmanager]="$FDIR/taskmanager-1.pid" [jobmanager]="$FDIR/jobmanager.pid")
declare -A CLASS=([taskmanager]=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
                  [jobmanager]=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint)
declare -A LABEL=([taskmanager]=TaskManager [jobmanager]=JobManager)

which=("$@")
(( ${#which[@]} )) || which=(taskmanager jobmanager)
for w in "${which[@]}"; do
  [[ -n "${PIDFILE[$w]:-}" ]] || { log "unknown process '$w' (taskmanager or jobmanager)"; exit 1; }
done

# Alive and ours? (A zombie, exited but not yet reaped by its parent, counts as stopped.)
is_ours() {
  [[ -n "$1" && -r "/proc/$1/cmdline" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2> /dev/null)" != "Z" ]] || return 1
  [[ "$(tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null)" == *"$2 --configDir $CONF "* ]]
}

declare -A pids=()
for w in "${which[@]}"; do
  f="${PIDFILE[$w]}"
  [[ -f "$f" ]] || continue
  pid="$(cat "$f" 2> /dev/null || true)"
  if is_ours "$pid" "${CLASS[$w]}"; then
    pids[$w]="$pid"
    log "stopping the ${LABEL[$w]} (pid $pid)"
    kill -TERM "$pid" 2> /dev/null || true
  else
    log "the ${LABEL[$w]} is not running (stale pid file removed)"
    rm -f "$f"
  fi
done
if (( ${#pids[@]} == 0 )); then
  log "nothing to stop"
  exit 0
fi

for (( i = 0; i < TIMEOUT * 4; i++ )); do
  alive=0
  for w in "${!pids[@]}"; do is_ours "${pids[$w]}" "${CLASS[$w]}" && alive=1; done
  (( alive )) || break
  sleep 0.25
done
for w in "${!pids[@]}"; do
  if is_ours "${pids[$w]}" "${CLASS[$w]}"; then
    log "the ${LABEL[$w]} (pid ${pids[$w]}) still runs after ${TIMEOUT}s, sending SIGKILL"
    kill -KILL "${pids[$w]}" 2> /dev/null || true
  fi
done
sleep 0.2
for w in "${!pids[@]}"; do rm -f "${PIDFILE[$w]}"; done
log "stopped"
