//! Which workers may be put on a committee, and why the others may not — derived from the chain
//! alone, so a restarted scheduler judges exactly as before.
//!
//! Status, jail and stake are judged by the sdk ([`edgerun_sdk::standing`], where jailing and
//! whose failures count are explained), so `edgerun worker status` and `GET /v1/workers` mean the
//! same by "jailed" and "eligible". Here: the scheduler's part, a worker's open work and its
//! declared capacity, and the survey of every worker for one seat.

use std::collections::HashMap;

use edgerun::state::{Job, JobStatus, WorkerStake};
use edgerun_sdk::standing::stake_refusal;
pub use edgerun_sdk::standing::{recent_failures, Failure, FailureKind, Ineligible, JailPolicy};
use serde::Serialize;
use solana_address::Address;

/// Each worker's open work among `jobs`: the Assigned jobs where it sits without a result. A
/// full recount; the engine keeps the same figures incrementally in an [`OpenWorkLedger`].
pub fn open_work(jobs: &[(Address, Job)]) -> HashMap<Address, OpenWork> {
    let mut open: HashMap<Address, OpenWork> = HashMap::new();
    for (_, job) in jobs.iter().filter(|(_, job)| job.status() == Ok(JobStatus::Assigned)) {
        let waiting = job.committee().iter().enumerate().filter(|(index, _)| !job.has_submitted(*index));
        for (_, worker) in waiting {
            let entry = open.entry(*worker).or_default();
            entry.jobs = entry.jobs.saturating_add(1);
            entry.instructions = entry.instructions.saturating_add(job.max_instructions.get());
        }
    }
    open
}

/// Each worker's open work, kept up to date job by job: every change to a job (assigned, a
/// member's result, a member replaced, the job leaving `Assigned`, the job leaving the index)
/// takes back what the job's previous state counted and counts what its new state holds. What
/// [`open_work`] recounts over every Assigned job, at the cost of one job per change instead of
/// every assigned job per survey.
#[derive(Debug, Default)]
pub struct OpenWorkLedger {
    /// What each counted job holds now: its members without a result, and its instruction
    /// budget. Only Assigned jobs with such a member are here.
    by_job: HashMap<[u8; 32], (Vec<Address>, u64)>,
    by_worker: HashMap<Address, OpenWork>,
}

impl OpenWorkLedger {
    /// The ledger of `jobs` (any statuses; only Assigned jobs count).
    pub fn from_jobs(jobs: &[(Address, Job)]) -> OpenWorkLedger {
        let mut ledger = OpenWorkLedger::default();
        for (_, job) in jobs {
            ledger.update(job);
        }
        ledger
    }

    /// `job`'s state now replaces whatever an earlier state of it counted.
    pub fn update(&mut self, job: &Job) {
        self.remove(&job.job_id);
        if job.status() != Ok(JobStatus::Assigned) {
            return;
        }
        let waiting: Vec<Address> = job
            .committee()
            .iter()
            .enumerate()
            .filter(|(index, _)| !job.has_submitted(*index))
            .map(|(_, worker)| *worker)
            .collect();
        if waiting.is_empty() {
            return;
        }
        let instructions = job.max_instructions.get();
        for worker in &waiting {
            let entry = self.by_worker.entry(*worker).or_default();
            entry.jobs = entry.jobs.saturating_add(1);
            entry.instructions = entry.instructions.saturating_add(instructions);
        }
        self.by_job.insert(job.job_id, (waiting, instructions));
    }

    /// `job_id` holds no work any more (it left the index).
    pub fn remove(&mut self, job_id: &[u8; 32]) {
        let Some((members, instructions)) = self.by_job.remove(job_id) else { return };
        for worker in members {
            if let Some(entry) = self.by_worker.get_mut(&worker) {
                entry.jobs = entry.jobs.saturating_sub(1);
                entry.instructions = entry.instructions.saturating_sub(instructions);
                if entry.jobs == 0 {
                    self.by_worker.remove(&worker);
                }
            }
        }
    }

