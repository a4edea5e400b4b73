#!/usr/bin/env bash
# Fetches and caches the toolchain that builds Edgerun's SBF program and Rust wasm guests on a plain
# Debian (bookworm) machine that reaches only the package registries:
#   * Debian's rustc-web 1.96 (LLVM 22 with the BPF and WebAssembly back ends) and its std source,
#     unpacked into a private folder (nothing is installed system-wide, rustup is untouched);
#   * lld-19's wasm-ld (plus libLLVM 19) for wasm guests, unpacked into a folder of its own
#     (`wasm-ld-root`): sbpf-linker loads whichever libLLVM it finds first, and must find LLVM 22;
#   * sbpf-linker 0.2.6 from crates.io, built against LLVM 22.
# Prints the toolchain folder on stdout; `$TC/bin` holds sbpf-linker and wasm-ld. Idempotent: a complete cache is reused as is.
#
# Users with Solana's platform-tools do not need any of this: `cargo build-sbf` works on the same sources.
set -euo pipefail

SBF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/sbf" && pwd)"
TOOLCHAIN_VERSION="rustc-web-1.96+llvm22+sbpf-linker-0.2.6+lld-19+r2"
TC="${EDGERUN_SBF_TOOLCHAIN:-$HOME/.cache/edgerun/sbf-toolchain}"
STAMP="$TC/.complete"
log() { echo "[sbf-toolchain] $*" >&2; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$TOOLCHAIN_VERSION" ]; then
  echo "$TC"; exit 0
fi
rm -rf "$TC"; mkdir -p "$TC/debs" "$TC/root" "$TC/wasm-ld-debs" "$TC/wasm-ld-root"

# 1. Debian packages, unpacked privately. Debian's security archive keeps only the newest build, so
#    we take what is current and record it; patch-std.py fails loudly if the std source moved on.
DEBS=(rustc-web cargo-web rust-web-src libstd-rust-web-1.96 libstd-rust-web-dev libstd-rust-web-dev-bpf
      libllvm22 libgit2-1.5 libhttp-parser2.9 libmbedcrypto7 libmbedtls14 libmbedx509-1)
WASM_LD_DEBS=(lld-19 libllvm19)
log "downloading Debian packages: ${DEBS[*]}"
if ! (cd "$TC/debs" && apt-get download "${DEBS[@]}" >/dev/null 2>&1); then
  log "apt-get download failed; running apt-get update once and retrying"
  apt-get update -qq >/dev/null
  (cd "$TC/debs" && apt-get download "${DEBS[@]}" >/dev/null) || {
    log "ERROR: could not download ${DEBS[*]} (needs Debian bookworm + bookworm-security sources)"; exit 1; }
fi
(cd "$TC/wasm-ld-debs" && apt-get download "${WASM_LD_DEBS[@]}" >/dev/null) || {
  log "ERROR: could not download ${WASM_LD_DEBS[*]}"; exit 1; }
for deb in "$TC"/debs/*.deb; do dpkg -x "$deb" "$TC/root"; done
for deb in "$TC"/wasm-ld-debs/*.deb; do dpkg -x "$deb" "$TC/wasm-ld-root"; done
(cd "$TC" && ls -1 debs/*.deb wasm-ld-debs/*.deb) > "$TC/debian-packages.txt"
rm -rf "$TC/debs" "$TC/wasm-ld-debs"

RUSTC="$TC/root/usr/bin/rustc"
export LD_LIBRARY_PATH="$TC/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
"$RUSTC" --version >&2
STD_SRC="$(cd "$TC/root/usr/lib/rustlib/src/rust" && pwd -P)"
[ -d "$STD_SRC/library/std" ] || { log "ERROR: std source not found under $STD_SRC"; exit 1; }

# 2. Let std build for os = "solana" (five cfg edits). A std that no longer matches fails here.
python3 "$SBF_DIR/patch-std.py" "$STD_SRC" >&2 || {
  log "ERROR: patch-std.py no longer matches the std source of $("$RUSTC" --version); update scripts/sbf/patch-std.py"; exit 1; }

# 3. sbpf-linker 0.2.6 against LLVM 22: fetch the crate with cargo, switch its bpf-linker feature to
#    llvm-22, drop its rust-toolchain.toml, build it with the machine's stable cargo.
FETCH="$TC/fetch-sbpf-linker"
mkdir -p "$FETCH/src"; : > "$FETCH/src/lib.rs"
cat > "$FETCH/Cargo.toml" <<'TOML'
[package]
name = "fetch-sbpf-linker"
version = "0.0.0"
edition = "2021"
[dependencies]
sbpf-linker = "=0.2.6"
[workspace]
TOML
(cd "$FETCH" && env -u LD_LIBRARY_PATH cargo fetch -q)
REG_SRC="$(env -u LD_LIBRARY_PATH cargo metadata --manifest-path "$FETCH/Cargo.toml" --format-version 1 \
  | python3 -c 'import json,sys; m=json.load(sys.stdin); print(next(p["manifest_path"] for p in m["packages"] if p["name"]=="sbpf-linker"))')"
rm -rf "$TC/sbpf-linker-src"; cp -r "$(dirname "$REG_SRC")" "$TC/sbpf-linker-src"
chmod -R u+w "$TC/sbpf-linker-src"
sed -i 's#"bpf-linker/llvm-23"#"bpf-linker/llvm-22"#' "$TC/sbpf-linker-src/Cargo.toml"
grep -q '"bpf-linker/llvm-22"' "$TC/sbpf-linker-src/Cargo.toml" || { log "ERROR: sbpf-linker manifest changed"; exit 1; }
rm -f "$TC/sbpf-linker-src/rust-toolchain.toml"
log "building sbpf-linker (≈ 2-3 min cold)"
(cd "$TC/sbpf-linker-src" && env -u LD_LIBRARY_PATH CARGO_TARGET_DIR="$TC/sbpf-linker-target" \
  cargo build --release -q --bin sbpf-linker)
mkdir -p "$TC/bin"
cp "$TC/sbpf-linker-target/release/sbpf-linker" "$TC/bin/"
rm -rf "$TC/sbpf-linker-target" "$FETCH"

# wasm-ld for Rust wasm guests, with its own LLVM 19 kept out of sbpf-linker's sight.
cat > "$TC/bin/wasm-ld" <<SH
#!/bin/sh
LD_LIBRARY_PATH="$TC/wasm-ld-root/usr/lib/x86_64-linux-gnu" exec "$TC/wasm-ld-root/usr/lib/llvm-19/bin/wasm-ld" "\$@"
SH
chmod +x "$TC/bin/wasm-ld"

echo "$TOOLCHAIN_VERSION" > "$STAMP"
log "ready: $TC"
echo "$TC"
