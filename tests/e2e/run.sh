#!/usr/bin/env bash
# make test-e2e: starts `make run`'s stack, drives the browser client (web/) in headless Chromium, stops the stack.
set -euo pipefail
cd "$(dirname "$0")/../.."
configuration=${CONFIGURATION:-Release}
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "Chromium is missing ($chromium). The browser tests drive Debian's package: sudo apt-get install -y chromium" >&2
  exit 2
fi

mkdir -p .local/e2e
dotnet "tools/LocalDev/bin/$configuration/net10.0/Samples.LocalDev.dll" run --configuration "$configuration" > .local/e2e/stack.log 2>&1 &
stack=$!
# SIGTERM: a background job of a non-interactive shell ignores SIGINT.
trap 'kill -TERM $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT

for _ in $(seq 1 240); do
  if curl -sf -o /dev/null http://localhost:3000/config.json; then break; fi
  if ! kill -0 $stack 2>/dev/null; then
    echo "The local stack exited during start-up:" >&2; tail -30 .local/e2e/stack.log >&2; exit 1
  fi
  sleep 0.5
done
curl -sf -o /dev/null http://localhost:3000/config.json || { echo "The local stack did not start in 120 s:" >&2; tail -30 .local/e2e/stack.log >&2; exit 1; }

CHROMIUM="$chromium" node tests/e2e/browser.e2e.mjs
