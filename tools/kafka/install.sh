#!/usr/bin/env bash
# Installs an Apache Kafka broker for Weir's development and tests: resolves the server jars and all their
# runtime dependencies from Maven Central with Maven (tools/kafka/pom.xml) into .kafka/lib at the repo root.
#
# Version: tools/kafka/VERSION (override with KAFKA_VERSION=x.y.z). Idempotent: does nothing when .kafka/lib
# already holds that version (resolved with the current pom.xml).
#
# Why Kafka 4.4.0 (the newest release on Maven Central) and not 3.x:
#   KIP-896 (Kafka 4.0) removed old protocol versions, but kafkajs 2.2.4 negotiates each request with ApiVersions
#   and the newest version it implements of every API it uses is still served by 4.4.0 (e.g. Produce v7 of broker
#   0-13 [v0-2 removed], Fetch v11 of 4-18, ListOffsets v3 of 1-11, OffsetCommit v5 of 2-10, CreateTopics v3 of
#   2-7, DeleteTopics v1 of 1-6, DescribeConfigs v2 of 1-4, DescribeAcls v1 of 1-3; transactions use
#   InitProducerId/AddPartitionsToTxn/AddOffsetsToTxn/TxnOffsetCommit/EndTxn v1, all still supported).
#   Verified by test/integration/kafka-broker.test.ts: produce, consume with a group, committed/aborted
#   transactions read by a readUncommitted:false consumer, transaction.sendOffsets seen by admin.fetchOffsets.
#   4.3.1 passes the same test. No 3.x fallback was needed.
#   4.4.0 caveat: its kafka-tools-api jar is missing from Central; pom.xml excludes it (CLI-only, unused by the
#   broker). If 4.4.0 ever fails to resolve or run, set tools/kafka/VERSION to 4.3.1 (fully resolvable, tested).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="${KAFKA_VERSION:-$(tr -d '[:space:]' < "$HERE/VERSION")}"
KAFKA_HOME_DIR="$ROOT/.kafka"
LIB="$KAFKA_HOME_DIR/lib"
MARKER="$LIB/.installed"

die() { echo "kafka install: $*" >&2; exit 1; }

[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "bad Kafka version '$VERSION' (tools/kafka/VERSION or KAFKA_VERSION)"

pom_sum="$(sha256sum "$HERE/pom.xml" | cut -c1-16)"
want="kafka=$VERSION pom=$pom_sum"
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$want" ]] && compgen -G "$LIB/kafka_2.13-$VERSION.jar" > /dev/null; then
  [[ "${1:-}" == "--quiet" ]] || echo "Kafka $VERSION already installed in $LIB"
  exit 0
fi

command -v java > /dev/null 2>&1 || die "'java' not found. Install a JDK/JRE 17 (e.g. 'apt-get install openjdk-17-jre-headless'),
or set KAFKA_BROKERS=host:port to use an existing Kafka cluster instead of a local broker."
command -v mvn > /dev/null 2>&1 || die "'mvn' not found. Install Maven 3.8+ (e.g. 'apt-get install maven'); it downloads the
Kafka jars from Maven Central. Or set KAFKA_BROKERS=host:port to use an existing Kafka cluster."

mkdir -p "$KAFKA_HOME_DIR"
tmp="$(mktemp -d "$KAFKA_HOME_DIR/lib.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "Installing Apache Kafka $VERSION from Maven Central into $LIB ..."
started=$SECONDS
# (Maven 3.8 prints stray ANSI resets even with -q/-B; strip them. pipefail keeps mvn's exit status.)
if ! mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" -Dkafka.version="$VERSION" -Dkafka.lib.dir="$tmp" \
     dependency:copy-dependencies 2>&1 | sed -e $'s/\x1b\\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' >&2 || true; }; then
  die "Maven could not resolve org.apache.kafka:kafka_2.13:$VERSION and its dependencies (is Maven Central reachable?)"
fi
[[ -f "$tmp/kafka_2.13-$VERSION.jar" ]] || die "Maven finished but $tmp/kafka_2.13-$VERSION.jar is missing"

core="$(compgen -G "$tmp/log4j-core-*.jar" | head -n1)"; core="${core##*/}"
impl="$(compgen -G "$tmp/log4j-slf4j-impl-*.jar" | head -n1)"; impl="${impl##*/}"
if [[ -n "$core" && "${core#log4j-core-}" != "${impl#log4j-slf4j-impl-}" ]]; then
  echo "kafka install: warning: $impl does not match $core; update log4j2.version in tools/kafka/pom.xml" >&2
fi

echo "$want" > "$tmp/.installed"
rm -rf "$LIB"
mv "$tmp" "$LIB"
trap - EXIT
echo "Installed Kafka $VERSION ($(ls "$LIB"/*.jar | wc -l) jars, $(du -sh "$LIB" | cut -f1)) in $((SECONDS - started)) s"
