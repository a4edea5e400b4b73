//! A worker's figures and standing: what its stake account says, and whether a committee seat
//! may be given to it and why not. One meaning of "jailed" and "eligible" for every reader — the
//! scheduler that assigns, its `GET /v1/workers`, and `edgerun worker status` — derived from the
//! chain alone, so a restarted scheduler judges exactly as before and anyone can check it.
//!
//! A worker may sit on a committee when its stake account is active, it is not jailed, and its
//! unlocked stake covers the job's lock. Jailing answers a host that keeps taking work and
//! returning nothing (BOINC's complaint): a worker with `max_recent_failures` failures of its
//! own among the jobs still on chain is skipped until `cooldown_slots` after its latest one. The
//! stake account's own status byte (the program's `WorkerStatus::Jailed`, which no instruction
//! sets today) is called `inactive` here, so "jailed" has the one meaning above.
//!
//! Only failures that are the worker's own count: silent (penalized or replaced) while another
//! member of the same job answered, a winner that never declared the output (DA-failed), or (when
//! the caller supplies the finalized jobs' results) a wrong result. A job where no member answered
//! (the job's `submitted_mask` is empty) jails nobody: the cause was the job, not the workers (an
//! unserved bundle, a network outage), and jailing every honest worker for it would let a
//! customer stop the network for the price of a fee.

use std::collections::HashMap;

use edgerun::state::{Job, JobResult, JobStatus, WorkerStake, WORKER_STATUS_ACTIVE};
use serde::Serialize;
use solana_address::Address;

/// When a worker is jailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JailPolicy {
    /// Failures among the jobs on chain at which a worker is jailed; 0 never jails.
    pub max_recent_failures: u32,
    /// Slots after its latest failure a jailed worker stays out (9,000 ≈ 1 hour at 400 ms).
    pub cooldown_slots: u64,
}

impl Default for JailPolicy {
    fn default() -> Self {
        JailPolicy { max_recent_failures: 3, cooldown_slots: 9_000 }
    }
}

/// How a committee seat ended badly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Silent past its deadline and penalized.
    Silent,
    /// Replaced for silence (`reassign_missing`).
    Replaced,
    /// Won, but never declared the output before the DA deadline.
    NoOutput,
    /// Submitted a result the quorum disagreed with (slashed).
    WrongResult,
}

/// One failure of one worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    #[serde(serialize_with = "hex_bytes")]
    pub job_id: [u8; 32],
    pub kind: FailureKind,
    /// The slot it is counted at: when the job ended, or (still open) the member's deadline.
    pub slot: u64,
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(bytes))
}

/// Every worker's failures among `jobs`. `results` holds, for finalized jobs whose results the
/// caller read, each member's result (in committee order); without it wrong results are not
/// counted (the slash on chain still happened).
pub fn recent_failures(
    jobs: &[(Address, Job)],
    results: &HashMap<Address, Vec<(Address, Option<JobResult>)>>,
) -> HashMap<Address, Vec<Failure>> {
    let mut failures: HashMap<Address, Vec<Failure>> = HashMap::new();
    for (address, job) in jobs {
        let ended = job.ended_slot.get();
        let at = |index: usize| if ended > 0 { ended } else { job.member_deadline(index) };
        // Silence is the worker's own only when someone else on the job answered.
        let others_answered = |index: usize| job.submitted_mask.get() & !(1u16 << index) != 0;
        for (index, worker) in job.committee().iter().enumerate() {
            let kind = if job.is_da_failed(index) {
                Some(FailureKind::NoOutput)
            } else if job.is_penalized(index) && others_answered(index) {
                Some(FailureKind::Silent)
            } else {
                None
            };
            if let Some(kind) = kind {
                failures.entry(*worker).or_default().push(Failure { job_id: job.job_id, kind, slot: at(index) });
            }
        }
        let replaced_at = if ended > 0 { ended } else { job.deadline_slot.get() };
        // A replaced member was silent (or DA-failed, counted as such); it failed on its own
        // only if the job's current committee answered.
        for worker in job.replaced().iter().filter(|_| job.any_submitted()) {
            failures.entry(*worker).or_default().push(Failure {
                job_id: job.job_id,
                kind: FailureKind::Replaced,
                slot: replaced_at,
            });
        }
        if job.status() == Ok(JobStatus::Finalized) {
            for (worker, result) in results.get(address).map(Vec::as_slice).unwrap_or_default() {
                if result.as_ref().is_some_and(|result| result.output_hash != job.winning_output_hash) {
                    failures.entry(*worker).or_default().push(Failure {
                        job_id: job.job_id,
                        kind: FailureKind::WrongResult,
                        slot: ended,
                    });
                }
            }
        }
    }
    failures
}