    /// Each worker's open work (workers without any are absent).
    pub fn by_worker(&self) -> &HashMap<Address, OpenWork> {
        &self.by_worker
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

/// What a committee seat asks of a worker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seat {
    /// The stake the job locks.
    pub lock: u64,
    /// The job's work, when its capacity is judged (assignment); `None` for a listing.
    pub work: Option<Work>,
}

impl Seat {
    /// A seat judged on stake, status and jail only.
    pub fn lock(lock: u64) -> Seat {
        Seat { lock, work: None }
    }
}

/// A job's instruction budget and the seconds its members have to run it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    pub instructions: u64,
    pub seconds: f64,
}

/// What a worker already has to run: the jobs it sits on without a result yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenWork {
    pub jobs: u32,
    pub instructions: u64,
}

/// Whether a worker that declared its capacity (`set_worker_capacity`) can take `work` on top
/// of `open` and still finish everything in time: fewer open jobs than it runs at once, and at
/// its declared speed the new job alone, and all its open work spread over its executions, fit
/// the window. An undeclared capacity (0) is not judged.
pub fn capacity_refusal(stake: &WorkerStake, open: OpenWork, work: Work) -> Option<Ineligible> {
    let (lanes, speed) = (stake.max_concurrent_jobs.get(), stake.instructions_per_second.get());
    if lanes == 0 || speed == 0 {
        return None;
    }
    if open.jobs >= u32::from(lanes) {
        return Some(Ineligible::AtCapacity { open_jobs: open.jobs, max_concurrent_jobs: lanes });
    }
    let alone = work.instructions as f64 / speed as f64;
    let spread = open.instructions.saturating_add(work.instructions) as f64 / (speed as f64 * f64::from(lanes));
    let needed = alone.max(spread);
    (needed > work.seconds).then(|| Ineligible::TooSlow {
        seconds_needed: needed.ceil() as u64,
        seconds_available: work.seconds.floor() as u64,
    })
}

