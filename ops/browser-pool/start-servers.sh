#!/usr/bin/env bash
# A browser pool on this machine: one Playwright `launch-server` per engine, each with Debian's
# browser (chromium.json, firefox.json: the SERVER chooses the binary). Prints the endpoints to
# give the suite or the monitor:
#   pytest journeys --connect chromium=ws://127.0.0.1:3000/<token> --connect firefox=ws://127.0.0.1:3001/<token>
# The path <token> is random per start and is the only access control: treat it as a password.
# Ctrl-C stops the servers. See ops/README.md § Remote browser pools.
set -euo pipefail
cd "$(dirname "$0")"
DRIVER=${DRIVER:-$(../../.venv/bin/python -c 'import pathlib, playwright; print(pathlib.Path(playwright.__file__).parent / "driver")')}
pids=()
trap '[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
for engine in chromium firefox; do
  out=$(mktemp)
  "$DRIVER/node" "$DRIVER/package/cli.js" launch-server --browser "$engine" --config "$engine.json" >"$out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^wss\?://' "$out" && break; kill -0 $! 2>/dev/null || break; sleep 0.1; done
  grep -q '^wss\?://' "$out" || { echo "launch-server for $engine did not start:" >&2; cat "$out" >&2; exit 1; }
  echo "$engine=$(grep -m1 '^wss\?://' "$out")"
done
wait
