#!/usr/bin/env bash
# Starts the whole Edgerun network on this machine, each part its own process under one launcher
# (edgerun-network): the embedded surfpool validator on 127.0.0.1:8899 with the program deployed
# and its config initialized, the storage gateway on 127.0.0.1:8090 over target/localnet/storage,
# edgerun-scheduler (API and dashboard on http://127.0.0.1:8080), three edgerun-worker daemons
# (registered and staked by the launcher) and an `edgerun crank run`. Then it submits the demo job
# the way a customer does (`edgerun job submit --wait`) and prints its output, and keeps running
# until Ctrl-C, which stops every process. Keys, logs and target/localnet/cli-config.yml (which
# `edgerun` reads when run from this folder) are under target/localnet.
# Flags go to edgerun-network: --workers N, --exit-after-demo, --no-demo, ports (see --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build-program.sh
bash scripts/build-guests.sh
cargo build --locked --bins
exec target/debug/edgerun-network "$@"
