//! Benchmark guest: output = SHA-256(input).
#![no_std]

extern crate alloc;

mod sha256;

fn main(input: alloc::vec::Vec<u8>) -> alloc::vec::Vec<u8> {
    sha256::sha256(&input).to_vec()
}

guest_rt::entry!(main);
