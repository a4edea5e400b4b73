//! Which workers may be put on a committee, and why the others may not — derived from the chain
//! alone, so a restarted scheduler judges exactly as before.
//!
//! A worker is eligible for a job when its stake account is active, its unlocked stake covers the
//! job's lock, and it is not jailed. Jailing answers a host that keeps taking work and returning
//! nothing (BOINC's complaint): a worker with `max_recent_failures` failures of its own among the
//! jobs still on chain is skipped until `cooldown_slots` after its latest one.
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
        let committee = job.committee();
        // Silence is the worker's own only when someone else on the job answered.
        let others_answered = |index: usize| job.submitted_mask.get() & !(1u16 << index) != 0;
        for (index, worker) in committee.iter().enumerate() {
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

/// Why a worker may not be assigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Ineligible {
    /// Its stake account is not active (set by the program; no instruction jails today).
    Inactive,
    /// Its unlocked stake does not cover the lock.
    InsufficientStake { unlocked_lamports: u64, needed_lamports: u64 },
    /// Too many recent failures; out until `until_slot`.
    Jailed { failures: usize, until_slot: u64 },
}

impl Ineligible {
    /// In words, for the API and logs.
    pub fn describe(&self) -> String {
        match self {
            Ineligible::Inactive => "its stake account is not active".to_string(),
            Ineligible::InsufficientStake { unlocked_lamports, needed_lamports } => {
                format!("{unlocked_lamports} lamports unlocked, the lock is {needed_lamports}")
            }
            Ineligible::Jailed { failures, until_slot } => {
                format!("jailed after {failures} recent failures, until slot {until_slot}")
            }
        }
    }
}

/// One worker's standing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub worker: Address,
    pub eligible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ineligible: Option<Ineligible>,
    pub total_stake_lamports: u64,
    pub unlocked_stake_lamports: u64,
    pub recent_failures: Vec<Failure>,
}

/// Judges `stake` for a seat whose lock is `needed` at `slot`. Jailing comes first: a jailed
/// worker is reported as jailed whatever its stake.
pub fn assess(stake: &WorkerStake, needed: u64, failures: &[Failure], policy: &JailPolicy, slot: u64) -> Eligibility {
    let ineligible = if stake.status != WORKER_STATUS_ACTIVE {
        Some(Ineligible::Inactive)
    } else if let Some(until_slot) = jailed_until(failures, policy, slot) {
        Some(Ineligible::Jailed { failures: failures.len(), until_slot })
    } else if stake.unlocked_stake() < needed {
        Some(Ineligible::InsufficientStake { unlocked_lamports: stake.unlocked_stake(), needed_lamports: needed })
    } else {
        None
    };
    Eligibility {
        worker: stake.worker,
        eligible: ineligible.is_none(),
        ineligible,
        total_stake_lamports: stake.total_stake.get(),
        unlocked_stake_lamports: stake.unlocked_stake(),
        recent_failures: failures.to_vec(),
    }
}

/// The slot a worker with `failures` stays jailed until, if it is jailed at `slot`.
pub fn jailed_until(failures: &[Failure], policy: &JailPolicy, slot: u64) -> Option<u64> {
    if policy.max_recent_failures == 0 || failures.len() < policy.max_recent_failures as usize {
        return None;
    }
    let latest = failures.iter().map(|failure| failure.slot).max()?;
    let until = latest.saturating_add(policy.cooldown_slots);
    (slot < until).then_some(until)
}

/// Every registered worker judged for one lock, at one slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Survey {
    pub slot: u64,
    pub needed_lamports: u64,
    pub workers: Vec<Eligibility>,
}

impl Survey {
    pub fn new(
        workers: &[(Address, WorkerStake)],
        failures: &HashMap<Address, Vec<Failure>>,
        policy: &JailPolicy,
        needed: u64,
        slot: u64,
    ) -> Survey {
        let mut judged: Vec<Eligibility> = workers
            .iter()
            .map(|(_, stake)| {
                let failures = failures.get(&stake.worker).map(Vec::as_slice).unwrap_or_default();
                assess(stake, needed, failures, policy, slot)
            })
            .collect();
        judged.sort_by_key(|eligibility| eligibility.worker);
        Survey { slot, needed_lamports: needed, workers: judged }
    }

    /// The eligible workers' addresses.
    pub fn eligible(&self) -> Vec<Address> {
        self.workers.iter().filter(|worker| worker.eligible).map(|worker| worker.worker).collect()
    }

