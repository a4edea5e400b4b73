//! Worker attestations: Ed25519 over the ResultDigest, carried by the Ed25519 precompile
//! instruction that must sit right before `submit_result`.

use ed25519_dalek::{Signer as _, SigningKey};
use solana_instruction::Instruction;

pub use edgerun::digest::result_digest;

/// Signs the ResultDigest of (`job_id`, `bundle_hash`, `output_hash`, `runtime_id`).
pub fn sign_result(
    key: &SigningKey,
    job_id: &[u8; 32],
    bundle_hash: &[u8; 32],
    output_hash: &[u8; 32],
    runtime_id: &[u8; 32],
) -> [u8; 64] {
    key.sign(&result_digest(job_id, bundle_hash, output_hash, runtime_id)).to_bytes()
}

/// The Ed25519 precompile instruction verifying `signature` of `digest` by `pubkey`, with every
/// offset inside the instruction itself (what `submit_result` requires).
pub fn attestation_instruction(pubkey: &[u8; 32], digest: &[u8; 32], signature: &[u8; 64]) -> Instruction {
    solana_ed25519_program::new_ed25519_instruction_with_signature(digest, signature, pubkey)
}
