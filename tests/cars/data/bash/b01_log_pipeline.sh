#!/usr/bin/env bash
set -euo pipefail
grep -h "ERROR" logs/*.log | awk '{print $5}' | sort | uniq -c | sort -rn | head -20
