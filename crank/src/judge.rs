//! What a job's accounts say about its next step, read once into a `Stage` that both
//! [`candidates`] (for the crank) and [`explain`] (for people) are rendered from, so the two can
//! never tell different stories.
//!
//! The rules are the program's, restated from the same source where the program exposes it
//! (`Job::is_silent`, `Job::silence_cutoff`, `reach_quorum::winning_hash`) and otherwise from the
//! instruction handlers' `require!`s:
//!
//! - `reach_quorum`: Assigned, `slot <= deadline_slot`, some output hash has `quorum` votes among
//!   results that still count (a DA-failed winner's does not).
//! - `settle_input_unavailable`: as `reach_quorum`, when the hash with quorum is
//!   `INPUT_UNAVAILABLE_OUTPUT_HASH` (which `reach_quorum` refuses).
//! - `penalize_non_submitters`: a member without a result whose own deadline passed before the
//!   silence cutoff (now, or the quorum's slot once there is one), not yet penalized nor settled.
//! - `finalize_job`: AwaitingDA and the OutputAvailability declares the winning hash.
//! - `cancel_no_da`: AwaitingDA, `slot > da_deadline_slot`, no OutputAvailability.
//! - `cancel_expired_job`: Assigned, `slot > deadline_slot + challenge_window_slots`.
//! - `close_job`: Finalized or Cancelled, `slot >= ended_slot + retention_slots`.
//!
//! The order of the candidates is the order to try them in. Reach-quorum comes first (it is the
//! only step that can close a window that is still open). Penalize is left out whenever the job's
//! ending (`finalize_job`, `cancel_expired_job`) is itself a candidate: those charge exactly the
//! same silent members in the same instruction, so a separate penalize would be a transaction for
//! nothing. Nothing else depends on order: `cancel_no_da` neither charges nor forgives silent
//! members, so penalizing before or after it is the same.
//!
//! The candidates are a cheap pre-filter at a slot read a moment ago; the program, through the
//! client's simulation, is the arbiter.

use edgerun::constants::INPUT_UNAVAILABLE_OUTPUT_HASH;
use edgerun::instructions::winning_hash;
use edgerun::state::{Job, JobResult, JobStatus, OutputAvailability};
use solana_address::Address;

use crate::action::{well_formed, CrankAction};

/// The actions that the job's state says could advance it at `slot`, in the order to try them.
/// `results` is what `EdgerunClient::committee_results(job)` returns (matched to the committee by
/// worker address, so order does not matter); `output` the job's OutputAvailability, if any.
pub fn candidates(
    job: &Job,
    results: &[(Address, Option<JobResult>)],
    output: Option<&OutputAvailability>,
    slot: u64,
) -> Vec<CrankAction> {
    let stage = Stage::read(job, results, output, slot);
    let mut actions = Vec::new();
    let mut push = |action: CrankAction, applies: bool| {
        if applies {
            actions.push(action);
        }
    };
    match stage {
        Stage::Collecting { winner, silent, .. } => {
            let unavailable = winner == Some(INPUT_UNAVAILABLE_OUTPUT_HASH);
            push(CrankAction::ReachQuorum, winner.is_some() && !unavailable);
            // The settlement charges the silent members itself.
            push(CrankAction::SettleInputUnavailable, unavailable);
            push(CrankAction::Penalize, silent > 0 && !unavailable);
        }
        Stage::Overdue { silent, .. } => push(CrankAction::Penalize, silent > 0),
        Stage::Expired { .. } => push(CrankAction::CancelExpired, true),
        Stage::AwaitingOutput { silent, .. } => push(CrankAction::Penalize, silent > 0),
        Stage::OutputLapsed { silent, .. } => {
            push(CrankAction::Penalize, silent > 0);
            push(CrankAction::CancelNoDa, true);
        }
        Stage::OutputDeclared { matches, silent, .. } => {
            push(CrankAction::Finalize, matches);
            push(CrankAction::Penalize, !matches && silent > 0);
        }
        Stage::Ended { closable_from, silent, .. } => {
            push(CrankAction::Penalize, silent > 0);
            push(CrankAction::Close, closable_from.is_some_and(|from| slot >= from));
        }
        Stage::Malformed { .. }
        | Stage::UnknownStatus(_)
        | Stage::Reserved(_)
        | Stage::WaitingForSeed
        | Stage::WaitingForCommittee => {}
    }
    // The program's status gate, whatever the stage says.
    let status = job.status().ok();
    actions.retain(|action| status.is_some_and(|status| action.statuses().contains(&status)));
    actions
}

