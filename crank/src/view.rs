//! A job as people read it: its stages as a timeline with slots, its committee and what each
//! member submitted, its output, and what it waits for. Pure: built from the accounts a reader
//! fetched, so `edgerun job status`, the scheduler's API and the dashboard say the same.

use edgerun::constants::INPUT_UNAVAILABLE_OUTPUT_HASH;
use edgerun::state::{Job, JobResult, JobStatus, OutputAvailability};
use edgerun_sdk::amount::sol;
use edgerun_sdk::pda;
use serde::Serialize;
use solana_address::Address;

/// The name of a job's status in reports (stable; the JSON `status` field).
pub fn status_name(job: &Job) -> &'static str {
    job.status().map_or("unknown", status_label)
}

/// The name of `status` in reports.
pub fn status_label(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Posted => "posted",
        JobStatus::Seeded => "seeded",
        JobStatus::Assigned => "assigned",
        JobStatus::QuorumReached => "quorum_reached",
        JobStatus::AwaitingDa => "awaiting_da",
        JobStatus::Finalized => "finalized",
        JobStatus::Cancelled => "cancelled",
        JobStatus::Slashed => "slashed",
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    pub stage: &'static str,
    /// `None` when the chain does not record the slot (the seed) or the stage has not happened.
    pub slot: Option<u64>,
    /// When that slot's block was produced (Unix seconds), where the reader looked it up (the
    /// scheduler's API does; the CLI does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unix_time: Option<i64>,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    pub worker: String,
    /// The slot after which it may be penalized for silence (or replaced).
    pub deadline_slot: u64,
    pub output_hash: Option<String>,
    pub submitted_slot: Option<u64>,
    pub winner: bool,
    pub settled: bool,
    pub penalized: bool,
    pub da_failed: bool,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutputView {
    pub output_hash: String,
    pub publisher: String,
    pub pointer: String,
    pub published_slot: u64,
}

/// How a finalized job's escrow was split (the program's `finalize_job::payout`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutView {
    /// The escrow as posted.
    pub escrow_lamports: u64,
    /// The fee rate the job was posted with (the config's at that time), in basis points.
    pub protocol_fee_bps: u16,
    /// The treasury's fee (`protocol_fee_bps` of the escrow), with the division's remainder.
    pub fee_lamports: u64,
    /// What each winner's stake was credited.
    pub per_winner_lamports: u64,
    pub winners: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    pub job_id: String,
    pub job: String,
    pub status: &'static str,
    pub client: String,
    /// Escrow still held (zero once paid out or refunded).
    pub escrow_lamports: u64,
    /// The escrow as posted.
    pub posted_escrow_lamports: u64,
    /// What is left of the client's deposit for the rent of the job's results and output (it
    /// returns to the client when the job is closed).
    pub rent_reserve_lamports: u64,
    /// The committee attested that it could not obtain the job's input (the job was refunded).
    pub input_unavailable: bool,
    pub bundle_hash: String,
    pub runtime_id: String,
    pub max_instructions: u64,
    pub max_memory_bytes: u64,
    pub committee_size: u8,
    pub quorum: u8,
    pub timeline: Vec<Stage>,
    pub committee: Vec<MemberView>,
    pub replaced_workers: Vec<String>,
    pub winning_output_hash: Option<String>,
    pub output: Option<OutputView>,
    /// How the escrow was paid out, once the job is finalized.
    pub payout: Option<PayoutView>,
    /// The cluster's slot when this was read.
    pub slot: u64,
    /// Where the job is and what it waits for, in words.
    pub next: String,
}

/// How `finalize_job` split a finalized job's escrow, derived from what the Job account keeps:
/// the escrow as posted and the fee rate of that time (both fixed at `post_job`), and the
/// winners as the program counts them (a matching result, the output not failed to declare).
/// `None` when the split does not compute (no winner: the program would not have finalized).
fn payout_of(job: &Job, results: &[(Address, Option<JobResult>)]) -> Option<PayoutView> {
    let winners: Vec<String> = results
        .iter()
        .enumerate()
        .filter(|(index, (_, result))| {
            !job.is_da_failed(*index)
                && result.as_ref().is_some_and(|result| result.output_hash == job.winning_output_hash)
        })
        .map(|(_, (worker, _))| worker.to_string())
        .collect();
    let escrow = job.posted_escrow_lamports.get();
    let fee_bps = job.protocol_fee_bps.get();
    let split = edgerun::instructions::payout(escrow, fee_bps, winners.len() as u64)?;
    Some(PayoutView {
        escrow_lamports: escrow,
        protocol_fee_bps: fee_bps,
        fee_lamports: split.protocol_fee.checked_add(split.remainder)?,
        per_winner_lamports: split.per_winner,
        winners,
    })
}

