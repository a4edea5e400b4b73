use anchor_lang::prelude::*;

use crate::constants::{MAX_COMMITTEE_SIZE, MAX_REASSIGNMENTS};

/// Where a job is in its life (spec 4.2; the byte values are part of the protocol). Stored in
/// the Job account's `status` field as one byte, the variant's position in this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, IdlType)]
#[repr(u8)]
pub enum JobStatus {
    /// Escrow in; waiting for the committee-selection seed.
    Posted = 0,
    /// Seed set; waiting for the committee.
    Seeded = 1,
    /// Committee assigned; results are being submitted.
    Assigned = 2,
    /// Reserved by the spec; `reach_quorum` moves straight to `AwaitingDa`.
    QuorumReached = 3,
    /// A result won; waiting for a winner to declare the output available.
    AwaitingDa = 4,
    /// Paid out. An ending.
    Finalized = 5,
    /// Refunded. An ending.
    Cancelled = 6,
    /// Reserved by the spec; unused.
    Slashed = 7,
}

impl JobStatus {
    /// Every status, in byte order.
    pub const ALL: [JobStatus; 8] = [
        JobStatus::Posted,
        JobStatus::Seeded,
        JobStatus::Assigned,
        JobStatus::QuorumReached,
        JobStatus::AwaitingDa,
        JobStatus::Finalized,
        JobStatus::Cancelled,
        JobStatus::Slashed,
    ];

    /// The status stored as `byte`, if it is one.
    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.get(usize::from(byte)).copied()
    }
}

/// A customer's job and its escrow, PDA `["job", job_id]`. Its lamports are
/// `rent_exempt_minimum + escrow_lamports + rent_reserve_lamports` (plus whatever a stranger
/// sends it, which reaches the client at close): the escrow until it is paid
/// out or refunded, the reserve until it has funded the job's JobResult and OutputAvailability
/// accounts (whose rent, with the reserve's rest, goes back to the client at `close_job`).
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
    /// Escrow still held; zero once paid out or refunded.
    pub escrow_lamports: PodU64,
    /// The escrow as posted; never changes, so the outcome of an ended job stays readable.
    pub posted_escrow_lamports: PodU64,
    /// Lamports the client deposited (beyond the escrow) for the rent of the accounts the job's
    /// members and winner create (one JobResult per committee slot, one OutputAvailability), so a
    /// worker's only running cost is its transaction fees. A closed JobResult (a DA-failed member
    /// replaced) gives its rent back to the reserve.
    pub rent_reserve_lamports: PodU64,
    /// Stake locked per assigned worker: `max(escrow * 3 / 2 / committee_size, min_worker_stake)`.
    pub required_lock: PodU64,
    pub max_memory_bytes: PodU64,
    pub max_instructions: PodU64,
    pub nonce: PodU64,
    pub created_slot: PodU64,
    pub assigned_slot: PodU64,
    /// Last slot at which quorum may be reached: the latest of the members' own deadlines.
    pub deadline_slot: PodU64,
    pub quorum_reached_slot: PodU64,
    pub da_deadline_slot: PodU64,
    /// Slot of the ending (finalize or cancel); `close_job` counts the retention window from it.
    pub ended_slot: PodU64,
    /// Each member's own last slot to submit, by committee slot. A member is judged silent only
    /// once its own deadline has passed while it could still submit and it has no result.
    pub member_deadlines: [PodU64; MAX_COMMITTEE_SIZE],
    // The job's terms: copied from the config by `post_job` and read from here for the job's
    // whole life, so no later config change alters what a running job promised.
    /// Share of the escrow the treasury keeps at finalization (basis points).
    pub protocol_fee_bps: PodU16,
    /// What a silent member pays, taken from the stake the job locked (at most `required_lock`).
    pub non_response_penalty: PodU64,
    /// Slots a member has to submit after its assignment; `cancel_expired_job` waits this long
    /// again after the deadline, and a replacement gets half of it.
    pub challenge_window_slots: PodU64,
    /// Slots the winners have to declare the output after quorum.
    pub da_window_slots: PodU64,
    /// Slots the job stays on chain after its ending before `close_job` may reclaim its rent.
    pub retention_slots: PodU64,
    /// Bit i: the stake lock of `assigned_workers[i]` was released (or slashed).
    pub settled_mask: PodU16,
    /// Bit i: `assigned_workers[i]` already paid its one non-response penalty for this job.
    pub penalized_mask: PodU16,
    /// Bit i: `assigned_workers[i]` has a JobResult for this job (set by `submit_result`), so who
    /// answered is readable from the job alone, without reading every JobResult.
    pub submitted_mask: PodU16,
    /// Bit i: `assigned_workers[i]` was a winner that let the DA window pass without a declared
    /// output; its result no longer counts toward quorum and it is not paid.
    pub da_failed_mask: PodU16,
    /// Canonical bump of each assigned worker's JobResult PDA, so an empty account passed for a
    /// worker can be proven to be that PDA with one hash (no search).
    pub result_bumps: [u8; MAX_COMMITTEE_SIZE],
    pub committee_size: u8,
    pub quorum: u8,
    /// The job's status as one byte: the position of a JobStatus variant (0 Posted, 1 Seeded,
    /// 2 Assigned, 3 QuorumReached, 4 AwaitingDa, 5 Finalized, 6 Cancelled, 7 Slashed). Every
    /// instruction refuses a byte that is no variant with InvalidJobStatus.
    pub status: u8,
    pub seed_set: PodBool,
    pub assigned_count: u8,
    pub replaced_count: u8,
    pub bump: u8,
}

