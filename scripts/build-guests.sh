#!/usr/bin/env bash
# Builds the Rust wasm guests in guests/ (demo workloads and the Rust hostile corpus) into
# target/guests/*.wasm, with the project's private toolchain (scripts/sbf-toolchain.sh: Debian's
# rustc 1.96 + wasm-ld 19 from $TC/bin; nothing is installed system-wide).
#
# Flags: no post-MVP features LLVM would otherwise emit (the runtime accepts MVP + mutable
# globals, sign-extension and multi-value, and rejects floats, SIMD and bulk memory), a declared
# memory maximum (required by the runtime) and a 1 MiB shadow stack.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$("$ROOT/scripts/sbf-toolchain.sh")"
OUT="$ROOT/target/guests"
MAX_MEMORY_BYTES="${EDGERUN_GUEST_MAX_MEMORY:-67108864}"   # 64 MiB declared maximum
mkdir -p "$OUT"

export PATH="$TC/root/usr/bin:$PATH"
export LD_LIBRARY_PATH="$TC/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RUSTC="$TC/root/usr/bin/rustc"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$ROOT/target/guests-build"
export RUSTFLAGS="-C linker=$TC/bin/wasm-ld \
  -C target-feature=-simd128,-bulk-memory,-bulk-memory-opt,-nontrapping-fptoint,-sign-ext,-reference-types,-call-indirect-overlong,-multivalue \
  -C link-arg=--max-memory=$MAX_MEMORY_BYTES -C link-arg=-zstack-size=1048576"
unset CARGO_BUILD_TARGET

cd "$ROOT/guests"
"$TC/root/usr/bin/cargo" build --release --target wasm32-unknown-unknown \
  -Zbuild-std=core,alloc -Zbuild-std-features= "$@"

for crate in json-redact compress-hash sha256 hostile; do
  file="${crate//-/_}.wasm"
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$file" "$OUT/$file"
  echo "$OUT/$file ($(wc -c < "$OUT/$file") bytes)"
done
