//! Demo workload: canonical JSON with sorted keys and redacted secrets (see `redact.rs`).
#![no_std]

extern crate alloc;

mod redact;

fn main(input: alloc::vec::Vec<u8>) -> alloc::vec::Vec<u8> {
    redact::normalize_and_redact(&input)
}

guest_rt::entry!(main);
