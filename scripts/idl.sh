#!/usr/bin/env bash
# Writes idl/edgerun.json, the program's Anchor IDL, generated from the program itself.
#
#   bash scripts/idl.sh           regenerate idl/edgerun.json
#   bash scripts/idl.sh --check   fail if the committed idl/edgerun.json is not what the program
#                                 generates now (scripts/test.sh runs this in CI)
#
# Under the program crate's `idl-build` feature, anchor-lang's macros emit `#[test]` functions
# (`__anchor_private_print_idl_*`) that print the IDL in `--- IDL begin <kind> ---` blocks; this is
# the command the Anchor CLI runs too. tools/idl (crate edgerun-idl) assembles the blocks as the
# CLI's builder (anchor-lang-idl 0.2.0) does and writes pretty JSON, sorted, with a trailing newline.
# Host build of the program crate only, with the same RUSTFLAGS and target directory as the rest of
# the test run (the CLI's builder forces RUSTFLAGS="-A warnings", which rebuilds every dependency).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=write
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: bash scripts/idl.sh [--check]" >&2; exit 2 ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! cargo test --locked -p edgerun --lib --features idl-build __anchor_private_print_idl \
     -- --show-output --quiet >"$tmp/blocks.txt"; then
  cat "$tmp/blocks.txt" >&2
  echo "scripts/idl.sh: the program's IDL print tests did not build or pass" >&2
  exit 1
fi
cargo run --locked --quiet -p edgerun-idl <"$tmp/blocks.txt" >"$tmp/edgerun.json"

if [ "$mode" = check ]; then
  if [ ! -f idl/edgerun.json ] || ! cmp -s "$tmp/edgerun.json" idl/edgerun.json; then
    diff -u idl/edgerun.json "$tmp/edgerun.json" | head -60 >&2 || true
    echo >&2
    echo "scripts/idl.sh: idl/edgerun.json is not the IDL the program generates now." >&2
    echo "Regenerate it, review and commit it:  bash scripts/idl.sh && git diff idl/edgerun.json" >&2
    exit 1
  fi
  echo "idl/edgerun.json matches the program" >&2
else
  mkdir -p idl
  mv "$tmp/edgerun.json" idl/edgerun.json
  echo "wrote idl/edgerun.json" >&2
fi
