use anchor_lang::prelude::*;

/// Whether a worker may be assigned (the byte values are part of the protocol). Stored in the
/// WorkerStake account's `status` field as one byte, the variant's position in this list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, IdlType)]
#[repr(u8)]
pub enum WorkerStatus {
    /// May be assigned to committees.
    Active = 0,
    /// Never assigned (reserved for operator action; no instruction jails today).
    Jailed = 1,
}

/// A worker that may be assigned to committees.
pub const WORKER_STATUS_ACTIVE: u8 = WorkerStatus::Active as u8;
/// A worker that is never assigned (reserved for operator action; no instruction jails today).
pub const WORKER_STATUS_JAILED: u8 = WorkerStatus::Jailed as u8;

/// A worker's stake, PDA `["worker_stake", worker]`. Invariant kept by every instruction:
/// `lamports == rent_exempt_minimum + total_stake` and `locked_stake <= total_stake`.
#[account]
pub struct WorkerStake {
    pub worker: Address,
    /// Stake owned by the worker, rewards included.
    pub total_stake: PodU64,
    /// Part of `total_stake` held by open jobs (`required_lock` per assignment).
    pub locked_stake: PodU64,
    /// Lifetime rewards credited by `finalize_job`.
    pub rewards_earned: PodU64,
    /// Lifetime lamports slashed for wrong results.
    pub slashed_lamports: PodU64,
    /// Lifetime lamports taken as non-response penalties.
    pub penalized_lamports: PodU64,
    pub jobs_assigned: PodU64,
    pub jobs_won: PodU64,
    pub jobs_slashed: PodU64,
    pub jobs_missed: PodU64,
    /// Executions the operator's machine runs at once, declared with `set_worker_capacity`
    /// (0: not declared). The scheduler never gives the worker more open jobs than this.
    pub max_concurrent_jobs: PodU16,
    /// Wasm instructions per second one execution runs on the operator's machine (0: not
    /// declared). With `max_concurrent_jobs` it bounds the instruction budget the scheduler may
    /// leave open on the worker so that every job can finish before its member deadline.
    pub instructions_per_second: PodU64,
    /// The worker's status as one byte: the position of a WorkerStatus variant (0 Active,
    /// 1 Jailed). Only an Active worker is assigned.
    pub status: u8,
    pub bump: u8,
}

impl WorkerStake {
    /// Stake not held by any job: what can be withdrawn, locked or penalized.
    pub fn unlocked_stake(&self) -> u64 {
        self.total_stake.get().saturating_sub(self.locked_stake.get())
    }
}