/// The first slot after `slot` at which the clock alone may change the job's [`candidates`]: a
/// member's own deadline passing (it turns silent), the job's deadline (reach-quorum stops), its
/// expiry (cancel-expired), the DA window closing (cancel-no-da), the retention window ending
/// (close). `None` when only a change of the accounts can (a result, a declared output, someone
/// else's instruction).
///
/// Until that slot, `candidates` at any later slot are the ones at `slot` (checked slot by slot in
/// the tests): a crank that wakes at this slot, and on every account change, never misses the
/// first slot an action becomes valid.
pub fn next_change(
    job: &Job,
    results: &[(Address, Option<JobResult>)],
    output: Option<&OutputAvailability>,
    slot: u64,
) -> Option<u64> {
    if !well_formed(job) {
        return None;
    }
    // The rules of `Stage::read`, by the slot each comparison flips at.
    let mut thresholds: Vec<Option<u64>> = Vec::new();
    match job.status() {
        Ok(JobStatus::Assigned) => {
            let hashes = member_hashes(job, results);
            // Silent from the first slot past its own deadline (the cutoff is now).
            for (index, hash) in hashes.iter().enumerate().take(job.committee().len()) {
                if hash.is_none() && !job.is_penalized(index) && !job.is_settled(index) {
                    thresholds.push(job.member_deadline(index).checked_add(1));
                }
            }
            let deadline = job.deadline_slot.get();
            thresholds.push(deadline.checked_add(1));
            thresholds
                .push(deadline.checked_add(job.challenge_window_slots.get()).and_then(|slot| slot.checked_add(1)));
        }
        // Silence is judged at the quorum's slot from here on: only the windows move.
        Ok(JobStatus::AwaitingDa) if output.is_none() => thresholds.push(job.da_deadline_slot.get().checked_add(1)),
        Ok(JobStatus::Finalized | JobStatus::Cancelled) => {
            thresholds.push(job.ended_slot.get().checked_add(job.retention_slots.get()))
        }
        _ => {}
    }
    thresholds.into_iter().flatten().filter(|&threshold| threshold > slot).min()
}

/// The last slot at which the job's next step is still its own committee's to take, when it is:
/// Assigned with a quorum of members submitted (a member whose result won reaches the quorum,
/// declares its output and finalizes, or settles an unavailable input, in one transaction), or
/// AwaitingDA (a winner declares and finalizes). That slot is the last one the crank's action
/// for the step is still valid in (the job's deadline; the DA deadline, after which
/// cancel-no-da is the crank's own step). `None` at any other step, which only the crank takes.
///
/// The crank service gives the committee a grace before it steps in on these (so an honest
/// committee's settlement is not raced by a second transaction for the same step); the judgment
/// itself ([`candidates`]) is the program's rules and knows no grace.
pub fn committee_step_until(job: &Job) -> Option<u64> {
    if !well_formed(job) {
        return None;
    }
    match job.status() {
        Ok(JobStatus::Assigned) if crate::run::quorum_submitted(job) => Some(job.deadline_slot.get()),
        Ok(JobStatus::AwaitingDa) => Some(job.da_deadline_slot.get()),
        _ => None,
    }
}

