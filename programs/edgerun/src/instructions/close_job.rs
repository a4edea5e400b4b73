//! `close_job` (permissionless): after an ending and the job's retention window, the Job, its
//! OutputAvailability and every JobResult are closed and their rent goes back to who paid it
//! (client, publisher, each worker).
//!
//! Remaining accounts: (JobResult PDA, worker wallet), both writable, per assigned worker, in
//! assignment order. The OutputAvailability's publisher is always a committee member (only a worker
//! with the winning result may declare, and a worker with a result is never replaced), so its rent
//! goes to that member's wallet.

use anchor_lang::prelude::*;

use crate::committee::{account_body, read_result};
use crate::constants::{JOB_SEED, OUTPUT_SEED};
use crate::errors::EdgerunError;
use crate::events::JobClosed;
use crate::settlement::{checked_add, close_account, current_slot};
use crate::state::{Job, JobStatus, OutputAvailability};

/// Accounts per committee member in `close_job`'s remaining accounts.
pub const CLOSE_ACCOUNTS_PER_MEMBER: usize = 2;

#[derive(Accounts)]
pub struct CloseJob {
    #[account(mut, seeds = [JOB_SEED, job.job_id.as_ref()], bump = job.bump, close = client)]
    pub job: Account<Job>,
    /// CHECK: the job's client (address checked), receives the Job's rent. `dup`: a client may also
    /// sit on its own job's committee, and then its wallet is also a remaining account.
    #[account(unsafe(dup), address = job.client @ EdgerunError::NotJobClient)]
    pub client: UncheckedAccount,
    /// CHECK: the job's OutputAvailability PDA (checked by seeds); closed if it exists.
    #[account(mut, seeds = [OUTPUT_SEED, job.job_id.as_ref()], bump)]
    pub output_availability: UncheckedAccount,
}

// Own SBF stack frame: inlined into the dispatcher, every handler's locals would share one 4 KiB frame.
#[inline(never)]
pub fn process_close_job(ctx: &mut Context<CloseJob>) -> Result<()> {
    let program_id = *ctx.program_id;
    let mut remaining = ctx.remaining_accounts()?;
    let job = &ctx.accounts.job;
    job.require_status(&[JobStatus::Finalized, JobStatus::Cancelled])?;
    require!(
        current_slot()? >= checked_add(job.ended_slot.get(), job.retention_slots.get())?,
        EdgerunError::RetentionNotPassed
    );
    let count = usize::from(job.assigned_count);
    require!(remaining.len() == count * CLOSE_ACCOUNTS_PER_MEMBER, EdgerunError::WrongRemainingAccounts);

    for index in 0..count {
        let (result_view, wallet) = remaining[index * CLOSE_ACCOUNTS_PER_MEMBER..].split_at_mut(1);
        let (result_view, wallet) = (&mut result_view[0], &mut wallet[0]);
        require!(wallet.address() == &job.assigned_workers[index], EdgerunError::WrongRentRecipient);
        if read_result(result_view, job, index, &program_id)?.is_some() {
            close_account(result_view, wallet)?;
        }
    }

    let mut output_view = *ctx.accounts.output_availability.account();
    if output_view.owned_by(&program_id) {
        let publisher = {
            let data = output_view.try_borrow()?;
            let body = account_body::<OutputAvailability>(&data).ok_or(EdgerunError::InvalidOutputAccount)?;
            bytemuck::from_bytes::<OutputAvailability>(body).publisher
        };
        let index = job.committee_index(&publisher).ok_or(EdgerunError::WrongRentRecipient)?;
        let mut publisher_view = remaining[index * CLOSE_ACCOUNTS_PER_MEMBER + 1];
        close_account(&mut output_view, &mut publisher_view)?;
    }
    emit!(JobClosed { job_id: job.job_id });
    Ok(())
}
