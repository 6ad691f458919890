#!/usr/bin/env bash
# Installs what a local Apache Flink standalone session cluster needs for Weir's development and tests, without
# flink-dist: resolves flink-runtime, flink-clients, flink-runtime-web (the dashboard), flink-streaming-java,
# flink-connector-base, a Log4j 2 SLF4J binding and GraalJS (polyglot + js-community) with all their runtime
# dependencies from Maven Central with Maven (tools/flink/pom.xml) into .flink/lib at the repo root. Also copies
# tools/flink/log4j2.properties to .flink/conf/ (on every run, so edits take effect).
#
# .flink/lib/* is both the cluster's classpath (tools/flink/start.sh) and the classpath on which Weir runs its
# Flink runner jar in a local MiniCluster.
#
# Version: tools/flink/VERSION (override with FLINK_VERSION=x.y.z). Idempotent: does nothing when .flink/lib
# already holds that version (resolved with the current pom.xml).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="${FLINK_VERSION:-$(tr -d '[:space:]' < "$HERE/VERSION")}"
FLINK_HOME_DIR="$ROOT/.flink"
LIB="$FLINK_HOME_DIR/lib"
CONF="$FLINK_HOME_DIR/conf"
MARKER="$LIB/.installed"

die() { echo "flink install: $*" >&2; exit 1; }

[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "bad Flink version '$VERSION' (tools/flink/VERSION or FLINK_VERSION)"

mkdir -p "$CONF"
cmp -s "$HERE/log4j2.properties" "$CONF/log4j2.properties" || cp "$HERE/log4j2.properties" "$CONF/log4j2.properties"

pom_sum="$(sha256sum "$HERE/pom.xml" | cut -c1-16)"
want="flink=$VERSION pom=$pom_sum"
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$want" ]] && [[ -f "$LIB/flink-runtime-$VERSION.jar" ]]; then
  [[ "${1:-}" == "--quiet" ]] || echo "Flink $VERSION already installed in $LIB"
  exit 0
fi

command -v java > /dev/null 2>&1 || die "'java' not found. Install a JDK/JRE 17 (e.g. 'apt-get install openjdk-17-jre-headless')."
command -v mvn > /dev/null 2>&1 || die "'mvn' not found. Install Maven 3.8+ (e.g. 'apt-get install maven'); it downloads the
Flink jars from Maven Central."

tmp="$(mktemp -d "$FLINK_HOME_DIR/lib.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "Installing Apache Flink $VERSION (without flink-dist) and GraalJS from Maven Central into $LIB ..."
started=$SECONDS
# (Maven 3.8 prints stray ANSI resets even with -q/-B; strip them. pipefail keeps mvn's exit status.)
if ! mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" -Dflink.version="$VERSION" -Dflink.lib.dir="$tmp" \
     dependency:copy-dependencies 2>&1 | sed -e $'s/\x1b\\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' >&2 || true; }; then
  die "Maven could not resolve Flink $VERSION, GraalJS and their dependencies (is Maven Central reachable?)"
fi
for jar in flink-runtime-$VERSION flink-clients-$VERSION flink-runtime-web-$VERSION flink-streaming-java-$VERSION \
           polyglot-23.1.8 js-language-23.1.8 truffle-runtime-23.1.8 log4j-slf4j-impl-; do
  compgen -G "$tmp/$jar*.jar" > /dev/null || die "Maven finished but $jar*.jar is missing from $tmp"
done

echo "$want" > "$tmp/.installed"
rm -rf "$LIB"
mv "$tmp" "$LIB"
trap - EXIT
echo "Installed Flink $VERSION ($(ls "$LIB"/*.jar | wc -l) jars, $(du -sh "$LIB" | cut -f1)) in $((SECONDS - started)) s"
