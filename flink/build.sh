#!/usr/bin/env bash
# Builds the Flink runner jar (flink/target/weir-flink-runner.jar): the engine bundle for GraalJS, then Maven.
# Idempotent and quick when nothing changed: the jar is rebuilt only when a source it is made from is newer.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JAR="$HERE/target/weir-flink-runner.jar"
if [[ -f "$JAR" && "${1:-}" != "--force" ]] && [[ -z "$(find "$HERE/src" "$HERE/js" "$HERE/pom.xml" "$ROOT/shared" -newer "$JAR" -type f -print -quit)" ]]; then
  exit 0
fi
command -v mvn > /dev/null 2>&1 || { echo "flink runner: 'mvn' not found (apt-get install maven)" >&2; exit 1; }
echo "Building the Flink runner (flink/target/weir-flink-runner.jar) ..." >&2
node "$HERE/build.mjs"
mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" package 2>&1 | sed -e $'s/\x1b\\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' >&2 || true; }
[[ -f "$JAR" ]] || { echo "flink runner: Maven did not produce $JAR" >&2; exit 1; }
