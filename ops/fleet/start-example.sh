#!/usr/bin/env bash
# The fleet example on one machine: a central Prometheus (:9090) and, per location, a monitor
# (`monitor run`, exporter on 9464/9465) and a Prometheus agent (9101/9102) that scrapes it and
# remote-writes to the central one. Each monitor's journeys run against their own reference
# extranet; lyon-2's fails 30 % of home pages in every browser (EXTRANET_FAULTS), so it plays a
# site behind a bad network. Everything stops on Ctrl-C; data and logs go to .run/fleet/.
#
#   bash ops/fleet/start-example.sh
#   then open http://127.0.0.1:9090 and query location_browser:extranet_journey_success:ratio_rate1h
#
# On real sites each location runs only its own part (ops/fleet/sites/<location>/), see ops/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
RUN=.run/fleet
command -v prometheus >/dev/null || { echo "prometheus is not installed (apt-get install prometheus)" >&2; exit 2; }
mkdir -p "$RUN"
pids=()
stopping=
stop() { stopping=1; trap - EXIT INT TERM; [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop EXIT INT TERM
start() {  # name, command...: in the background, its output in .run/fleet/<name>.log
  local name=$1; shift
  "$@" >"$RUN/$name.log" 2>&1 &
  pids+=($!)
  echo "started $name (pid $!), log $RUN/$name.log"
}
for site in paris-1 lyon-2; do  # refuse a broken site config before starting anything
  "$PY" -m monitor --config "ops/fleet/sites/$site/monitor.toml" check-config >/dev/null
  promtool check config --agent "ops/fleet/sites/$site/agent.yml" >/dev/null
done
start central prometheus --config.file=ops/fleet/central/prometheus.yml --web.enable-remote-write-receiver \
  --storage.tsdb.path="$RUN/central" --web.listen-address=127.0.0.1:9090
port=9101
for site in paris-1 lyon-2; do
  faults='{}'
  [ "$site" = lyon-2 ] && faults='{"engine_failure_rates": {"chromium": 0.3, "firefox": 0.3, "webkit": 0.3}, "failure_endpoint": "home"}'
  start "monitor-$site" env EXTRANET_FAULTS="$faults" "$PY" -m monitor --config "ops/fleet/sites/$site/monitor.toml" run
  start "agent-$site" prometheus --enable-feature=agent --config.file="ops/fleet/sites/$site/agent.yml" \
    --storage.agent.path="$RUN/$site/agent" --web.listen-address=127.0.0.1:$port
  port=$((port + 1))
done
echo "central Prometheus: http://127.0.0.1:9090 — Ctrl-C stops the fleet"
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || echo "a process of the fleet exited; stopping the others (see the logs in $RUN)" >&2
