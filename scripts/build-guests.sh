#!/usr/bin/env bash
# Builds the Rust wasm guests in guests/ (demo workloads and the Rust hostile corpus) into
# target/guests/*.wasm, with the project's private toolchain (scripts/sbf-toolchain.sh: Debian's
# rustc 1.96 + wasm-ld 19 from $TC/bin; nothing is installed system-wide).
#
# Flags: no post-MVP features LLVM would otherwise emit (the edgerun-ABI runtime accepts MVP + mutable
# globals, sign-extension and multi-value, and rejects floats, SIMD and bulk memory), a declared
# memory maximum (required by the runtime) and a 1 MiB shadow stack.
#
# The WASI guests (wasi-wordfreq, wasi-probe, wasi-sha256) are plain std programs for wasm32-wasip1,
# built the plain way: rustc's default target features (LLVM's generic CPU: bulk memory, the
# overlong call_indirect encoding, multi-value, non-trapping float-to-int, sign extension; the WASI
# runtime accepts and meters what these emit), no declared memory maximum (the job's cap holds at
# run time). The one departure from `cargo build --target wasm32-wasip1`: std is built from Debian's
# std source (-Zbuild-std), because the prebuilt wasm32-wasip1 std is not installable offline
# (rustup cannot download here, and Debian's libstd-rust-dev-wasm32 is for its rustc 1.63); it is
# linked against Debian's wasi-libc package (downloaded and unpacked into a private folder).
#
# The C guest (wasi-csv-groupsum) is compiled with Debian's clang 19 (clang-19, libclang-cpp19,
# libclang-common-19-dev, libclang-rt-19-dev-wasm32 for the wasm32 builtins, libllvm19, lld-19 for
# wasm-ld; unpacked into a private folder like wasi-libc) against the same wasi-libc, with clang's
# default target features.
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

WASI_CRATES=(wasi-wordfreq wasi-probe wasi-sha256)

cd "$ROOT/guests"
"$TC/root/usr/bin/cargo" build --release --target wasm32-unknown-unknown --workspace \
  "${WASI_CRATES[@]/#/--exclude=}" -Zbuild-std=core,alloc -Zbuild-std-features= "$@"

# wasi-libc (crt1-command.o, libc.a) from Debian, unpacked privately; reused while complete.
WASI_LIBC="${EDGERUN_WASI_LIBC:-$HOME/.cache/edgerun/wasi-libc}"
if [ ! -f "$WASI_LIBC/.complete" ]; then
  rm -rf "$WASI_LIBC"; mkdir -p "$WASI_LIBC/debs"
  (cd "$WASI_LIBC/debs" && apt-get download wasi-libc >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$WASI_LIBC/debs" && apt-get download wasi-libc >/dev/null) || { echo "cannot download wasi-libc" >&2; exit 1; }
  }
  dpkg -x "$WASI_LIBC"/debs/wasi-libc_*.deb "$WASI_LIBC/root"
  (cd "$WASI_LIBC" && ls -1 debs/*.deb > debian-packages.txt); rm -rf "$WASI_LIBC/debs"
  touch "$WASI_LIBC/.complete"
fi
WASI_SYSROOT_LIB="$WASI_LIBC/root/usr/lib/wasm32-wasi"
RUSTFLAGS="-C linker=$TC/bin/wasm-ld -C link-self-contained=no -L $WASI_SYSROOT_LIB \
  -C link-arg=$WASI_SYSROOT_LIB/crt1-command.o" \
  "$TC/root/usr/bin/cargo" build --release --target wasm32-wasip1 "${WASI_CRATES[@]/#/--package=}" \
  -Zbuild-std=std,panic_abort "$@"

# clang for wasm32-wasi from Debian, unpacked privately; reused while complete.
WASI_CLANG="${EDGERUN_WASI_CLANG:-$HOME/.cache/edgerun/wasi-clang-19}"
WASI_CLANG_DEBS=(clang-19 libclang-cpp19 libclang-common-19-dev libclang-rt-19-dev-wasm32 libllvm19 lld-19)
if [ ! -f "$WASI_CLANG/.complete" ]; then
  rm -rf "$WASI_CLANG"; mkdir -p "$WASI_CLANG/debs"
  (cd "$WASI_CLANG/debs" && apt-get download "${WASI_CLANG_DEBS[@]}" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null
    (cd "$WASI_CLANG/debs" && apt-get download "${WASI_CLANG_DEBS[@]}" >/dev/null) ||
      { echo "cannot download ${WASI_CLANG_DEBS[*]}" >&2; exit 1; }
  }
  for deb in "$WASI_CLANG"/debs/*.deb; do dpkg -x "$deb" "$WASI_CLANG/root"; done
  (cd "$WASI_CLANG" && ls -1 debs/*.deb > debian-packages.txt); rm -rf "$WASI_CLANG/debs"
  touch "$WASI_CLANG/.complete"
fi
LD_LIBRARY_PATH="$WASI_CLANG/root/usr/lib/x86_64-linux-gnu" "$WASI_CLANG/root/usr/lib/llvm-19/bin/clang" \
  --target=wasm32-wasi --sysroot="$WASI_LIBC/root/usr" -fuse-ld="$WASI_CLANG/root/usr/lib/llvm-19/bin/wasm-ld" \
  -std=c11 -O2 -Wall -Wextra -Werror -o "$OUT/wasi_csv_groupsum.wasm" "$ROOT/guests/wasi-csv-groupsum/groupsum.c"
echo "$OUT/wasi_csv_groupsum.wasm ($(wc -c < "$OUT/wasi_csv_groupsum.wasm") bytes)"

for crate in json-redact compress-hash sha256 hostile; do
  file="${crate//-/_}.wasm"
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$file" "$OUT/$file"
  echo "$OUT/$file ($(wc -c < "$OUT/$file") bytes)"
done
for crate in "${WASI_CRATES[@]}"; do
  file="${crate//-/_}.wasm"
  cp "$CARGO_TARGET_DIR/wasm32-wasip1/release/$file" "$OUT/$file"
  echo "$OUT/$file ($(wc -c < "$OUT/$file") bytes)"
done
