use anchor_lang::prelude::*;

use crate::constants::{MAX_COMMITTEE_SIZE, MAX_REASSIGNMENTS};

/// Job status numbers (spec 4.2; the values are part of the protocol).
pub mod job_status {
    pub const POSTED: u8 = 0;
    pub const SEEDED: u8 = 1;
    pub const ASSIGNED: u8 = 2;
    /// Reserved by the spec; `reach_quorum` moves straight to `AWAITING_DA`.
    pub const QUORUM_REACHED: u8 = 3;
    pub const AWAITING_DA: u8 = 4;
    pub const FINALIZED: u8 = 5;
    pub const CANCELLED: u8 = 6;
    /// Reserved by the spec; unused.
    pub const SLASHED: u8 = 7;
}

/// A customer's job and its escrow, PDA `["job", job_id]`. Its lamports are
/// `rent_exempt_minimum + escrow_lamports` until the escrow is paid out or refunded.
#[account]
pub struct Job {
    pub job_id: [u8; 32],
    pub client: Address,
    pub bundle_hash: [u8; 32],
    pub runtime_id: [u8; 32],
    /// Committee-selection seed, all zero until `set_job_seed`.
    pub seed: [u8; 32],
    /// Output hash that reached quorum, all zero until `reach_quorum` (and after `cancel_no_da`).
    pub winning_output_hash: [u8; 32],
    /// The committee in assignment order; only the first `assigned_count` entries are meaningful.
    pub assigned_workers: [Address; MAX_COMMITTEE_SIZE],
    /// Workers removed by `reassign_missing`, in order; only the first `replaced_count` count. A
    /// removed worker never rejoins the job, so it pays at most one penalty per job.
    pub replaced_workers: [Address; MAX_REASSIGNMENTS],
    pub escrow_lamports: PodU64,
    /// Stake locked per assigned worker: `max(escrow * 3 / 2 / committee_size, min_worker_stake)`.
    pub required_lock: PodU64,
    pub max_memory_bytes: PodU64,
    pub max_instructions: PodU64,
    pub nonce: PodU64,
    pub created_slot: PodU64,
    pub assigned_slot: PodU64,
    /// Last slot at which a result may be submitted or quorum reached.
    pub deadline_slot: PodU64,
    pub quorum_reached_slot: PodU64,
    pub da_deadline_slot: PodU64,
    /// Slot of the ending (finalize or cancel); `close_job` counts the retention window from it.
    pub ended_slot: PodU64,
    /// Slot of the last `reassign_missing` batch (several replacements in one slot extend once).
    pub reassigned_slot: PodU64,
    /// Bit i: the stake lock of `assigned_workers[i]` was released (or slashed).
    pub settled_mask: PodU16,
    /// Bit i: `assigned_workers[i]` already paid its one non-response penalty for this job.
    pub penalized_mask: PodU16,
    /// Bit i: `assigned_workers[i]` was a winner that let the DA window pass without a declared
    /// output; its result no longer counts toward quorum and it is not paid.
    pub da_failed_mask: PodU16,
    /// Canonical bump of each assigned worker's JobResult PDA, so an empty account passed for a
    /// worker can be proven to be that PDA with one hash (no search).
    pub result_bumps: [u8; MAX_COMMITTEE_SIZE],
    pub committee_size: u8,
    pub quorum: u8,
    pub status: u8,
    pub seed_set: PodBool,
    pub assigned_count: u8,
    pub replaced_count: u8,
    pub bump: u8,
}

impl Job {
    /// The assigned committee, in assignment order.
    pub fn committee(&self) -> &[Address] {
        &self.assigned_workers[..self.assigned_count as usize]
    }

    /// Position of `worker` in the committee.
    pub fn committee_index(&self, worker: &Address) -> Option<usize> {
        self.committee().iter().position(|assigned| assigned == worker)
    }

    /// Workers removed from the committee by `reassign_missing`.
    pub fn replaced(&self) -> &[Address] {
        &self.replaced_workers[..self.replaced_count as usize]
    }

    pub fn is_settled(&self, index: usize) -> bool {
        self.settled_mask.get() & (1 << index) != 0
    }

    pub fn is_penalized(&self, index: usize) -> bool {
        self.penalized_mask.get() & (1 << index) != 0
    }

    pub fn is_da_failed(&self, index: usize) -> bool {
        self.da_failed_mask.get() & (1 << index) != 0
    }

    pub fn mark_settled(&mut self, index: usize) {
        self.settled_mask = (self.settled_mask.get() | (1 << index)).into();
    }

    pub fn mark_penalized(&mut self, index: usize) {
        self.penalized_mask = (self.penalized_mask.get() | (1 << index)).into();
    }

    pub fn mark_da_failed(&mut self, index: usize) {
        self.da_failed_mask = (self.da_failed_mask.get() | (1 << index)).into();
    }

    /// A replacement takes over slot `index` with none of its predecessor's marks.
    pub fn clear_slot_marks(&mut self, index: usize) {
        let keep = !(1u16 << index);
        self.settled_mask = (self.settled_mask.get() & keep).into();
        self.penalized_mask = (self.penalized_mask.get() & keep).into();
        self.da_failed_mask = (self.da_failed_mask.get() & keep).into();
    }
}

/// Stake locked per assigned worker (PROTOCOL.md "Money rules").
pub fn required_lock(escrow_lamports: u64, committee_size: u8, min_worker_stake: u64) -> Option<u64> {
    let per_worker =
        crate::math::checked_mul_u64(escrow_lamports, 3)?.checked_div(2)?.checked_div(u64::from(committee_size))?;
    Some(per_worker.max(min_worker_stake))
}
