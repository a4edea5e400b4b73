#!/usr/bin/env bash
# Starts a local Edgerun network and runs a demo job end to end: builds the program and the wasm
# guests (cached toolchain), then runs an embedded surfpool validator on 127.0.0.1:8899 with the
# program deployed and its config initialized, a storage gateway on 127.0.0.1:8090 over
# target/localnet/storage, and one job's whole life with three staked workers that really fetch,
# execute and attest the JSON redaction guest. Keys are kept under target/localnet/keys; the
# network keeps running until Ctrl-C (add --exit-after-init to stop after the demo). Extra flags
# go to edgerun-localnet (`cargo run -p edgerun-migrations --bin edgerun-localnet -- --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build-program.sh
bash scripts/build-guests.sh
exec cargo run --locked -p edgerun-migrations --bin edgerun-localnet -- \
  --program target/deploy/edgerun.so --demo target/guests/json_redact.wasm "$@"
