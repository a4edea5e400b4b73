//! Writes the 32-byte SHA-256 digest of stdin to stdout: the edgerun-ABI `sha256` guest's
//! computation (the same `sha256.rs`) as an ordinary WASI command, for the benchmark.

use std::io::{Read, Write};

#[path = "../../sha256/src/sha256.rs"]
mod sha256;

fn main() {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("read stdin");
    std::io::stdout().write_all(&sha256::sha256(&input)).expect("write stdout");
}
