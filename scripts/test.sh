#!/usr/bin/env bash
# Runs every Edgerun test from a clean clone on a fresh Debian machine: builds the SBF program and
# the wasm guests with the cached toolchain (scripts/sbf-toolchain.sh), checks formatting, then runs
# the whole workspace's tests (program tests load the real target/deploy/edgerun.so into LiteSVM).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "toolchain";      bash scripts/sbf-toolchain.sh >/dev/null
step "program (.so)";  bash scripts/build-program.sh
step "wasm guests";    bash scripts/build-guests.sh
step "format";         cargo fmt --all -- --check
# No incremental state: a one-shot run gains nothing from it and it doubles target/ on disk.
step "tests";          CARGO_INCREMENTAL=0 cargo test --workspace --locked