/// Why the job is (not) moving, in one sentence for people: what it waits for and until when, or
/// which crank action can move it now.
pub fn explain(
    job: &Job,
    results: &[(Address, Option<JobResult>)],
    output: Option<&OutputAvailability>,
    slot: u64,
) -> String {
    match Stage::read(job, results, output, slot) {
        Stage::Malformed { assigned_count } => format!(
            "malformed: the job records {assigned_count} committee members where at most {} exist; no \
             instruction can advance it",
            edgerun::constants::MAX_COMMITTEE_SIZE
        ),
        Stage::UnknownStatus(byte) => format!("unknown status byte {byte}; no instruction can advance it"),
        Stage::Reserved(status) => {
            format!("in status {status:?}, which the program reserves and never writes; no instruction can advance it")
        }
        Stage::WaitingForSeed => "waiting for the committee-selection seed from the randomness authority".into(),
        Stage::WaitingForCommittee => "waiting for the scheduler to assign the committee".into(),
        Stage::Collecting { tally, deadline, winner: Some(INPUT_UNAVAILABLE_OUTPUT_HASH), .. } => format!(
            "{}, on \"input unavailable\": settle-input-unavailable can refund the client now (until slot \
             {deadline}); no member that answered loses anything",
            tally.describe()
        ),
        Stage::Collecting { tally, deadline, winner: Some(_), silent } => format!(
            "{}: reach-quorum can record the winner now (until slot {deadline}){}",
            tally.describe(),
            penalize_note(silent)
        ),
        Stage::Collecting { tally, deadline, winner: None, silent } => {
            let waiting = if tally.counting == 0 { "waiting for results: " } else { "" };
            format!("{waiting}{}; results accepted until slot {deadline}{}", tally.describe(), penalize_note(silent))
        }
        Stage::Overdue { tally, deadline, expires_after, silent } => format!(
            "{}: {}; {}{}",
            tally.missed(deadline),
            tally.describe(),
            match expires_after {
                Some(slot) => format!("cancel-expired can refund the client after slot {slot}"),
                None => "the job never expires".into(),
            },
            penalize_note(silent)
        ),
        Stage::Expired { tally, deadline, silent } => format!(
            "{}: {}; the job expired and cancel-expired refunds the client now{}",
            tally.missed(deadline),
            tally.describe(),
            match silent {
                0 => String::new(),
                n => format!(" and charges {}", members(n, "silent")),
            }
        ),
        Stage::AwaitingOutput { winning, quorum_slot, da_deadline, silent } => format!(
            "result {} won at slot {quorum_slot}; waiting for a winner to declare the output available until slot \
             {da_deadline}{}",
            short(&winning),
            penalize_note(silent)
        ),
        Stage::OutputLapsed { winning, quorum_slot, da_deadline, silent } => format!(
            "result {} won at slot {quorum_slot} but no winner declared the output by slot {da_deadline}: \
             cancel-no-da can reopen the job now (the winners that did not declare are penalized){}",
            short(&winning),
            penalize_note(silent)
        ),
        Stage::OutputDeclared { winning, quorum_slot, declared, matches: true, silent, .. } => format!(
            "result {} won at slot {quorum_slot} and its output is declared available (slot {declared}): finalize \
             can pay the winners now{}",
            short(&winning),
            match silent {
                0 => String::new(),
                n => format!(" and charge {}", members(n, "silent")),
            }
        ),
        Stage::OutputDeclared { winning, quorum_slot, declared_hash, matches: false, silent, .. } => format!(
            "result {} won at slot {quorum_slot} but the declared output is for another hash ({}), which finalize \
             refuses{}",
            short(&winning),
            short(&declared_hash),
            penalize_note(silent)
        ),
        Stage::Ended { finalized, ended_slot, closable_from, input_unavailable, .. } => {
            let ending = if finalized {
                format!("finished (paid out at slot {ended_slot})")
            } else if input_unavailable {
                format!("cancelled: the committee could not obtain the input (refunded at slot {ended_slot})")
            } else {
                format!("cancelled (refunded at slot {ended_slot})")
            };
            match closable_from {
                Some(from) if slot >= from => format!("{ending}; close can reclaim its rent now"),
                Some(from) => format!("{ending}; can be closed from slot {from}"),
                None => format!("{ending}; its retention window never ends"),
            }
        }
    }
}

/// The results of the committee, counted as `reach_quorum` counts them.
#[derive(Clone, Copy, Debug)]
struct Tally {
    committee_size: usize,
    quorum: u8,
    /// Results that count toward quorum.
    counting: usize,
    /// Results of winners that let a DA window lapse: present, but they no longer count.
    da_failed: usize,
    /// Size of the largest group of counting results with the same output hash.
    largest_agreement: usize,
}

impl Tally {
    /// Why the job is past its deadline without a winner.
    fn missed(&self, deadline: u64) -> String {
        if self.largest_agreement >= usize::from(self.quorum) {
            format!("nobody recorded the quorum by the deadline (slot {deadline})")
        } else {
            format!("no quorum by the deadline (slot {deadline})")
        }
    }

    fn describe(&self) -> String {
        let Tally { committee_size, quorum, counting, da_failed, largest_agreement } = *self;
        let mut text = format!("{counting} of {committee_size} results in");
        if da_failed > 0 {
            text.push_str(&format!(
                " (and {da_failed} from winners that let the DA window lapse, which no longer count)"
            ));
        }
        if largest_agreement >= usize::from(quorum) {
            text.push_str(&format!(" and {largest_agreement} agree, quorum is {quorum}"));
        } else if counting > largest_agreement {
            text.push_str(&format!(", quorum is {quorum} but they disagree"));
        } else {
            text.push_str(&format!(", quorum is {quorum}"));
        }
        text
    }
}

