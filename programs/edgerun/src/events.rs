//! Events emitted on every state change (Anchor `emit!`: `Program data:` logs).

use anchor_lang::prelude::*;

use crate::constants::MAX_COMMITTEE_SIZE;
use crate::instructions::ConfigParams;

/// Emitted by `initialize_config`, `update_config`, `propose_admin` and `accept_admin`: every
/// value the config holds after the change, so an observer never has to read the account.
#[event]
pub struct ConfigUpdated {
    pub admin: Address,
    /// All zero when no handover is pending.
    pub pending_admin: Address,
    pub params: ConfigParams,
}

#[event]
pub struct WorkerRegistered {
    pub worker: Address,
}

#[event]
pub struct StakeDeposited {
    pub worker: Address,
    pub amount: u64,
    pub total_stake: u64,
}

#[event]
pub struct StakeWithdrawn {
    pub worker: Address,
    pub amount: u64,
    pub total_stake: u64,
}

#[event]
pub struct JobPosted {
    pub job_id: [u8; 32],
    pub client: Address,
    pub escrow_lamports: u64,
    pub committee_size: u8,
    pub quorum: u8,
}

#[event]
pub struct JobSeeded {
    pub job_id: [u8; 32],
    pub seed: [u8; 32],
}

#[event]
pub struct WorkersAssigned {
    pub job_id: [u8; 32],
    pub workers: [Address; MAX_COMMITTEE_SIZE],
    pub assigned_count: u8,
    pub deadline_slot: u64,
}

#[event]
pub struct ResultSubmitted {
    pub job_id: [u8; 32],
    pub worker: Address,
    pub output_hash: [u8; 32],
}

#[event]
pub struct JobQuorumReached {
    pub job_id: [u8; 32],
    pub winning_output_hash: [u8; 32],
}

#[event]
pub struct OutputDeclared {
    pub job_id: [u8; 32],
    pub output_hash: [u8; 32],
    pub publisher: Address,
}

#[event]
pub struct JobFinalized {
    pub job_id: [u8; 32],
    pub winning_output_hash: [u8; 32],
}

#[event]
pub struct WorkerPaid {
    pub job_id: [u8; 32],
    pub worker: Address,
    pub amount: u64,
}

#[event]
pub struct WorkerSlashed {
    pub job_id: [u8; 32],
    pub worker: Address,
    pub amount: u64,
}

#[event]
pub struct WorkerPenalized {
    pub job_id: [u8; 32],
    pub worker: Address,
    pub amount: u64,
}

#[event]
pub struct WorkerReassigned {
    pub job_id: [u8; 32],
    pub missing_worker: Address,
    pub replacement_worker: Address,
    pub deadline_slot: u64,
}

#[event]
pub struct JobCancelled {
    pub job_id: [u8; 32],
    pub refund_lamports: u64,
}

#[event]
pub struct DaExpired {
    pub job_id: [u8; 32],
    pub deadline_slot: u64,
}

/// Emitted by `settle_input_unavailable`, before its `JobCancelled` (the refund): the
/// committee's quorum attested that the job's input could not be obtained, and no member that
/// answered loses anything.
#[event]
pub struct JobInputUnavailable {
    pub job_id: [u8; 32],
}

#[event]
pub struct WorkerCapacitySet {
    pub worker: Address,
    pub max_concurrent_jobs: u16,
    pub instructions_per_second: u64,
}

#[event]
pub struct JobClosed {
    pub job_id: [u8; 32],
}

#[event]
pub struct TreasuryWithdrawn {
    pub recipient: Address,
    pub amount: u64,
}
