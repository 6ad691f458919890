#!/usr/bin/env bash
# Starts a local Apache Flink standalone session cluster on 127.0.0.1 for Weir's development and tests: one
# JobManager (StandaloneSessionClusterEntrypoint: REST API + dashboard) and one TaskManager (TaskManagerRunner),
# two background JVMs on the jars that tools/flink/install.sh resolves into .flink/lib (run first, --quiet).
# Waits until the TaskManager has registered its slots and prints the dashboard's address.
#
#   FLINK_REST_PORT      REST API and dashboard, default 8081
#   FLINK_TASK_SLOTS     task slots of the TaskManager, default 2 (also its taskmanager.cpu.cores)
#   FLINK_RPC_PORT       JobManager RPC port, default 6123; the blob server uses +1 and the TaskManager's data
#                        (shuffle) port +2, so 6123-6125 (clear of Kafka's 9092/9093 and 19092/19093). The
#                        TaskManager's own RPC port is an ephemeral one, new on every start: a TaskManager started
#                        on the address of one that was just killed is not heard by the JobManager's RPC system
#                        (Pekko keeps the dead peer's association) until it gives up on the old one.
#   FLINK_START_TIMEOUT  seconds to wait for the cluster, default 90
#
# Files, all under .flink/ at the repo root: conf/config.yaml (generated whenever the JobManager starts),
# conf/log4j2.properties, jobmanager.pid, taskmanager-1.pid, log/ (jobmanager.log and .out, taskmanager-1.log and
# .out; the dashboard shows them), checkpoints/, savepoints/, tmp/jobmanager/ and tmp/taskmanager-1/ (emptied at
# each start of that process), web-upload/ (jars uploaded through the REST API or dashboard), plugins/ (empty).
# Idempotent: a JobManager that runs is left alone; a TaskManager that died (even kill -9) is started again.
# Stop the cluster with tools/flink/stop.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="${FLINK_VERSION:-$(tr -d '[:space:]' < "$HERE/VERSION")}"
REST_PORT="${FLINK_REST_PORT:-8081}"
SLOTS="${FLINK_TASK_SLOTS:-2}"
RPC_PORT="${FLINK_RPC_PORT:-6123}"
TIMEOUT="${FLINK_START_TIMEOUT:-90}"
HOST=127.0.0.1

# FLINK_STATE_DIR: where this cluster keeps its configuration, pid files, logs, checkpoints and savepoints (default
# .flink). Tests run clusters of their own beside a developer's with another directory and other ports.
FDIR="${FLINK_STATE_DIR:-$ROOT/.flink}"
LIB="$ROOT/.flink/lib"
CONF="$FDIR/conf"
LOGDIR="$FDIR/log"
JM_PIDFILE="$FDIR/jobmanager.pid"
TM_PIDFILE="$FDIR/taskmanager-1.pid"
JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

die() { echo "flink start: $*" >&2; exit 1; }
log() { echo "flink start: $*" >&2; }

for v in REST_PORT:FLINK_REST_PORT SLOTS:FLINK_TASK_SLOTS RPC_PORT:FLINK_RPC_PORT TIMEOUT:FLINK_START_TIMEOUT; do
  name="${v%%:*}"
  [[ "${!name}" =~ ^[0-9]+$ ]] || die "${v#*:} must be a number (got '${!name}')"
done
(( SLOTS >= 1 )) || die "FLINK_TASK_SLOTS must be at least 1"
BLOB_PORT=$((RPC_PORT + 1))
TM_DATA_PORT=$((RPC_PORT + 2))

tcp_open() { (exec 3<> "/dev/tcp/$HOST/$1") 2> /dev/null; }

# GET http://127.0.0.1:$REST_PORT$1 -> body on stdout; fails when nothing answers.
http_get() {
  if command -v curl > /dev/null 2>&1; then
    curl -fsS --max-time 5 "http://$HOST:$REST_PORT$1" 2> /dev/null
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status))).then((t) => process.stdout.write(t))
      .catch(() => process.exit(1))' "http://$HOST:$REST_PORT$1" 2> /dev/null
  fi
}
json_num() { grep -o "\"$1\":[0-9]*" | head -n1 | cut -d: -f2; }