/// Where the job is, with what the next step depends on.
#[derive(Clone, Copy, Debug)]
enum Stage {
    /// More committee members recorded than a committee can have.
    Malformed {
        assigned_count: u8,
    },
    UnknownStatus(u8),
    /// QuorumReached or Slashed: reserved by the spec, never written.
    Reserved(JobStatus),
    WaitingForSeed,
    WaitingForCommittee,
    /// Assigned, results still accepted (`slot <= deadline_slot`).
    Collecting {
        tally: Tally,
        deadline: u64,
        winner: Option<[u8; 32]>,
        silent: usize,
    },
    /// Assigned, past the deadline, not yet expired.
    Overdue {
        tally: Tally,
        deadline: u64,
        expires_after: Option<u64>,
        silent: usize,
    },
    /// Assigned, past the deadline and a challenge window: cancel-expired applies.
    Expired {
        tally: Tally,
        deadline: u64,
        silent: usize,
    },
    /// AwaitingDA, no output declared, DA window open.
    AwaitingOutput {
        winning: [u8; 32],
        quorum_slot: u64,
        da_deadline: u64,
        silent: usize,
    },
    /// AwaitingDA, no output declared, DA window passed.
    OutputLapsed {
        winning: [u8; 32],
        quorum_slot: u64,
        da_deadline: u64,
        silent: usize,
    },
    /// AwaitingDA with an OutputAvailability (for the winning hash, unless `matches` is false).
    OutputDeclared {
        winning: [u8; 32],
        quorum_slot: u64,
        declared: u64,
        declared_hash: [u8; 32],
        matches: bool,
        silent: usize,
    },
    /// Finalized (paid out) or Cancelled (refunded).
    Ended {
        finalized: bool,
        /// Ended by `settle_input_unavailable`.
        input_unavailable: bool,
        ended_slot: u64,
        closable_from: Option<u64>,
        silent: usize,
    },
}

impl Stage {
    fn read(
        job: &Job,
        results: &[(Address, Option<JobResult>)],
        output: Option<&OutputAvailability>,
        slot: u64,
    ) -> Stage {
        if !well_formed(job) {
            return Stage::Malformed { assigned_count: job.assigned_count };
        }
        let status = match job.status() {
            Ok(status) => status,
            Err(_) => return Stage::UnknownStatus(job.status),
        };
        let hashes = member_hashes(job, results);
        let committee_size = job.committee().len();
        let cutoff = job.silence_cutoff(slot);
        let silent = (0..committee_size)
            .filter(|&index| {
                job.is_silent(index, hashes[index].is_some(), cutoff)
                    && !job.is_penalized(index)
                    && !job.is_settled(index)
            })
            .count();
        let counting: Vec<[u8; 32]> =
            (0..committee_size).filter(|&index| !job.is_da_failed(index)).filter_map(|index| hashes[index]).collect();
        let tally = Tally {
            committee_size,
            quorum: job.quorum,
            counting: counting.len(),
            da_failed: (0..committee_size).filter(|&index| job.is_da_failed(index) && hashes[index].is_some()).count(),
            largest_agreement: counting
                .iter()
                .map(|hash| counting.iter().filter(|other| *other == hash).count())
                .max()
                .unwrap_or(0),
        };
        let deadline = job.deadline_slot.get();
        match status {
            JobStatus::Posted => Stage::WaitingForSeed,
            JobStatus::Seeded => Stage::WaitingForCommittee,
            JobStatus::QuorumReached | JobStatus::Slashed => Stage::Reserved(status),
            JobStatus::Assigned if slot <= deadline => {
                Stage::Collecting { tally, deadline, winner: winning_hash(job, &hashes), silent }
            }
            JobStatus::Assigned => match deadline.checked_add(job.challenge_window_slots.get()) {
                Some(expires_after) if slot > expires_after => Stage::Expired { tally, deadline, silent },
                expires_after => Stage::Overdue { tally, deadline, expires_after, silent },
            },
            JobStatus::AwaitingDa => {
                let winning = job.winning_output_hash;
                let quorum_slot = job.quorum_reached_slot.get();
                let da_deadline = job.da_deadline_slot.get();
                match output {
                    Some(output) => Stage::OutputDeclared {
                        winning,
                        quorum_slot,
                        declared: output.published_slot.get(),
                        declared_hash: output.output_hash,
                        matches: output.job_id == job.job_id && output.output_hash == winning,
                        silent,
                    },
                    None if slot > da_deadline => Stage::OutputLapsed { winning, quorum_slot, da_deadline, silent },
                    None => Stage::AwaitingOutput { winning, quorum_slot, da_deadline, silent },
                }
            }
            JobStatus::Finalized | JobStatus::Cancelled => Stage::Ended {
                finalized: status == JobStatus::Finalized,
                input_unavailable: job.winning_output_hash == INPUT_UNAVAILABLE_OUTPUT_HASH,
                ended_slot: job.ended_slot.get(),
                closable_from: job.ended_slot.get().checked_add(job.retention_slots.get()),
                silent,
            },
        }
    }
}