impl JobView {
    pub fn new(
        job: &Job,
        results: &[(Address, Option<JobResult>)],
        output: Option<&OutputAvailability>,
        slot: u64,
    ) -> JobView {
        let quorum_reached = job.quorum_reached_slot.get() > 0;
        let input_unavailable = job.winning_output_hash == INPUT_UNAVAILABLE_OUTPUT_HASH;
        let posted_escrow = sol(job.posted_escrow_lamports.get());
        let mut timeline = vec![Stage {
            stage: "posted",
            slot: Some(job.created_slot.get()),
            unix_time: None,
            // The program zeroes the escrow when it pays it out or refunds it.
            detail: match job.status() {
                Ok(JobStatus::Finalized) => format!("escrow {posted_escrow}, paid out at finalize"),
                Ok(JobStatus::Cancelled) => format!("escrow {posted_escrow}, refunded"),
                _ => format!("escrow {}", sol(job.escrow_lamports.get())),
            },
        }];
        let payout = (job.status() == Ok(JobStatus::Finalized)).then(|| payout_of(job, results)).flatten();
        if job.seed_set.get() {
            timeline.push(Stage {
                stage: "seeded",
                slot: None,
                unix_time: None,
                detail: "committee-selection seed set".into(),
            });
        }
        if job.assigned_count > 0 {
            timeline.push(Stage {
                stage: "assigned",
                slot: Some(job.assigned_slot.get()),
                unix_time: None,
                detail: format!(
                    "committee of {} (quorum {}), results due by slot {}",
                    job.committee_size,
                    job.quorum,
                    job.deadline_slot.get()
                ),
            });
        }
        if quorum_reached && input_unavailable {
            timeline.push(Stage {
                stage: "quorum_reached",
                slot: Some(job.quorum_reached_slot.get()),
                unix_time: None,
                detail: "on \"input unavailable\": the committee could not obtain the job's bundle".into(),
            });
        } else if quorum_reached {
            timeline.push(Stage {
                stage: "quorum_reached",
                slot: Some(job.quorum_reached_slot.get()),
                unix_time: None,
                detail: format!(
                    "on output {}; output due by slot {}",
                    hex::encode(job.winning_output_hash),
                    job.da_deadline_slot.get()
                ),
            });
        }
        if let Some(output) = output {
            timeline.push(Stage {
                stage: "output_declared",
                slot: Some(output.published_slot.get()),
                unix_time: None,
                detail: format!("by {}", output.publisher),
            });
        }
        if (0..usize::from(job.assigned_count)).any(|index| job.is_da_failed(index)) {
            timeline.push(Stage {
                stage: "output_not_declared",
                slot: None,
                unix_time: None,
                detail: "the winners never declared the output: penalized, the job reopened for a new quorum".into(),
            });
        }
        match job.status() {
            Ok(JobStatus::Finalized) => timeline.push(Stage {
                stage: "finalized",
                slot: Some(job.ended_slot.get()),
                unix_time: None,
                detail: match &payout {
                    Some(payout) => format!(
                        "{} to each of {} winners, {} fee to the treasury",
                        sol(payout.per_winner_lamports),
                        payout.winners.len(),
                        sol(payout.fee_lamports)
                    ),
                    None => "escrow paid to the winners".into(),
                },
            }),
            Ok(JobStatus::Cancelled) => timeline.push(Stage {
                stage: "cancelled",
                slot: Some(job.ended_slot.get()),
                unix_time: None,
                detail: if input_unavailable {
                    format!("input unavailable: escrow {posted_escrow} refunded, no member charged for answering")
                } else {
                    format!("escrow {posted_escrow} refunded")
                },
            }),
            _ => {}
        }
        let committee = results
            .iter()
            .enumerate()
            .map(|(index, (worker, result))| MemberView {
                worker: worker.to_string(),
                deadline_slot: job.member_deadline(index),
                output_hash: result.as_ref().map(|result| hex::encode(result.output_hash)),
                submitted_slot: result.as_ref().map(|result| result.submitted_slot.get()),
                winner: quorum_reached
                    && result.as_ref().is_some_and(|result| result.output_hash == job.winning_output_hash),
                settled: job.is_settled(index),
                penalized: job.is_penalized(index),
                da_failed: job.is_da_failed(index),
            })
            .collect();
        JobView {
            job_id: hex::encode(job.job_id),
            job: pda::job_address(&job.job_id).to_string(),
            status: status_name(job),
            client: job.client.to_string(),
            escrow_lamports: job.escrow_lamports.get(),
            posted_escrow_lamports: job.posted_escrow_lamports.get(),
            rent_reserve_lamports: job.rent_reserve_lamports.get(),
            input_unavailable,
            bundle_hash: hex::encode(job.bundle_hash),
            runtime_id: hex::encode(job.runtime_id),
            max_instructions: job.max_instructions.get(),
            max_memory_bytes: job.max_memory_bytes.get(),
            committee_size: job.committee_size,
            quorum: job.quorum,
            timeline,
            committee,
            replaced_workers: job.replaced().iter().map(ToString::to_string).collect(),
            winning_output_hash: quorum_reached.then(|| hex::encode(job.winning_output_hash)),
            output: output.map(|output| OutputView {
                output_hash: hex::encode(output.output_hash),
                publisher: output.publisher.to_string(),
                pointer: String::from_utf8_lossy(output.pointer_bytes()).into_owned(),
                published_slot: output.published_slot.get(),
            }),
            payout,
            slot,
            next: crate::explain(job, results, output, slot),
        }
    }
}
