use anchor_lang::prelude::*;

use crate::constants::OUTPUT_POINTER_LEN;

/// On-chain data-availability commitment, PDA `["output", job_id]` (spec 4.5, fields exactly).
/// The pointer is advisory; `output_hash` is authoritative.
#[account]
pub struct OutputAvailability {
    pub job_id: [u8; 32],
    pub output_hash: [u8; 32],
    pub publisher: Address,
    /// UTF-8 pointer (e.g. the storage URL of the output), zero padded.
    pub pointer: [u8; OUTPUT_POINTER_LEN],
    pub published_slot: PodU64,
    pub bump: u8,
}

impl OutputAvailability {
    /// The pointer without its zero padding.
    pub fn pointer_bytes(&self) -> &[u8] {
        let end = self.pointer.iter().position(|&b| b == 0).unwrap_or(OUTPUT_POINTER_LEN);
        &self.pointer[..end]
    }
}