/// Each member's output hash, in committee order, as the program reads them (`job` must be
/// well formed).
fn member_hashes(
    job: &Job,
    results: &[(Address, Option<JobResult>)],
) -> [Option<[u8; 32]>; edgerun::constants::MAX_COMMITTEE_SIZE] {
    let mut hashes = [None; edgerun::constants::MAX_COMMITTEE_SIZE];
    for (hash, member) in hashes.iter_mut().zip(job.committee()) {
        *hash = results
            .iter()
            .find(|(worker, _)| worker == member)
            .and_then(|(_, result)| result.as_ref())
            .map(|result| result.output_hash);
    }
    hashes
}

fn members(count: usize, adjective: &str) -> String {
    match count {
        1 => format!("1 {adjective} member"),
        n => format!("{n} {adjective} members"),
    }
}

fn penalize_note(silent: usize) -> String {
    match silent {
        0 => String::new(),
        n => format!("; penalize can charge {} now", members(n, "silent")),
    }
}

/// The first 4 bytes of a hash in hex, for sentences.
fn short(hash: &[u8; 32]) -> String {
    format!("{}…", hex::encode(&hash[..4]))
}

#[cfg(test)]
mod tests {
    //! What the real program never writes but a caller may pass: nothing panics, nothing is
    //! offered. The stages the program does write are checked on the real program in
    //! `tests/chain`.

    use super::*;

    fn job(status: u8) -> Job {
        let mut job: Job = bytemuck::Zeroable::zeroed();
        job.status = status;
        job.committee_size = 3;
        job.quorum = 2;
        job
    }

    fn result(worker: Address, output_hash: [u8; 32]) -> (Address, Option<JobResult>) {
        let mut result: JobResult = bytemuck::Zeroable::zeroed();
        result.worker = worker;
        result.output_hash = output_hash;
        (worker, Some(result))
    }

    #[test]
    fn states_the_program_never_writes_offer_nothing() {
        let mut malformed = job(JobStatus::Assigned as u8);
        malformed.assigned_count = 10;
        assert_eq!(candidates(&malformed, &[], None, 0), []);
        assert_eq!(
            explain(&malformed, &[], None, 0),
            "malformed: the job records 10 committee members where at most 9 exist; no instruction can advance it"
        );
        for action in CrankAction::ALL {
            assert!(action.instruction(&malformed).accounts.len() <= 4, "{action}: no committee accounts");
        }

        let unknown = job(200);
        assert_eq!(candidates(&unknown, &[], None, 0), []);
        assert_eq!(explain(&unknown, &[], None, 0), "unknown status byte 200; no instruction can advance it");

        for status in [JobStatus::QuorumReached, JobStatus::Slashed] {
            assert_eq!(candidates(&job(status as u8), &[], None, 0), []);
            assert_eq!(
                explain(&job(status as u8), &[], None, 0),
                format!(
                    "in status {status:?}, which the program reserves and never writes; no instruction can advance it"
                )
            );
        }
    }

    #[test]
    fn windows_that_overflow_never_open() {
        let mut ended = job(JobStatus::Finalized as u8);
        ended.ended_slot = u64::MAX.into();
        ended.retention_slots = 1.into();
        assert_eq!(candidates(&ended, &[], None, u64::MAX), []);
        assert_eq!(
            explain(&ended, &[], None, u64::MAX),
            format!("finished (paid out at slot {}); its retention window never ends", u64::MAX)
        );

        let mut assigned = job(JobStatus::Assigned as u8);
        assigned.deadline_slot = (u64::MAX - 1).into();
        assigned.challenge_window_slots = 2.into();
        assert_eq!(candidates(&assigned, &[], None, u64::MAX), []);
        assert!(explain(&assigned, &[], None, u64::MAX).ends_with("; the job never expires"));
    }

