#!/usr/bin/env bash
# Builds the Edgerun on-chain program into target/deploy/edgerun.so (SBPF v0) on a plain Debian
# machine, with the toolchain fetched and cached by scripts/sbf-toolchain.sh.
#
# With Solana's platform-tools installed, `cargo build-sbf --manifest-path programs/edgerun/Cargo.toml`
# (or `anchor build`) builds the same sources; this script is for machines without them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TC="$(bash scripts/sbf-toolchain.sh)"
SBF_TARGET_DIR="$ROOT/target/sbf"
PATCH_DIR="$SBF_TARGET_DIR/patched"
mkdir -p "$SBF_TARGET_DIR" "$ROOT/target/deploy"

export PATH="$TC/root/usr/bin:$PATH"
export LD_LIBRARY_PATH="$TC/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# anchor-lang 2.0.0-rc.1's 6-argument `create_prefunded` (`#[cold]`) and `create_account_with_signers`
# are real calls; LLVM 22's BPF back end rejects calls with more than 5 arguments, so for this build
# only they are inlined, in a patched copy under target/ (the project never vendors anchor-lang).
ANCHOR_SRC="$(cargo metadata --format-version 1 --manifest-path "$ROOT/Cargo.toml" 2>/dev/null \
  | python3 -c 'import json,sys; m=json.load(sys.stdin); print(next(p["manifest_path"] for p in m["packages"] if p["name"]=="anchor-lang"))')"
ANCHOR_SRC="$(dirname "$ANCHOR_SRC")"
ANCHOR_PATCHED="$PATCH_DIR/anchor-lang"
if [ "$(cat "$ANCHOR_PATCHED/.patched" 2>/dev/null)" != "2" ]; then
  rm -rf "$ANCHOR_PATCHED"; mkdir -p "$PATCH_DIR"; cp -r "$ANCHOR_SRC" "$ANCHOR_PATCHED"; chmod -R u+w "$ANCHOR_PATCHED"
  python3 - "$ANCHOR_PATCHED/src/cpi.rs" <<'PY'
import sys
path = sys.argv[1]; src = open(path).read()
edits = [
    ("#[cold]\nfn create_prefunded(", "#[inline(always)]\nfn create_prefunded("),
    ("#[doc(hidden)]\npub fn create_account_with_signers(", "#[doc(hidden)]\n#[inline(always)]\npub fn create_account_with_signers("),
]
for old, new in edits:
    if src.count(old) != 1:
        sys.exit(f"build-program.sh: anchor-lang's cpi.rs no longer contains {old!r}; update the patch")
    src = src.replace(old, new)
open(path, "w").write(src)
PY
  echo 2 > "$ANCHOR_PATCHED/.patched"
fi

# The patch must not touch the workspace's Cargo.lock: this build keeps its own copy.
cp "$ROOT/Cargo.lock" "$SBF_TARGET_DIR/Cargo.lock"

RUSTC_BOOTSTRAP=1 RUSTC_BOOTSTRAP_SYNTHETIC_TARGET=1 \
RUSTFLAGS="-C linker=$ROOT/scripts/sbf/sbpf-ld -C target-cpu=v2 -C target-feature=+allows-misaligned-mem-access -C link-arg=--arch=v0 \
  -C link-arg=--disable-math-builtins -C link-arg=--llvm-args=--bpf-stack-size=4096 \
  -C link-arg=--llvm-args=--disable-movsx -C link-arg=--llvm-args=--disable-ldsx \
  -Zunstable-options -Cpanic=immediate-abort" \
SBPF_LINKER="$TC/bin/sbpf-linker" \
CARGO_TARGET_DIR="$SBF_TARGET_DIR" \
cargo build --release -p edgerun \
  --target "$ROOT/scripts/sbf/sbpf-solana.json" -Zjson-target-spec \
  -Zbuild-std=std,panic_abort -Zbuild-std-features= \
  -Zlockfile-path --config "resolver.lockfile-path=\"$SBF_TARGET_DIR/Cargo.lock\"" \
  --config "patch.crates-io.anchor-lang.path=\"$ANCHOR_PATCHED\"" "$@"

cp "$SBF_TARGET_DIR/sbpf-solana/release/libedgerun.so" "$ROOT/target/deploy/edgerun.so"
echo "wrote target/deploy/edgerun.so ($(stat -c %s "$ROOT/target/deploy/edgerun.so") bytes)" >&2