/// The slot a worker with `failures` stays jailed until, if it is jailed at `slot` (at that
/// slot itself it is free again).
pub fn jailed_until(failures: &[Failure], policy: &JailPolicy, slot: u64) -> Option<u64> {
    if policy.max_recent_failures == 0 || failures.len() < policy.max_recent_failures as usize {
        return None;
    }
    let latest = failures.iter().map(|failure| failure.slot).max()?;
    let until = latest.saturating_add(policy.cooldown_slots);
    (slot < until).then_some(until)
}

/// Why a worker may not be given a committee seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Ineligible {
    /// Its stake account is not active (set by the program; no instruction jails today).
    Inactive,
    /// Its unlocked stake does not cover the lock.
    InsufficientStake { unlocked_lamports: u64, needed_lamports: u64 },
    /// Too many recent failures; out until `until_slot`.
    Jailed { failures: usize, until_slot: u64 },
    /// As many open jobs as the executions it declared it runs at once.
    AtCapacity { open_jobs: u32, max_concurrent_jobs: u16 },
    /// Its declared speed cannot finish its open work and this job's budget in the job's window.
    TooSlow { seconds_needed: u64, seconds_available: u64 },
}

impl Ineligible {
    /// For programs (the API's `reason_code`; the `reason` tag of the serialized form).
    pub fn code(&self) -> &'static str {
        match self {
            Ineligible::Inactive => "inactive",
            Ineligible::InsufficientStake { .. } => "insufficient_stake",
            Ineligible::Jailed { .. } => "jailed",
            Ineligible::AtCapacity { .. } => "at_capacity",
            Ineligible::TooSlow { .. } => "too_slow",
        }
    }

    /// In words, for the API, the CLI and logs.
    pub fn describe(&self) -> String {
        match self {
            Ineligible::Inactive => "its stake account is not active".to_string(),
            Ineligible::InsufficientStake { unlocked_lamports, needed_lamports } => {
                format!("{unlocked_lamports} lamports unlocked, the lock is {needed_lamports}")
            }
            Ineligible::Jailed { failures, until_slot } => {
                format!("jailed after {failures} recent failures, until slot {until_slot}")
            }
            Ineligible::AtCapacity { open_jobs, max_concurrent_jobs } => {
                format!("{open_jobs} open jobs, it runs {max_concurrent_jobs} at once")
            }
            Ineligible::TooSlow { seconds_needed, seconds_available } => {
                format!("its open work and this job need {seconds_needed} s at its declared speed, the window is {seconds_available} s")
            }
        }
    }

    /// The slot a jailed worker is free again.
    pub fn jailed_until_slot(&self) -> Option<u64> {
        match self {
            Ineligible::Jailed { until_slot, .. } => Some(*until_slot),
            _ => None,
        }
    }
}

