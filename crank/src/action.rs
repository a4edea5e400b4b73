//! The seven permissionless instructions that move a job along, by name, with the statuses the
//! program accepts them in and their instruction built from nothing but the job's own account.
//!
//! Anyone may send them; the program decides from the job's state (and the clock) whether they
//! apply. So the crank never needs a key of its own beyond a fee payer, and every account an
//! instruction names is derived from the Job: its id, its client and its committee.

use std::fmt;

use edgerun::constants::MAX_COMMITTEE_SIZE;
use edgerun::state::{Job, JobStatus};
use edgerun_sdk::instructions as ix;
use solana_address::Address;
use solana_instruction::Instruction;

/// One permissionless instruction that advances a job.
///
/// Serialized as its [`command`](CrankAction::command) (`"reach-quorum"`, ...), the name people
/// type, so JSON output and the command line say the same thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrankAction {
    /// `reach_quorum`: a quorum of agreeing results becomes the winner; the DA window opens.
    ReachQuorum,
    /// `settle_input_unavailable`: a quorum attested the job's input unavailable; refund, and
    /// every member that answered is released whole.
    SettleInputUnavailable,
    /// `finalize_job`: the winning output is declared available; pay, slash, penalize, release.
    Finalize,
    /// `penalize_non_submitters`: members silent past their own deadline pay the penalty once.
    Penalize,
    /// `cancel_no_da`: the DA window lapsed without a declared output; the job reopens.
    CancelNoDa,
    /// `cancel_expired_job`: no quorum by the deadline plus a challenge window; refund.
    CancelExpired,
    /// `close_job`: an ended job's retention window passed; every rent goes back to the client.
    Close,
}

impl CrankAction {
    pub const ALL: [CrankAction; 7] = [
        CrankAction::ReachQuorum,
        CrankAction::SettleInputUnavailable,
        CrankAction::Finalize,
        CrankAction::Penalize,
        CrankAction::CancelNoDa,
        CrankAction::CancelExpired,
        CrankAction::Close,
    ];

    /// The command-line name: `reach-quorum`, `settle-input-unavailable`, `finalize`, `penalize`, `cancel-no-da`,
    /// `cancel-expired`, `close`.
    pub fn command(self) -> &'static str {
        match self {
            CrankAction::ReachQuorum => "reach-quorum",
            CrankAction::SettleInputUnavailable => "settle-input-unavailable",
            CrankAction::Finalize => "finalize",
            CrankAction::Penalize => "penalize",
            CrankAction::CancelNoDa => "cancel-no-da",
            CrankAction::CancelExpired => "cancel-expired",
            CrankAction::Close => "close",
        }
    }

    /// The program's instruction name (as in `idl/edgerun.json`).
    pub fn instruction_name(self) -> &'static str {
        match self {
            CrankAction::ReachQuorum => "reach_quorum",
            CrankAction::SettleInputUnavailable => "settle_input_unavailable",
            CrankAction::Finalize => "finalize_job",
            CrankAction::Penalize => "penalize_non_submitters",
            CrankAction::CancelNoDa => "cancel_no_da",
            CrankAction::CancelExpired => "cancel_expired_job",
            CrankAction::Close => "close_job",
        }
    }

    /// The job statuses the instruction accepts (its `require_status` in the program); in any
    /// other it fails with `InvalidJobStatus`.
    pub fn statuses(self) -> &'static [JobStatus] {
        match self {
            CrankAction::ReachQuorum | CrankAction::SettleInputUnavailable | CrankAction::CancelExpired => {
                &[JobStatus::Assigned]
            }
            CrankAction::Finalize | CrankAction::CancelNoDa => &[JobStatus::AwaitingDa],
            CrankAction::Penalize => &[JobStatus::Assigned, JobStatus::AwaitingDa, JobStatus::Finalized],
            CrankAction::Close => &[JobStatus::Finalized, JobStatus::Cancelled],
        }
    }

    /// The instruction for `job`, built from the job's own state (id, client, committee) with the
    /// SDK's builders. A job whose committee count is out of range (never written by the program)
    /// gets an instruction over no committee, which the program refuses; nothing here panics.
    pub fn instruction(self, job: &Job) -> Instruction {
        let committee = committee(job);
        match self {
            CrankAction::ReachQuorum => ix::reach_quorum(&job.job_id, committee),
            CrankAction::SettleInputUnavailable => ix::settle_input_unavailable(&job.job_id, &job.client, committee),
            CrankAction::Finalize => ix::finalize_job(&job.job_id, committee),
            CrankAction::Penalize => ix::penalize_non_submitters(&job.job_id, committee),
            CrankAction::CancelNoDa => ix::cancel_no_da(&job.job_id, committee),
            CrankAction::CancelExpired => ix::cancel_expired_job(&job.job_id, &job.client, committee),
            CrankAction::Close => {
                let mut bounded = *job;
                bounded.assigned_count = u8::try_from(committee.len()).unwrap_or(0);
                ix::close_job(&bounded)
            }
        }
    }
}

impl fmt::Display for CrankAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.command())
    }
}

/// The job's committee, or none when `assigned_count` is out of range: no instruction can
/// advance such a job (the judge says so), so none is built naming members it does not have.
pub(crate) fn committee(job: &Job) -> &[Address] {
    if well_formed(job) {
        job.committee()
    } else {
        &[]
    }
}

/// Whether the job's committee count is one the program can write.
pub(crate) fn well_formed(job: &Job) -> bool {
    usize::from(job.assigned_count) <= MAX_COMMITTEE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names agree with each other, with serde, and with the program's IDL (the instruction
    /// built for each action carries the discriminator the IDL gives its name).
    #[test]
    fn names_match_the_idl_and_each_other() {
        let idl: serde_json::Value = serde_json::from_str(include_str!("../../idl/edgerun.json")).expect("the IDL");
        let instructions = idl["instructions"].as_array().expect("IDL instructions");
        let mut job: Job = bytemuck::Zeroable::zeroed();
        job.assigned_count = 1;
        let mut seen = std::collections::HashSet::new();
        for action in CrankAction::ALL {
            assert!(seen.insert(action.command()), "{action} twice");
            assert_eq!(serde_json::to_value(action).unwrap(), action.command());
            assert_eq!(action.to_string(), action.command());
            let entry = instructions
                .iter()
                .find(|entry| entry["name"] == action.instruction_name())
                .unwrap_or_else(|| panic!("{} is not in the IDL", action.instruction_name()));
            let discriminator: Vec<u8> = serde_json::from_value(entry["discriminator"].clone()).unwrap();
            let instruction = action.instruction(&job);
            assert!(instruction.data.starts_with(&discriminator), "{action}");
            assert_eq!(instruction.program_id, edgerun::ID);
        }
    }
}
