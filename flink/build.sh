#!/usr/bin/env bash
# Builds the Flink runner jar: the engine bundle for GraalJS (build.mjs), then Maven. The jar a job or a simulation
# runs is flink/target/runner/weir-flink-runner.jar, replaced by a rename once a build is complete, so a JVM that
# has the previous one open keeps reading it. Builds are serialised by a lock; nothing is built when no source is
# newer than the jar (--force builds anyway). --quiet prints nothing unless it builds.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/target/runner"
JAR="$OUT/weir-flink-runner.jar"
mkdir -p "$OUT"
exec 9> "$HERE/target/.build.lock"
flock 9
if [[ -f "$JAR" && "${1:-}" != "--force" ]] && [[ -z "$(find "$HERE/src" "$HERE/js" "$HERE/pom.xml" "$HERE/build.mjs" "$ROOT/shared" -newer "$JAR" -type f -print -quit)" ]]; then
  exit 0
fi
command -v mvn > /dev/null 2>&1 || { echo "flink runner: 'mvn' not found (apt-get install maven)" >&2; exit 1; }
echo "Building the Flink runner ($JAR) ..." >&2
node "$HERE/build.mjs"
mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" package 2>&1 | sed -e $'s/\x1b\\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' >&2 || true; }
[[ -f "$HERE/target/weir-flink-runner.jar" ]] || { echo "flink runner: Maven did not produce flink/target/weir-flink-runner.jar" >&2; exit 1; }
cp "$HERE/target/weir-flink-runner.jar" "$OUT/.weir-flink-runner.jar.tmp"
mv -f "$OUT/.weir-flink-runner.jar.tmp" "$JAR"