    /// Why `wanted` seats cannot be filled, in words (`None` when they can), e.g. "no eligible
    /// worker: 2 registered, 1 has too little unlocked stake, 1 jailed".
    pub fn shortfall(&self, wanted: usize) -> Option<String> {
        let eligible = self.workers.iter().filter(|worker| worker.eligible).count();
        if eligible >= wanted {
            return None;
        }
        let count = |matches: fn(&Ineligible) -> bool| {
            self.workers.iter().filter(|worker| worker.ineligible.as_ref().is_some_and(matches)).count()
        };
        let mut parts = vec![format!("{} registered", self.workers.len())];
        let stake = count(|reason| matches!(reason, Ineligible::InsufficientStake { .. }));
        if stake > 0 {
            parts.push(format!("{stake} with too little unlocked stake"));
        }
        let jailed = count(|reason| matches!(reason, Ineligible::Jailed { .. }));
        if jailed > 0 {
            parts.push(format!("{jailed} jailed"));
        }
        let inactive = count(|reason| matches!(reason, Ineligible::Inactive));
        if inactive > 0 {
            parts.push(format!("{inactive} inactive"));
        }
        let head = match eligible {
            0 => "no eligible worker".to_string(),
            n => format!("{n} eligible worker{} for {wanted} seats", if n == 1 { "" } else { "s" }),
        };
        Some(format!("{head}: {}", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use bytemuck::Zeroable;

    use super::*;

    const POLICY: JailPolicy = JailPolicy { max_recent_failures: 1, cooldown_slots: 100 };

    fn worker(byte: u8) -> Address {
        Address::new_from_array([byte; 32])
    }

    /// A cancelled job of three members ended at slot 50, with `penalized` and `submitted` as the
    /// members' marks.
    fn ended_job(id: u8, penalized: u16, submitted: u16) -> (Address, Job) {
        let mut job = Job::zeroed();
        job.job_id = [id; 32];
        job.assigned_count = 3;
        for index in 0..3 {
            job.assigned_workers[index] = worker(index as u8 + 1);
        }
        job.set_status(JobStatus::Cancelled);
        job.ended_slot = 50.into();
        job.penalized_mask = penalized.into();
        job.submitted_mask = submitted.into();
        (Address::new_from_array([id; 32]), job)
    }

    fn stake(worker: Address) -> WorkerStake {
        let mut stake = WorkerStake::zeroed();
        stake.worker = worker;
        stake.total_stake = 1_000.into();
        stake
    }

    #[test]
    fn a_job_nobody_answered_jails_nobody() {
        // All three silent and penalized on chain: the job's fault (an unserved bundle), not theirs.
        let failures = recent_failures(&[ended_job(1, 0b111, 0)], &HashMap::new());
        assert!(failures.is_empty(), "{failures:?}");
        for index in 1..=3 {
            assert!(assess(&stake(worker(index)), 10, &[], &POLICY, 60).eligible);
        }
    }

    #[test]
    fn silence_while_the_others_answered_is_the_workers_own() {
        let failures = recent_failures(&[ended_job(1, 0b100, 0b011)], &HashMap::new());
        assert_eq!(failures.len(), 1);
        let own = &failures[&worker(3)];
        assert_eq!(own, &[Failure { job_id: [1; 32], kind: FailureKind::Silent, slot: 50 }]);
        let judged = assess(&stake(worker(3)), 10, own, &POLICY, 60);
        assert_eq!(judged.ineligible, Some(Ineligible::Jailed { failures: 1, until_slot: 150 }));
        // The cooldown ends.
        assert!(assess(&stake(worker(3)), 10, own, &POLICY, 150).eligible);
    }

    #[test]
    fn a_replaced_member_failed_only_if_the_committee_answered() {
        let (address, mut job) = ended_job(2, 0, 0);
        job.replaced_workers[0] = worker(9);
        job.replaced_count = 1;
        assert!(recent_failures(&[(address, job)], &HashMap::new()).is_empty());
        job.submitted_mask = 0b001.into();
        let failures = recent_failures(&[(address, job)], &HashMap::new());
        assert_eq!(failures[&worker(9)][0].kind, FailureKind::Replaced);
    }

    #[test]
    fn a_winner_that_never_published_failed_whatever_the_others_did() {
        let (address, mut job) = ended_job(3, 0, 0);
        job.da_failed_mask = 0b010.into();
        let failures = recent_failures(&[(address, job)], &HashMap::new());
        assert_eq!(failures[&worker(2)][0].kind, FailureKind::NoOutput);
    }

    #[test]
    fn stake_and_status_are_judged_after_jailing() {
        let mut inactive = stake(worker(1));
        inactive.status = 1;
        assert_eq!(assess(&inactive, 10, &[], &POLICY, 0).ineligible, Some(Ineligible::Inactive));
        let mut locked = stake(worker(1));
        locked.locked_stake = 995.into();
        assert_eq!(
            assess(&locked, 10, &[], &POLICY, 0).ineligible,
            Some(Ineligible::InsufficientStake { unlocked_lamports: 5, needed_lamports: 10 })
        );
        let never = JailPolicy { max_recent_failures: 0, cooldown_slots: 100 };
        let failure = Failure { job_id: [1; 32], kind: FailureKind::Silent, slot: 50 };
        assert!(assess(&stake(worker(1)), 10, &[failure], &never, 60).eligible);
    }

    #[test]
    fn the_shortfall_says_why_in_words() {
        let mut poor = stake(worker(2));
        poor.locked_stake = 1_000.into();
        let workers = [(worker(1), stake(worker(1))), (worker(2), poor)];
        let survey = Survey::new(&workers, &HashMap::new(), &POLICY, 10, 0);
        assert_eq!(survey.eligible(), vec![worker(1)]);
        assert_eq!(survey.shortfall(1), None);
        assert_eq!(
            survey.shortfall(3).as_deref(),
            Some("1 eligible worker for 3 seats: 2 registered, 1 with too little unlocked stake")
        );
    }
}