impl Job {
    /// Where the job is in its life; `InvalidJobStatus` for a byte no instruction writes.
    pub fn status(&self) -> core::result::Result<JobStatus, crate::errors::EdgerunError> {
        JobStatus::from_byte(self.status).ok_or(crate::errors::EdgerunError::InvalidJobStatus)
    }

    pub fn set_status(&mut self, status: JobStatus) {
        self.status = status as u8;
    }

    /// Fails with `InvalidJobStatus` unless the job is in one of `allowed`.
    pub fn require_status(&self, allowed: &[JobStatus]) -> Result<JobStatus> {
        let status = self.status()?;
        require!(allowed.contains(&status), crate::errors::EdgerunError::InvalidJobStatus);
        Ok(status)
    }

    /// The last slot at which committee slot `index` may submit.
    pub fn member_deadline(&self, index: usize) -> u64 {
        self.member_deadlines[index].get()
    }

    /// The slot that judges silence: while the job is Assigned, now; once a result has won,
    /// the slot of the quorum, after which nobody could submit any more.
    pub fn silence_cutoff(&self, now: u64) -> u64 {
        match self.status() {
            Ok(JobStatus::AwaitingDa) | Ok(JobStatus::Finalized) => self.quorum_reached_slot.get(),
            _ => now,
        }
    }

    /// Committee slot `index` has no result and its own deadline passed before `cutoff`
    /// ([`Job::silence_cutoff`]): it failed to respond. A member cut off by an early quorum, or
    /// whose deadline is still ahead, is not silent.
    pub fn is_silent(&self, index: usize, has_result: bool, cutoff: u64) -> bool {
        !has_result && cutoff > self.member_deadline(index)
    }

    /// The penalty a silent member pays: the job's penalty, bounded by the lock it took.
    pub fn penalty_amount(&self) -> u64 {
        self.non_response_penalty.get().min(self.required_lock.get())
    }

    /// Stake the job still holds from committee slot `index`: its lock, less the penalty already
    /// taken out of it.
    pub fn held_lock(&self, index: usize) -> u64 {
        let lock = self.required_lock.get();
        if self.is_penalized(index) {
            // Never underflows: the penalty is at most the lock.
            lock - self.penalty_amount()
        } else {
            lock
        }
    }

    /// The assigned committee, in assignment order. Never panics on any account data: a count
    /// above the array (no instruction writes one) yields the whole array.
    pub fn committee(&self) -> &[Address] {
        &self.assigned_workers[..usize::from(self.assigned_count).min(MAX_COMMITTEE_SIZE)]
    }

    /// The rent reserve still held for the job's members' and winner's accounts.
    pub fn rent_reserve(&self) -> u64 {
        self.rent_reserve_lamports.get()
    }

    /// Position of `worker` in the committee.
    pub fn committee_index(&self, worker: &Address) -> Option<usize> {
        self.committee().iter().position(|assigned| assigned == worker)
    }

    /// Workers removed from the committee by `reassign_missing`.
    pub fn replaced(&self) -> &[Address] {
        &self.replaced_workers[..usize::from(self.replaced_count).min(MAX_REASSIGNMENTS)]
    }

    pub fn is_settled(&self, index: usize) -> bool {
        self.settled_mask.get() & (1 << index) != 0
    }

    pub fn is_penalized(&self, index: usize) -> bool {
        self.penalized_mask.get() & (1 << index) != 0
    }

    /// Committee slot `index` has submitted a result (it holds a JobResult).
    pub fn has_submitted(&self, index: usize) -> bool {
        self.submitted_mask.get() & (1 << index) != 0
    }

    /// Some member of the current committee has submitted a result.
    pub fn any_submitted(&self) -> bool {
        self.submitted_mask.get() != 0
    }

    pub fn mark_submitted(&mut self, index: usize) {
        self.submitted_mask = (self.submitted_mask.get() | (1 << index)).into();
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
        self.submitted_mask = (self.submitted_mask.get() & keep).into();
    }
}

/// Stake locked per assigned worker (PROTOCOL.md "Money rules").
pub fn required_lock(escrow_lamports: u64, committee_size: u8, min_worker_stake: u64) -> Option<u64> {
    let per_worker =
        crate::math::checked_mul_u64(escrow_lamports, 3)?.checked_div(2)?.checked_div(u64::from(committee_size))?;
    Some(per_worker.max(min_worker_stake))
}
