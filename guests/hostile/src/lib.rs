//! Hostile Rust guest for the runtime's test corpus; the first input byte picks the attack:
//! 0 deep recursion, 1 infinite loop, 2 allocation bomb, 3 output twice, 4 panic.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;

/// Recursion the compiler cannot turn into a loop (the result is combined after the call).
#[inline(never)]
fn recurse(n: u64) -> u64 {
    if n == 0 {
        return 1;
    }
    black_box(recurse(black_box(n - 1))).rotate_left(3) ^ n
}

fn main(input: Vec<u8>) -> Vec<u8> {
    match input.first().copied().unwrap_or(0) {
        0 => recurse(black_box(u64::MAX)).to_le_bytes().to_vec(),
        1 => loop {
            black_box(());
        },
        2 => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(Vec::with_capacity(1 << 20));
                black_box(&hoard);
            }
        }
        3 => {
            guest_rt::output(b"first");
            b"second".to_vec()
        }
        _ => panic!("asked to panic"),
    }
}

guest_rt::entry!(main);
