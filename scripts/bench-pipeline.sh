#!/usr/bin/env bash
# The pipeline benchmark (not a test): N jobs (default 200) through the whole network of processes
# (validator, gateway, scheduler, three worker daemons, crank), at the default slot time (400 ms)
# and at a short one (100 ms), each printed as a Markdown table (see
# migrations/examples/bench_pipeline.rs for what is measured). Results go in docs/performance.md.
#   bash scripts/bench-pipeline.sh [JOBS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs="${1:-200}"
bash scripts/build-program.sh >/dev/null
bash scripts/build-guests.sh >/dev/null
cargo build --locked --bins
cargo build --locked -p edgerun-migrations --example bench_pipeline
for slot_ms in 400 100; do
  printf '\n### %s jobs, %s ms slots\n\n' "$jobs" "$slot_ms"
  target/debug/examples/bench_pipeline --jobs "$jobs" --slot-time-ms "$slot_ms"
done