/// Why `stake` may not take a seat locking `lock` at `slot`, judged on its status, jail and
/// stake (what a listing judges; the scheduler adds the worker's declared capacity when it
/// assigns). Jailing comes before stake: a jailed worker is reported as jailed whatever its stake.
pub fn stake_refusal(
    stake: &WorkerStake,
    lock: u64,
    failures: &[Failure],
    policy: &JailPolicy,
    slot: u64,
) -> Option<Ineligible> {
    if stake.status != WORKER_STATUS_ACTIVE {
        Some(Ineligible::Inactive)
    } else if let Some(until_slot) = jailed_until(failures, policy, slot) {
        Some(Ineligible::Jailed { failures: failures.len(), until_slot })
    } else if stake.unlocked_stake() < lock {
        Some(Ineligible::InsufficientStake { unlocked_lamports: stake.unlocked_stake(), needed_lamports: lock })
    } else {
        None
    }
}

/// What a worker's stake account says, as every reader reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkerFigures {
    pub worker: String,
    pub total_stake_lamports: u64,
    /// Held by open jobs.
    pub locked_stake_lamports: u64,
    /// What can be withdrawn or locked by a new job (0 if the account ever showed more locked
    /// than it holds).
    pub unlocked_stake_lamports: u64,
    pub rewards_earned_lamports: u64,
    pub slashed_lamports: u64,
    pub penalized_lamports: u64,
    pub jobs_assigned: u64,
    pub jobs_won: u64,
    pub jobs_slashed: u64,
    pub jobs_missed: u64,
    /// Executions it declared it runs at once (0: not declared).
    pub max_concurrent_jobs: u16,
    /// Wasm instructions per second of one execution, as declared (0: not declared).
    pub instructions_per_second: u64,
}

impl WorkerFigures {
    pub fn of(stake: &WorkerStake) -> WorkerFigures {
        WorkerFigures {
            worker: stake.worker.to_string(),
            total_stake_lamports: stake.total_stake.get(),
            locked_stake_lamports: stake.locked_stake.get(),
            unlocked_stake_lamports: stake.unlocked_stake(),
            rewards_earned_lamports: stake.rewards_earned.get(),
            slashed_lamports: stake.slashed_lamports.get(),
            penalized_lamports: stake.penalized_lamports.get(),
            jobs_assigned: stake.jobs_assigned.get(),
            jobs_won: stake.jobs_won.get(),
            jobs_slashed: stake.jobs_slashed.get(),
            jobs_missed: stake.jobs_missed.get(),
            max_concurrent_jobs: stake.max_concurrent_jobs.get(),
            instructions_per_second: stake.instructions_per_second.get(),
        }
    }
}

/// A worker's figures and whether a seat locking `lock_lamports` may be given to it at `slot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerStanding {
    pub figures: WorkerFigures,
    pub lock_lamports: u64,
    pub slot: u64,
    /// Why not; `None`: eligible.
    pub ineligible: Option<Ineligible>,
    /// Its own failures among the jobs on chain (what jailing counts).
    pub recent_failures: usize,
}

impl WorkerStanding {
    /// `stake` judged for `lock` at `slot`, with `failures` its own (from [`recent_failures`]).
    pub fn judge(stake: &WorkerStake, lock: u64, failures: &[Failure], policy: &JailPolicy, slot: u64) -> Self {
        WorkerStanding {
            figures: WorkerFigures::of(stake),
            lock_lamports: lock,
            slot,
            ineligible: stake_refusal(stake, lock, failures, policy, slot),
            recent_failures: failures.len(),
        }
    }

    pub fn eligible(&self) -> bool {
        self.ineligible.is_none()
    }

    /// `inactive` (the account's own status), `jailed` (recent failures), or `active`.
    pub fn status(&self) -> &'static str {
        match self.ineligible {
            Some(Ineligible::Inactive) => "inactive",
            Some(Ineligible::Jailed { .. }) => "jailed",
            _ => "active",
        }
    }
}

#[cfg(test)]
mod tests {
    use anchor_lang::bytemuck::Zeroable;

    use super::*;

    const POLICY: JailPolicy = JailPolicy { max_recent_failures: 2, cooldown_slots: 100 };

