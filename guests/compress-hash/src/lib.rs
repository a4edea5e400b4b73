//! Demo workload: deterministic compression + hashing pipeline.
//!
//! Output: `b"EDGZ" || original length u32 LE || blake3(input) || blake3(compressed) ||
//! compressed`, where `compressed` is the LZ77 token stream of `lz.rs`.
#![no_std]

extern crate alloc;

mod lz;

use alloc::vec::Vec;

fn main(input: Vec<u8>) -> Vec<u8> {
    let compressed = lz::compress(&input);
    let mut out = Vec::with_capacity(72 + compressed.len());
    out.extend_from_slice(b"EDGZ");
    out.extend_from_slice(&(input.len() as u32).to_le_bytes());
    out.extend_from_slice(blake3::hash(&input).as_bytes());
    out.extend_from_slice(blake3::hash(&compressed).as_bytes());
    out.extend_from_slice(&compressed);
    out
}

guest_rt::entry!(main);
