//! Byte-exact digests of the protocol (PROTOCOL.md "Frozen primitives" and "Identities"). The
//! program recomputes them on chain; the SDK and the worker call the very same functions.

use crate::constants::JOB_ID_DOMAIN;

/// `job_id = blake3("edgerun-job-v1" || client || bundle_hash || nonce u64 LE)`.
pub fn job_id(client: &[u8; 32], bundle_hash: &[u8; 32], nonce: u64) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(JOB_ID_DOMAIN);
    hasher.update(client);
    hasher.update(bundle_hash);
    hasher.update(&nonce.to_le_bytes());
    *hasher.finalize().as_bytes()
}

/// Exactly 128 bytes: `job_id || bundle_hash || output_hash || runtime_id`.
pub const RESULT_DIGEST_INPUT_LEN: usize = 128;

/// `ResultDigest = blake3(job_id || bundle_hash || output_hash || runtime_id)`; the message a worker
/// signs with Ed25519 to attest a result. `bytecode_hash` is deliberately not part of it.
pub fn result_digest(
    job_id: &[u8; 32],
    bundle_hash: &[u8; 32],
    output_hash: &[u8; 32],
    runtime_id: &[u8; 32],
) -> [u8; 32] {
    let mut input = [0u8; RESULT_DIGEST_INPUT_LEN];
    input[..32].copy_from_slice(job_id);
    input[32..64].copy_from_slice(bundle_hash);
    input[64..96].copy_from_slice(output_hash);
    input[96..].copy_from_slice(runtime_id);
    *blake3::hash(&input).as_bytes()
}

/// Domain separator of runtime allow-list leaves, so an inner node (or the root) is never accepted
/// as a runtime id with a shortened proof.
pub const RUNTIME_LEAF_DOMAIN: &[u8] = b"edgerun-runtime-leaf-v1";

/// Leaf of the runtime allow-list Merkle tree: `blake3("edgerun-runtime-leaf-v1" || runtime_id)`.
pub fn runtime_merkle_leaf(runtime_id: &[u8; 32]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(RUNTIME_LEAF_DOMAIN);
    hasher.update(runtime_id);
    *hasher.finalize().as_bytes()
}

/// Parent of two nodes of the runtime allow-list Merkle tree: `blake3(min(a, b) || max(a, b))`.
/// Sorted pairs make proofs position free: a proof is just the list of siblings.
pub fn runtime_merkle_parent(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut input = [0u8; 64];
    input[..32].copy_from_slice(lo);
    input[32..].copy_from_slice(hi);
    *blake3::hash(&input).as_bytes()
}

/// Root reached from the leaf of `runtime_id` through `proof` (the siblings, leaf level first).
pub fn runtime_merkle_root(runtime_id: &[u8; 32], proof: &[[u8; 32]]) -> [u8; 32] {
    proof.iter().fold(runtime_merkle_leaf(runtime_id), |node, sibling| runtime_merkle_parent(&node, sibling))
}