    fn stake(total: u64, locked: u64) -> WorkerStake {
        let mut stake = WorkerStake::zeroed();
        stake.worker = Address::new_from_array([1; 32]);
        stake.total_stake = total.into();
        stake.locked_stake = locked.into();
        stake
    }

    fn failure(slot: u64) -> Failure {
        Failure { job_id: [slot as u8; 32], kind: FailureKind::Silent, slot }
    }

    #[test]
    fn a_jailed_worker_is_free_again_at_exactly_its_until_slot() {
        let failures = [failure(40), failure(50)];
        let at = |slot| WorkerStanding::judge(&stake(1_000, 0), 10, &failures, &POLICY, slot);
        let before = at(149);
        assert_eq!(before.ineligible, Some(Ineligible::Jailed { failures: 2, until_slot: 150 }));
        assert_eq!((before.status(), before.eligible()), ("jailed", false));
        assert_eq!(before.ineligible.as_ref().and_then(Ineligible::jailed_until_slot), Some(150));
        let now = at(150);
        assert_eq!((now.status(), now.eligible(), now.recent_failures), ("active", true, 2));
        // One failure fewer than the policy's count never jails; a policy of 0 never jails.
        assert!(WorkerStanding::judge(&stake(1_000, 0), 10, &failures[..1], &POLICY, 60).eligible());
        let never = JailPolicy { max_recent_failures: 0, ..POLICY };
        assert!(WorkerStanding::judge(&stake(1_000, 0), 10, &failures, &never, 60).eligible());
    }

    #[test]
    fn unlocked_stake_just_at_the_lock_is_enough() {
        assert!(WorkerStanding::judge(&stake(1_000, 990), 10, &[], &POLICY, 0).eligible());
        let short = WorkerStanding::judge(&stake(1_000, 991), 10, &[], &POLICY, 0);
        assert_eq!(short.ineligible, Some(Ineligible::InsufficientStake { unlocked_lamports: 9, needed_lamports: 10 }));
        assert_eq!(
            (short.status(), short.ineligible.as_ref().map(Ineligible::code)),
            ("active", Some("insufficient_stake"))
        );
    }

    #[test]
    fn more_locked_than_held_leaves_nothing_unlocked_and_no_seat() {
        let standing = WorkerStanding::judge(&stake(100, 250), 1, &[], &POLICY, 0);
        assert_eq!((standing.figures.locked_stake_lamports, standing.figures.unlocked_stake_lamports), (250, 0));
        assert_eq!(
            standing.ineligible,
            Some(Ineligible::InsufficientStake { unlocked_lamports: 0, needed_lamports: 1 })
        );
    }

    #[test]
    fn an_inactive_account_is_inactive_not_jailed_and_jail_comes_before_stake() {
        let mut inactive = stake(1_000, 0);
        inactive.status = 1;
        let standing = WorkerStanding::judge(&inactive, 10, &[failure(50), failure(60)], &POLICY, 70);
        assert_eq!((standing.status(), standing.ineligible), ("inactive", Some(Ineligible::Inactive)));
        let poor_and_jailed = WorkerStanding::judge(&stake(5, 0), 10, &[failure(50), failure(60)], &POLICY, 70);
        assert_eq!(poor_and_jailed.ineligible, Some(Ineligible::Jailed { failures: 2, until_slot: 160 }));
    }

    #[test]
    fn reason_codes_are_the_serialized_tags() {
        for reason in [
            Ineligible::Inactive,
            Ineligible::InsufficientStake { unlocked_lamports: 1, needed_lamports: 2 },
            Ineligible::Jailed { failures: 3, until_slot: 4 },
            Ineligible::AtCapacity { open_jobs: 1, max_concurrent_jobs: 1 },
            Ineligible::TooSlow { seconds_needed: 2, seconds_available: 1 },
        ] {
            assert_eq!(serde_json::to_value(&reason).unwrap()["reason"], reason.code());
        }
    }
}