    #[test]
    fn results_are_matched_to_the_committee_by_worker() {
        let mut assigned = job(JobStatus::Assigned as u8);
        let workers =
            [Address::new_from_array([1; 32]), Address::new_from_array([2; 32]), Address::new_from_array([3; 32])];
        assigned.assigned_workers[..3].copy_from_slice(&workers);
        assigned.assigned_count = 3;
        assigned.deadline_slot = 100.into();
        assigned.member_deadlines[..3].copy_from_slice(&[100.into(), 100.into(), 100.into()]);
        // Out of order, with a stranger's result that must not count.
        let results = [
            result(workers[2], [7; 32]),
            result(Address::new_from_array([9; 32]), [7; 32]),
            (workers[1], None),
            result(workers[0], [8; 32]),
        ];
        assert_eq!(candidates(&assigned, &results, None, 100), []);
        assert_eq!(
            explain(&assigned, &results, None, 100),
            "2 of 3 results in, quorum is 2 but they disagree; results accepted until slot 100"
        );
        let agreeing = [result(workers[2], [7; 32]), result(workers[0], [7; 32])];
        assert_eq!(candidates(&assigned, &agreeing, None, 100), [CrankAction::ReachQuorum]);
        // A DA-failed winner's result does not count.
        assigned.da_failed_mask = 0b100.into();
        assert_eq!(candidates(&assigned, &agreeing, None, 100), []);
    }

    /// Between `slot` and `next_change(slot)` the candidates never change, for jobs in every
    /// status with every kind of threshold ahead or behind; and the threshold itself is one the
    /// clock really crosses (a slot after `slot`).
    #[test]
    fn candidates_change_only_at_the_next_change() {
        let workers =
            [Address::new_from_array([1; 32]), Address::new_from_array([2; 32]), Address::new_from_array([3; 32])];
        let committee = |status: JobStatus| {
            let mut job = job(status as u8);
            job.assigned_workers[..3].copy_from_slice(&workers);
            job.assigned_count = 3;
            job.deadline_slot = 40.into();
            job.member_deadlines[..3].copy_from_slice(&[20.into(), 40.into(), 60.into()]);
            job.challenge_window_slots = 30.into();
            job
        };
        let mut jobs = Vec::new();
        for results in
            [vec![], vec![result(workers[0], [7; 32])], vec![result(workers[0], [7; 32]), result(workers[1], [7; 32])]]
        {
            jobs.push((committee(JobStatus::Assigned), results.clone(), None));
            let mut penalized = committee(JobStatus::Assigned);
            penalized.penalized_mask = 0b001.into();
            jobs.push((penalized, results, None));
        }
        let mut awaiting = committee(JobStatus::AwaitingDa);
        awaiting.quorum_reached_slot = 35.into();
        awaiting.da_deadline_slot = 70.into();
        awaiting.winning_output_hash = [7; 32];
        let agreeing = vec![result(workers[0], [7; 32]), result(workers[1], [7; 32])];
        jobs.push((awaiting, agreeing.clone(), None));
        let mut declared: OutputAvailability = bytemuck::Zeroable::zeroed();
        declared.job_id = awaiting.job_id;
        declared.output_hash = [7; 32];
        jobs.push((awaiting, agreeing.clone(), Some(declared)));
        for status in [JobStatus::Finalized, JobStatus::Cancelled] {
            let mut ended = committee(status);
            ended.quorum_reached_slot = 35.into();
            ended.ended_slot = 50.into();
            ended.retention_slots = 25.into();
            jobs.push((ended, agreeing.clone(), None));
        }
        let end = 120;
        for (job, results, output) in &jobs {
            for slot in 0..end {
                let now = candidates(job, results, output.as_ref(), slot);
                let next = next_change(job, results, output.as_ref(), slot);
                assert!(next.is_none_or(|next| next > slot), "{next:?} at {slot}");
                for later in slot + 1..next.unwrap_or(end).min(end) {
                    assert_eq!(
                        candidates(job, results, output.as_ref(), later),
                        now,
                        "status {} changed at {later} before the next change {next:?} judged at {slot}",
                        job.status
                    );
                }
            }
        }
        // Nothing the clock can change: a job waiting for results past every window it has.
        let mut quiet = committee(JobStatus::Posted);
        quiet.assigned_count = 0;
        assert_eq!(next_change(&quiet, &[], None, 0), None);
        assert_eq!(next_change(&awaiting, &agreeing, Some(&declared), 0), None);
        assert_eq!(next_change(&committee(JobStatus::Assigned), &[], None, 0), Some(21));
        assert_eq!(next_change(&committee(JobStatus::Assigned), &[], None, 61), Some(71));
    }
}