# Is $1 a live process of ours, i.e. a JVM running class $2 with this checkout's conf dir?
ours() {
  [[ -n "$1" && -r "/proc/$1/cmdline" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2> /dev/null)" != "Z" ]] || return 1
  # (No "tr | grep -q" pipeline: under pipefail an early exit of grep could fail it.)
  [[ "$(tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null)" == *"$2 --configDir $CONF "* ]]
}
pid_of() { local p; p="$(cat "$1" 2> /dev/null || true)"; if ours "$p" "$2"; then echo "$p"; fi; }

# The value of a top-level "key: value" line of the generated config.yaml.
conf_value() { sed -n "s/^$1: *//p" "$CONF/config.yaml" 2> /dev/null | head -n1; }

report() {
  local overview tms slots
  overview="$(http_get /overview || true)"
  tms="$(json_num taskmanagers <<< "$overview")"; slots="$(json_num slots-total <<< "$overview")"
  echo "Flink is running: http://$HOST:$REST_PORT ($tms TaskManager$([[ "$tms" == 1 ]] || echo s), $slots slots)"
}

mkdir -p "$FDIR" "$LOGDIR" "$FDIR/plugins"
# Flink looks for its plugins directory (none are installed) in FLINK_PLUGINS_DIR; JVMs start in the repo root.
export FLINK_PLUGINS_DIR="$FDIR/plugins"
cd "$ROOT"
# One start at a time (two test runners starting the cluster at once would each launch a JobManager).
if command -v flock > /dev/null 2>&1; then
  exec 9> "$FDIR/start.lock"
  flock -w "$((TIMEOUT + 60))" 9 || die "another tools/flink/start.sh is still running (lock $FDIR/start.lock)"
fi

jm_pid="$(pid_of "$JM_PIDFILE" "$JM_CLASS")"
tm_pid="$(pid_of "$TM_PIDFILE" "$TM_CLASS")"
[[ -n "$jm_pid" ]] || rm -f "$JM_PIDFILE"
[[ -n "$tm_pid" ]] || rm -f "$TM_PIDFILE"

if [[ -n "$jm_pid" ]]; then
  # The cluster keeps the ports it was started with.
  running_port="$(conf_value rest.port)"; running_rpc="$(conf_value jobmanager.rpc.port)"
  if [[ -n "$running_port" && "$running_port" != "$REST_PORT" ]] || [[ -n "$running_rpc" && "$running_rpc" != "$RPC_PORT" ]]; then
    die "the JobManager (pid $jm_pid) already runs with REST port $running_port and RPC port $running_rpc; stop it
first (tools/flink/stop.sh) to use FLINK_REST_PORT=$REST_PORT / FLINK_RPC_PORT=$RPC_PORT"
  fi
  running_slots="$(conf_value taskmanager.numberOfTaskSlots)"
  if [[ -n "$running_slots" && "$running_slots" != "$SLOTS" ]]; then
    log "note: the cluster was started with $running_slots slots per TaskManager; FLINK_TASK_SLOTS=$SLOTS takes effect after tools/flink/stop.sh"
  fi
elif tcp_open "$REST_PORT"; then
  if overview="$(http_get /overview)" && grep -q '"flink-version"' <<< "$overview"; then
    log "a Flink REST API not started by this script already answers on $HOST:$REST_PORT; using it (set
FLINK_REST_PORT to start a cluster of this checkout's own)"
    report
    exit 0
  fi
  die "port $REST_PORT on $HOST is in use by something that is not Flink's REST API; set FLINK_REST_PORT to another port"
fi

if [[ -n "$jm_pid" && -n "$tm_pid" ]]; then
  overview="$(http_get /overview || true)"
  if [[ "$(json_num slots-total <<< "$overview")" =~ ^[1-9] ]]; then
    log "Flink already running (JobManager pid $jm_pid, TaskManager pid $tm_pid)"
    report
    exit 0
  fi
  log "JobManager (pid $jm_pid) and TaskManager (pid $tm_pid) run but no slots are registered yet; waiting"
fi

command -v java > /dev/null 2>&1 || die "'java' not found. Install a JDK/JRE 17 (e.g. 'apt-get install openjdk-17-jre-headless')."

bash "$HERE/install.sh" --quiet >&2

# The --add-opens/--add-exports Flink 2.x needs on Java 17+ (env.java.opts.all of Flink's default config.yaml).
JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)
# GraalJS runs on a stock JDK without its optimizing compiler (interpreter only); without this property every
# first polyglot Context prints a multi-line warning to stderr.
COMMON_OPTS=(
  "${JAVA17_OPTS[@]}"
  -Dpolyglot.engine.WarnInterpreterOnly=false
  "-Dlog4j.configurationFile=file:$CONF/log4j2.properties"
  -Djava.net.preferIPv4Stack=true
)

