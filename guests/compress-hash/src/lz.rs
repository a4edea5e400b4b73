//! A small deterministic LZ77 compressor (byte oriented, 64 KiB window, greedy matching).
//!
//! Token stream:
//! - `0x00..=0x7F`: literal run, `tag + 1` bytes follow (1..=128);
//! - `0x80..=0xFF`: match of `(tag & 0x7F) + 4` bytes (4..=131) at distance `u16 LE` (1..=65535)
//!   that follows the tag.
//!
//! Candidates come from a 4096-entry table indexed by a multiplicative hash of the next 4 bytes;
//! everything is integer arithmetic, so the output is identical on every machine.

use alloc::vec::Vec;

const MIN_MATCH: usize = 4;
const MAX_MATCH: usize = 131;
const MAX_LITERALS: usize = 128;
const WINDOW: usize = 65_535;
const HASH_BITS: u32 = 12;

fn hash4(bytes: &[u8]) -> usize {
    let word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    (word.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

fn flush_literals(out: &mut Vec<u8>, literals: &[u8]) {
    for chunk in literals.chunks(MAX_LITERALS) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
}

/// Compresses `input` into the token stream described above.
pub fn compress(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 16);
    // Positions are stored +1 so that 0 means "empty".
    let mut table = alloc::vec![0u32; 1 << HASH_BITS];
    let mut literal_start = 0;
    let mut at = 0;
    while at + MIN_MATCH <= input.len() {
        let slot = hash4(&input[at..]);
        let candidate = table[slot] as usize;
        table[slot] = (at + 1) as u32;
        if candidate > 0 {
            let from = candidate - 1;
            let distance = at - from;
            if distance <= WINDOW && input[from..from + MIN_MATCH] == input[at..at + MIN_MATCH] {
                let limit = (input.len() - at).min(MAX_MATCH);
                let mut length = MIN_MATCH;
                while length < limit && input[from + length] == input[at + length] {
                    length += 1;
                }
                flush_literals(&mut out, &input[literal_start..at]);
                out.push(0x80 | (length - MIN_MATCH) as u8);
                out.extend_from_slice(&(distance as u16).to_le_bytes());
                at += length;
                literal_start = at;
                continue;
            }
        }
        at += 1;
    }
    flush_literals(&mut out, &input[literal_start..]);
    out
}