/// Judges `stake` for `seat` at `slot`, with `open` its open work: the sdk's judgement of its
/// status, jail and stake ([`stake_refusal`], what `edgerun worker status` shows), then its
/// declared capacity when the seat carries work.
pub fn assess(
    stake: &WorkerStake,
    seat: &Seat,
    failures: &[Failure],
    policy: &JailPolicy,
    slot: u64,
    open: OpenWork,
) -> Eligibility {
    let ineligible = stake_refusal(stake, seat.lock, failures, policy, slot)
        .or_else(|| seat.work.and_then(|work| capacity_refusal(stake, open, work)));
    Eligibility {
        worker: stake.worker,
        eligible: ineligible.is_none(),
        ineligible,
        total_stake_lamports: stake.total_stake.get(),
        unlocked_stake_lamports: stake.unlocked_stake(),
        recent_failures: failures.to_vec(),
    }
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
        open: &HashMap<Address, OpenWork>,
        policy: &JailPolicy,
        seat: &Seat,
        slot: u64,
    ) -> Survey {
        let mut judged: Vec<Eligibility> = workers
            .iter()
            .map(|(_, stake)| {
                let failures = failures.get(&stake.worker).map(Vec::as_slice).unwrap_or_default();
                let open = open.get(&stake.worker).copied().unwrap_or_default();
                assess(stake, seat, failures, policy, slot, open)
            })
            .collect();
        judged.sort_by_key(|eligibility| eligibility.worker);
        Survey { slot, needed_lamports: seat.lock, workers: judged }
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
        let full = count(|reason| matches!(reason, Ineligible::AtCapacity { .. }));
        if full > 0 {
            parts.push(format!("{full} at capacity"));
        }
        let slow = count(|reason| matches!(reason, Ineligible::TooSlow { .. }));
        if slow > 0 {
            parts.push(format!("{slow} too slow to finish it in time"));
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
            assert!(assess(&stake(worker(index)), &Seat::lock(10), &[], &POLICY, 60, OpenWork::default()).eligible);
        }
    }

    #[test]
    fn silence_while_the_others_answered_is_the_workers_own() {
        let failures = recent_failures(&[ended_job(1, 0b100, 0b011)], &HashMap::new());
        assert_eq!(failures.len(), 1);
        let own = &failures[&worker(3)];
        assert_eq!(own, &[Failure { job_id: [1; 32], kind: FailureKind::Silent, slot: 50 }]);
        let judged = assess(&stake(worker(3)), &Seat::lock(10), own, &POLICY, 60, OpenWork::default());
        assert_eq!(judged.ineligible, Some(Ineligible::Jailed { failures: 1, until_slot: 150 }));
        // The cooldown ends.
        assert!(assess(&stake(worker(3)), &Seat::lock(10), own, &POLICY, 150, OpenWork::default()).eligible);
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
        assert_eq!(
            assess(&inactive, &Seat::lock(10), &[], &POLICY, 0, OpenWork::default()).ineligible,
            Some(Ineligible::Inactive)
        );
        let mut locked = stake(worker(1));
        locked.locked_stake = 995.into();
        assert_eq!(
            assess(&locked, &Seat::lock(10), &[], &POLICY, 0, OpenWork::default()).ineligible,
            Some(Ineligible::InsufficientStake { unlocked_lamports: 5, needed_lamports: 10 })
        );
        let never = JailPolicy { max_recent_failures: 0, cooldown_slots: 100 };
        let failure = Failure { job_id: [1; 32], kind: FailureKind::Silent, slot: 50 };
        assert!(assess(&stake(worker(1)), &Seat::lock(10), &[failure], &never, 60, OpenWork::default()).eligible);
    }

    #[test]
    fn the_shortfall_says_why_in_words() {
        let mut poor = stake(worker(2));
        poor.locked_stake = 1_000.into();
        let workers = [(worker(1), stake(worker(1))), (worker(2), poor)];
        let survey = Survey::new(&workers, &HashMap::new(), &HashMap::new(), &POLICY, &Seat::lock(10), 0);
        assert_eq!(survey.eligible(), vec![worker(1)]);
        assert_eq!(survey.shortfall(1), None);
        assert_eq!(
            survey.shortfall(3).as_deref(),
            Some("1 eligible worker for 3 seats: 2 registered, 1 with too little unlocked stake")
        );
    }

    #[test]
    fn a_worker_gets_no_more_than_it_declared_it_can_finish() {
        let mut declared = stake(worker(1));
        declared.max_concurrent_jobs = 2.into();
        declared.instructions_per_second = 1_000.into();
        let work = Work { instructions: 10_000, seconds: 60.0 };
        let seat = Seat { lock: 10, work: Some(work) };
        let judge = |open: OpenWork| assess(&declared, &seat, &[], &POLICY, 0, open).ineligible;
        assert_eq!(judge(OpenWork::default()), None, "10 s of work in a 60 s window");
        assert_eq!(judge(OpenWork { jobs: 1, instructions: 90_000 }), None, "100 s over 2 lanes: 50 s");
        assert_eq!(
            judge(OpenWork { jobs: 1, instructions: 120_000 }),
            Some(Ineligible::TooSlow { seconds_needed: 65, seconds_available: 60 }),
            "130 s over 2 lanes: 65 s"
        );
        assert_eq!(
            judge(OpenWork { jobs: 2, instructions: 2 }),
            Some(Ineligible::AtCapacity { open_jobs: 2, max_concurrent_jobs: 2 })
        );
        // A job no lane can finish alone: 70 s at 1,000 instructions a second.
        let long = Seat { lock: 10, work: Some(Work { instructions: 70_000, seconds: 60.0 }) };
        assert!(matches!(
            assess(&declared, &long, &[], &POLICY, 0, OpenWork::default()).ineligible,
            Some(Ineligible::TooSlow { seconds_needed: 70, .. })
        ));
        // Undeclared capacity is not judged; a listing does not judge capacity either.
        assert_eq!(
            assess(&stake(worker(2)), &long, &[], &POLICY, 0, OpenWork { jobs: 9, instructions: u64::MAX }).ineligible,
            None
        );
        assert_eq!(
            assess(&declared, &Seat::lock(10), &[], &POLICY, 0, OpenWork { jobs: 9, instructions: 1 }).ineligible,
            None
        );
    }

    #[test]
    fn open_work_counts_the_seats_without_a_result() {
        let (address, mut job) = ended_job(4, 0, 0b001);
        job.set_status(JobStatus::Assigned);
        job.max_instructions = 500.into();
        let open = open_work(&[(address, job)]);
        assert_eq!(open.get(&worker(1)), None, "it answered");
        assert_eq!(open[&worker(2)], OpenWork { jobs: 1, instructions: 500 });
        job.set_status(JobStatus::Finalized);
        assert!(open_work(&[(address, job)]).is_empty(), "an ended job is nobody's work");
    }

    /// One change to one of a few jobs, as the index reports them.
    #[derive(Clone, Debug)]
    enum Change {
        /// Assigned to `members` (indices into five workers; duplicates dropped) with a budget.
        Assigned { job: u8, members: Vec<u8>, instructions: u64 },
        /// The member at `seat` submitted its result.
        Submitted { job: u8, seat: usize },
        /// The member at `seat` was replaced by `by` (`reassign_missing`).
        Replaced { job: u8, seat: usize, by: u8 },
        /// The job left `Assigned` (quorum, cancelled) but is still kept.
        Ended { job: u8, status: u8 },
        /// The job left the index (closed, or ended and dropped).
        Left { job: u8 },
    }

    fn change() -> impl proptest::strategy::Strategy<Value = Change> {
        use proptest::prelude::*;
        prop_oneof![
            (0u8..6, proptest::collection::vec(0u8..5, 1..4), 1u64..1_000)
                .prop_map(|(job, members, instructions)| Change::Assigned { job, members, instructions }),
            (0u8..6, 0usize..3).prop_map(|(job, seat)| Change::Submitted { job, seat }),
            (0u8..6, 0usize..3, 0u8..7).prop_map(|(job, seat, by)| Change::Replaced { job, seat, by }),
            (0u8..6, 3u8..6).prop_map(|(job, status)| Change::Ended { job, status }),
            (0u8..6).prop_map(|job| Change::Left { job }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn the_ledger_equals_a_full_recount_after_any_changes(changes in proptest::collection::vec(change(), 0..60)) {
            let mut jobs: HashMap<u8, Job> = HashMap::new();
            let mut ledger = OpenWorkLedger::default();
            for change in changes {
                match change {
                    Change::Assigned { job: id, mut members, instructions } => {
                        members.sort_unstable();
                        members.dedup();
                        let mut job = Job::zeroed();
                        job.job_id = [id; 32];
                        job.set_status(JobStatus::Assigned);
                        job.max_instructions = instructions.into();
                        job.assigned_count = members.len() as u8;
                        for (index, member) in members.iter().enumerate() {
                            job.assigned_workers[index] = worker(member + 1);
                        }
                        jobs.insert(id, job);
                        ledger.update(&job);
                    }
                    Change::Submitted { job: id, seat } => {
                        let Some(job) = jobs.get_mut(&id) else { continue };
                        if seat < job.committee().len() {
                            job.submitted_mask = (job.submitted_mask.get() | (1 << seat)).into();
                        }
                        ledger.update(job);
                    }
                    Change::Replaced { job: id, seat, by } => {
                        let Some(job) = jobs.get_mut(&id) else { continue };
                        let replacement = worker(by + 1);
                        if seat < job.committee().len() && !job.committee().contains(&replacement) {
                            job.assigned_workers[seat] = replacement;
                        }
                        ledger.update(job);
                    }
                    Change::Ended { job: id, status } => {
                        let Some(job) = jobs.get_mut(&id) else { continue };
                        job.status = status;
                        ledger.update(job);
                    }
                    Change::Left { job: id } => {
                        jobs.remove(&id);
                        ledger.remove(&[id; 32]);
                    }
                }
                let all: Vec<(Address, Job)> =
                    jobs.iter().map(|(id, job)| (Address::new_from_array([*id; 32]), *job)).collect();
                proptest::prop_assert_eq!(ledger.by_worker(), &open_work(&all));
                let recounted = OpenWorkLedger::from_jobs(&all);
                proptest::prop_assert_eq!(recounted.by_worker(), &open_work(&all));
            }
        }
    }
}
