#!/usr/bin/env bash
# The pipeline benchmark (not a test): jobs through the whole network of processes (validator,
# gateway, scheduler, three worker daemons, crank), each built in the release profile, at the
# default slot time (400 ms) and at a short one (100 ms), each printed as a Markdown table (see
# migrations/examples/bench_pipeline.rs for what is measured: jobs finalized / refunded / stuck,
# throughput, latency per stage in ms and slots, RPC requests per job by service and method, the
# crank's transactions per job by instruction, CPU per job by process, transactions, fees and
# capital per job, and this machine's own ceiling).
# Results go in docs/performance.md.
#   bash scripts/bench-pipeline.sh                      # burst of 200 jobs
#   bash scripts/bench-pipeline.sh --jobs 10000         # burst
#   bash scripts/bench-pipeline.sh --rate 100 --duration 120   # sustained
# EDGERUN_BENCH_SLOTS="400" limits the slot times; EDGERUN_BENCH_PROFILE=dev uses the debug build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile="${EDGERUN_BENCH_PROFILE:-release}"
bash scripts/build-program.sh >/dev/null
bash scripts/build-guests.sh >/dev/null
if [ "$profile" = release ]; then
  cargo build --release --locked --bins
  cargo build --release --locked -p edgerun-migrations --example bench_pipeline
  dir=target/release
else
  cargo build --locked --bins
  cargo build --locked -p edgerun-migrations --example bench_pipeline
  dir=target/debug
fi
args=("$@")
[ "${#args[@]}" -eq 0 ] && args=(--jobs 200)
for slot_ms in ${EDGERUN_BENCH_SLOTS:-400 100}; do
  printf '\n### %s, %s ms slots, %s profile\n\n' "${args[*]}" "$slot_ms" "$profile"
  "$dir/examples/bench_pipeline" --slot-time-ms "$slot_ms" "${args[@]}"
done
