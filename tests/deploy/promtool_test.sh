#!/usr/bin/env bash
# promtool_test.sh SOURCE_DIR: the Prometheus scrape config and alert rules
# are valid (promtool check), and each alert fires exactly when it should on
# synthetic series (promtool test rules alerts_test.yml).
set -euo pipefail
source_dir="$1"
command -v promtool >/dev/null ||
  { echo "FAIL: promtool is missing; run scripts/install-deps (Debian package prometheus)" >&2; exit 1; }
promtool check config "$source_dir/deploy/prometheus/prometheus.yml"
promtool check rules "$source_dir/deploy/prometheus/alerts.yml"
cd "$source_dir/tests/deploy"
promtool test rules alerts_test.yml
