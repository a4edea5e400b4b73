use anchor_lang::prelude::*;

/// One worker's attested result for a job, PDA `["job_result", job_id, worker]`. Its existence is
/// what "submitted" means; the worker pays its rent and gets it back at `close_job`.
#[account]
pub struct JobResult {
    pub job_id: [u8; 32],
    pub worker: Address,
    pub output_hash: [u8; 32],
    /// Ed25519 signature of the worker over the ResultDigest (checked by the precompile).
    pub attestation_sig: [u8; 64],
    pub submitted_slot: PodU64,
    pub bump: u8,
}
