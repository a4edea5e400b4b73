//! Which workers may be put on a committee, and why the others may not — derived from the chain
//! alone, so a restarted scheduler judges exactly as before.
//!
//! A worker is eligible for a job when its stake account is active, its unlocked stake covers the
//! job's lock, and it is not jailed. Jailing answers a host that keeps taking work and returning
//! nothing (BOINC's complaint): a worker with `max_recent_failures` failures among the jobs still
//! on chain (ended jobs stay for their retention window, about a day by default) is skipped until
//! `cooldown_slots` after its latest one. A failure is a committee seat that ended badly: penalized
//! for silence, replaced for silence, or a winner that never declared the output (DA-failed).
//! Wrong results are already paid for on chain (the program slashes them); they count too when
//! the caller supplies the finalized jobs' results.

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
        let committee = committee(job);
        for (index, worker) in committee.iter().enumerate() {
            let kind = if job.is_da_failed(index) {
                Some(FailureKind::NoOutput)
            } else if job.is_penalized(index) {
                Some(FailureKind::Silent)
            } else {
                None
            };
            if let Some(kind) = kind {
                failures.entry(*worker).or_default().push(Failure { job_id: job.job_id, kind, slot: at(index) });
            }
        }
        let replaced_at = if ended > 0 { ended } else { job.deadline_slot.get() };
        for worker in replaced(job) {
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

/// The job's committee; empty for a count the program never writes (no panic on bad data).
fn committee(job: &Job) -> &[Address] {
    job.assigned_workers.get(..usize::from(job.assigned_count)).unwrap_or_default()
}

fn replaced(job: &Job) -> &[Address] {
    job.replaced_workers.get(..usize::from(job.replaced_count)).unwrap_or_default()
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