# Flink's own memory model computes each process's -Xmx/-Xms/-XX:Max*Size and the matching dynamic -D configs
# from config.yaml, as bin/jobmanager.sh and bin/taskmanager.sh do. Prints them as two lines: JVM args, dynamic.
resource_params() {
  local out
  if ! out="$(java "${COMMON_OPTS[@]}" "-Dlog.file=$LOGDIR/bash-java-utils.log" -cp "$LIB/*" \
              org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" 2>&1)"; then
    echo "$out" >&2
    die "BashJavaUtils $1 failed (output above)"
  fi
  out="$(grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<< "$out" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://' | tail -n 2)"
  [[ "$(wc -l <<< "$out")" == 2 ]] || die "unexpected output of BashJavaUtils $1: $out"
  echo "$out"
}

# Rotates $1 (keeps 3 old copies: .1 .. .3).
rotate() {
  local f="$1" i
  [[ -s "$f" ]] || return 0
  for i in 2 1; do [[ -f "$f.$i" ]] && mv -f "$f.$i" "$f.$((i + 1))"; done
  mv -f "$f" "$f.1"
}

# Starts a Flink JVM in the background: $1 name (log file stem), $2 pid file, $3 main class, $4 "jvm args" line,
# $5 "dynamic -D configs" line of BashJavaUtils, then extra dynamic configs. Sets $started_pid.
launch() {
  local name="$1" pidfile="$2" class="$3" jvm dyn
  read -r -a jvm <<< "$4"; read -r -a dyn <<< "$5"
  shift 5
  rotate "$LOGDIR/$name.out"
  # Its own temp dir, emptied first: a JVM that was killed leaves its extracted RPC jar (22 MB), blob caches and
  # working dir behind.
  rm -rf "${FDIR:?}/tmp/$name"
  mkdir -p "$FDIR/tmp/$name"
  # setsid: own session, so Ctrl-C in the calling terminal/test runner does not kill it; nohup+exec chain keeps $!
  # the JVM's pid. The .out file takes the JVM's stdout and stderr (the dashboard's "Stdout" tab). 9>&-: the JVM
  # must not inherit (and so hold) the start lock.
  nohup setsid java "${jvm[@]}" "${COMMON_OPTS[@]}" "-Dlog.file=$LOGDIR/$name.log" "-Djava.io.tmpdir=$FDIR/tmp/$name" \
    -cp "$LIB/*" "$class" --configDir "$CONF" "${dyn[@]}" -D "io.tmp.dirs=$FDIR/tmp/$name" "$@" < /dev/null > "$LOGDIR/$name.out" 2>&1 9>&- &
  started_pid=$!
  echo "$started_pid" > "$pidfile"
}

# Stops what this run started (nothing half-started stays behind) and exits.
abort() {
  if (( ${#stop_on_failure[@]} )); then bash "$HERE/stop.sh" "${stop_on_failure[@]}" > /dev/null 2>&1 || true; fi
  die "$1"
}
# The same, after the last lines of the logs.
fail() {
  local f
  for f in jobmanager taskmanager-1; do
    if [[ -s "$LOGDIR/$f.out" ]]; then echo "---- last lines of $LOGDIR/$f.out ----" >&2; tail -n 20 "$LOGDIR/$f.out" >&2; fi
    if [[ -s "$LOGDIR/$f.log" ]]; then echo "---- last lines of $LOGDIR/$f.log ----" >&2; tail -n 20 "$LOGDIR/$f.log" >&2; fi
  done
  abort "$1"
}

started=$SECONDS
stop_on_failure=()   # what this run started, and so stops again if the cluster does not come up
if [[ -z "$jm_pid" && -n "$tm_pid" ]]; then
  # A TaskManager that outlived its JobManager (kill -9) reconnects to a new one only after its registration
  # backoff (~30 s); a fresh one registers in seconds, and it had no work left anyway.
  log "restarting the TaskManager (pid $tm_pid) along with the JobManager"
  bash "$HERE/stop.sh" taskmanager 2> /dev/null
  tm_pid=""
fi
if [[ -z "$jm_pid" ]]; then
  for p in "$RPC_PORT:JobManager RPC (FLINK_RPC_PORT)" "$BLOB_PORT:blob server (FLINK_RPC_PORT+1)"; do
    tcp_open "${p%%:*}" && die "port ${p%%:*} for the ${p#*:} is in use; set FLINK_RPC_PORT to a free range"
  done
  mkdir -p "$CONF" "$FDIR/checkpoints" "$FDIR/savepoints" "$FDIR/tmp" "$FDIR/web-upload"
  [[ -f "$CONF/log4j2.properties" ]] || cp "$HERE/log4j2.properties" "$CONF/log4j2.properties"
  cat > "$CONF/config.yaml" << EOF
# Generated by tools/flink/start.sh (Flink $VERSION) whenever it starts the JobManager; edits are overwritten.
# Flink 2.x reads config.yaml (standard YAML; flat keys are fine) from the --configDir of each process.
jobmanager.rpc.address: $HOST
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: $HOST
blob.server.port: $BLOB_PORT
rest.address: $HOST
rest.bind-address: $HOST
rest.port: $REST_PORT
taskmanager.host: $HOST
taskmanager.bind-host: $HOST
taskmanager.rpc.port: 0
taskmanager.data.port: $TM_DATA_PORT

# Memory (2-core dev machine): JobManager 768m process (heap ~320m); TaskManager 1728m process with a small
# managed-memory share (only RocksDB and batch operators use it), leaving ~768m task heap for state and GraalJS.
jobmanager.memory.process.size: 768m
jobmanager.memory.jvm-metaspace.size: 192m
jobmanager.memory.jvm-overhead.min: 128m
taskmanager.memory.process.size: 1984m
# GraalJS and Flink's own classes take about 240 MB of Metaspace before a job's; Flink's default of 256m leaves one
# job's classes little room while the previous job's are being unloaded.
taskmanager.memory.jvm-metaspace.size: 512m
taskmanager.memory.managed.fraction: 0.1
taskmanager.numberOfTaskSlots: $SLOTS
taskmanager.cpu.cores: $SLOTS
parallelism.default: 1

# Fault tolerance. Checkpointing itself is switched on by each job (execution.checkpointing.interval).
# (execution.checkpointing.dir / savepoint-dir are Flink 2's names of state.checkpoints.dir / state.savepoints.dir.)
state.backend.type: hashmap
execution.checkpointing.dir: file://$FDIR/checkpoints
execution.checkpointing.savepoint-dir: file://$FDIR/savepoints
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: 3
jobmanager.execution.failover-strategy: region
# A failing job is restarted after 1, 2, 4, 8, 10, 10 s and FAILED after that (about 35 s); one that ran a minute
# without failing gets its six attempts back.
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1 s
restart-strategy.exponential-delay.max-backoff: 10 s
restart-strategy.exponential-delay.backoff-multiplier: 2.0
restart-strategy.exponential-delay.reset-backoff-threshold: 1 min
restart-strategy.exponential-delay.jitter-factor: 0.1
restart-strategy.exponential-delay.attempts-before-reset-backoff: 6

# A dead TaskManager is noticed within seconds (two failed heartbeat RPCs), a silent one after 30 s.
heartbeat.interval: 3000
heartbeat.timeout: 30000

# GraalJS lives in .flink/lib; job jars must use that copy, never load a second one of their own.
classloader.parent-first-patterns.additional: org.graalvm.;com.oracle.truffle.

# Nothing to obtain here (no Kerberos, no Hadoop); saves a warning per start.
security.delegation.tokens.enabled: false

web.upload.dir: $FDIR/web-upload
web.submit.enable: true
web.cancel.enable: true

# The REST API serves metrics from a cache it refreshes this often (default 10 s); the Weir server reads a
# deployment's per-node counts from there every 2 s.
metrics.fetcher.update-interval: 2000
EOF
  rotate "$LOGDIR/jobmanager.log"
  params="$(resource_params GET_JM_RESOURCE_PARAMS)" || abort "could not compute the JobManager's memory settings"
  mapfile -t jm_params <<< "$params"
  launch jobmanager "$JM_PIDFILE" "$JM_CLASS" "${jm_params[0]}" "${jm_params[1]}"
  jm_pid=$started_pid
  stop_on_failure+=(jobmanager)
  log "started the JobManager (pid $jm_pid), REST and dashboard on $HOST:$REST_PORT, log: $LOGDIR/jobmanager.log"
fi

tm_id=""
if [[ -z "$tm_pid" ]]; then
  # A TaskManager killed a moment ago frees its ports when its last thread has exited, which can take a few seconds
  # on a loaded machine; anything on them after that is a conflict.
  for _ in $(seq 1 40); do tcp_open "$TM_DATA_PORT" || break; sleep 0.25; done
  tcp_open "$TM_DATA_PORT" && abort "port $TM_DATA_PORT for the TaskManager's data (FLINK_RPC_PORT+2) is in use; set FLINK_RPC_PORT to a free range"
  rotate "$LOGDIR/taskmanager-1.log"
  params="$(resource_params GET_TM_RESOURCE_PARAMS)" || abort "could not compute the TaskManager's memory settings"
  mapfile -t tm_params <<< "$params"
  # A fresh resource id per start, so that readiness below means this TaskManager, not one that just died.
  tm_id="taskmanager-1-$(date +%s)"
  launch taskmanager-1 "$TM_PIDFILE" "$TM_CLASS" "${tm_params[0]}" "${tm_params[1]}" -D "taskmanager.resource-id=$tm_id"
  tm_pid=$started_pid
  stop_on_failure+=(taskmanager)
  log "started the TaskManager (pid $tm_pid, $SLOTS slots), log: $LOGDIR/taskmanager-1.log"
fi

deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  ours "$jm_pid" "$JM_CLASS" || fail "the JobManager (pid $jm_pid) exited during startup"
  ours "$tm_pid" "$TM_CLASS" || fail "the TaskManager (pid $tm_pid) exited during startup"
  overview="$(http_get /overview || true)"
  if [[ "$(json_num taskmanagers <<< "$overview")" =~ ^[1-9] && "$(json_num slots-total <<< "$overview")" =~ ^[1-9] ]] &&
     { [[ -z "$tm_id" ]] || http_get /taskmanagers | grep -qF "\"id\":\"$tm_id\""; }; then
    break
  fi
  if (( $(date +%s) >= deadline )); then
    fail "the cluster did not report a registered TaskManager on http://$HOST:$REST_PORT/overview within ${TIMEOUT}s"
  fi
  sleep 0.5
done
# A TaskManager that was killed a moment ago stays listed until its heartbeats fail (a few seconds).
if [[ -n "$tm_id" ]]; then
  for (( i = 0; i < 40; i++ )); do
    [[ "$(http_get /overview | json_num taskmanagers)" =~ ^[01]$ ]] && break
    (( i > 0 )) || log "waiting for the JobManager to drop the TaskManager that died"
    sleep 0.5
  done
fi
log "ready in $((SECONDS - started)) s (JobManager pid $jm_pid, TaskManager pid $tm_pid)"
report
