#!/usr/bin/env bash
# Formats the log directories of a broker's properties file (kafka-storage format) with a cluster id, as
# tools/kafka/start.sh does once for a fresh data directory. Needs the jars of tools/kafka/install.sh.
#
#   tools/kafka/format.sh PROPERTIES CLUSTER_ID
#
# The id goes in as --cluster-id=ID: a random base64url id starts with "-" once in 64, and Kafka's argument parser
# reads "-t -xyz…" as an option without its value ("argument --cluster-id/-t: expected one argument").
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="${KAFKA_VERSION:-$(tr -d '[:space:]' < "$HERE/VERSION")}"
KDIR="$ROOT/.kafka"

(( $# == 2 )) || { echo "usage: tools/kafka/format.sh PROPERTIES CLUSTER_ID" >&2; exit 2; }
props="$1"
cluster_id="$2"

# KRaft with a dynamic quorum (kafka-storage format --standalone) exists since Kafka 3.9; older: static voters.
major="${VERSION%%.*}"; rest="${VERSION#*.}"; minor="${rest%%.*}"
args=(format "--cluster-id=$cluster_id" -c "$props")
(( major > 3 || (major == 3 && minor >= 9) )) && args+=(--standalone)

exec java -Xmx256m "-Dlog4j2.configurationFile=$KDIR/log4j2.properties" "-Dlog4j.configuration=file:$KDIR/log4j.properties" \
  -cp "$KDIR/lib/*" kafka.tools.StorageTool "${args[@]}"
