#!/usr/bin/env bash
# Runs every Edgerun test from a clean clone on a fresh Debian machine: builds the SBF program and
# the wasm guests with the cached toolchain (scripts/sbf-toolchain.sh), checks formatting and that
# idl/edgerun.json is the program's IDL, installs Chromium for the dashboard's browser test when
# missing, then builds the workspace once, linted (clippy, warnings as errors), runs its tests
# (program tests load the real target/deploy/edgerun.so into LiteSVM) and the TypeScript
# client's (clients/js), and fuzzes the scheduler's API against its OpenAPI document
# (scripts/api-fuzz.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "toolchain";      bash scripts/sbf-toolchain.sh >/dev/null
step "program (.so)";  bash scripts/build-program.sh
step "wasm guests";    bash scripts/build-guests.sh
step "format";         cargo fmt --all -- --check
# The committed IDL must be what the program generates (host build of the program crate only).
step "IDL";            CARGO_INCREMENTAL=0 bash scripts/idl.sh --check
# The TypeScript client (clients/js): its packages as pinned by its lock file, and its program
# client must be what Codama generates from that IDL.
step "JS client";      npm ci --prefix clients/js --prefer-offline --ignore-scripts --no-audit --no-fund && npm --prefix clients/js run --silent check-generated
# The dashboard's browser test drives Debian's headless Chromium through chromedriver.
step "browser";        command -v chromedriver >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)
# ...and injects axe-core, the accessibility engine, into every page: pinned by its lock file.
step "axe-core";       npm ci --prefix scheduler/tests/axe --ignore-scripts --no-audit --no-fund
# No incremental state: a one-shot run gains nothing from it and it doubles target/ on disk.
# `cargo test --workspace` builds every package's binaries (each has integration tests) before
# it runs any test: the network tests start them as processes. A separate `cargo build --bins`
# would build the workspace a second time (without the dev-dependencies' features).
#
# The same build is the lint pass: the workspace's lints ([workspace.lints] in Cargo.toml) and
# clippy's, as errors. `cargo clippy` is a check build with clippy-driver as the workspace's
# compiler wrapper; here the driver wraps the test build instead (clippy's lints, then code
# generation), so linting costs no check build of every dependency (~10 minutes of a clean
# clone's 45). What `--all-targets` would lint, `cargo test` builds: libraries, binaries, tests
# and examples (the benchmarks are examples). CLIPPY_ARGS is how cargo-clippy hands `-- -D
# warnings` to the driver. By hand: `cargo clippy --workspace --all-targets -- -D warnings`.
clippy_driver="$(command -v clippy-driver)" || { echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; }
step "tests + lints";  RUSTC_WORKSPACE_WRAPPER="$clippy_driver" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" \
                         CARGO_INCREMENTAL=0 cargo test --workspace --locked
# The TypeScript client's tests, the last against a local network of the binaries built above.
step "JS client tests"; npm --prefix clients/js test
# The scheduler's OpenAPI document linted, and the running API fuzzed against it (pinned Python
# tools in target/api-fuzz), on a local network of the binaries built above.
step "API fuzz";       bash scripts/api-fuzz.sh
