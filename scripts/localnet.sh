#!/usr/bin/env bash
# Starts a local Edgerun network: builds the program (cached toolchain), then runs an embedded
# surfpool validator on 127.0.0.1:8899 with the program deployed and its config initialized.
# Keys are kept under target/localnet/keys; stop with Ctrl-C. Extra flags go to edgerun-localnet
# (see `cargo run -p edgerun-migrations --bin edgerun-localnet -- --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build-program.sh
exec cargo run --locked -p edgerun-migrations --bin edgerun-localnet -- --program target/deploy/edgerun.so "$@"
