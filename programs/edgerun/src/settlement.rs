//! Lamport and stake movements shared by every ending of a job. Escrow lives in the Job account and
//! stake in WorkerStake accounts, both owned by this program, so every movement is a direct,
//! checked debit and credit: no CPI, no lamport created or lost.

use anchor_lang::prelude::*;
use pinocchio::cpi::{Seed, Signer as PdaSigner};
use pinocchio_system::instructions::{Allocate, Assign};

use crate::errors::EdgerunError;
use crate::events::WorkerPenalized;
use crate::state::{Job, Treasury, WorkerStake};

/// Moves `amount` lamports from a program-owned account to any writable account.
pub fn move_lamports(from: &mut AccountView, to: &mut AccountView, amount: u64) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    // The same account on both sides would credit without debiting.
    if from.address() == to.address() {
        return Err(EdgerunError::WrongRemainingAccounts.into());
    }
    let from_balance = from.lamports().checked_sub(amount).ok_or(EdgerunError::ArithmeticOverflow)?;
    let to_balance = to.lamports().checked_add(amount).ok_or(EdgerunError::ArithmeticOverflow)?;
    from.set_lamports(from_balance);
    to.set_lamports(to_balance);
    Ok(())
}

pub fn checked_add(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b).ok_or_else(|| EdgerunError::ArithmeticOverflow.into())
}

pub fn checked_sub(a: u64, b: u64) -> Result<u64> {
    a.checked_sub(b).ok_or_else(|| EdgerunError::ArithmeticOverflow.into())
}

/// Takes a new job lock of `amount` on `stake`, which must have that much unlocked.
pub fn lock_stake(stake: &mut WorkerStake, amount: u64) -> Result<()> {
    if stake.unlocked_stake() < amount {
        return Err(EdgerunError::InsufficientUnlockedStake.into());
    }
    stake.locked_stake = checked_add(stake.locked_stake.get(), amount)?.into();
    stake.jobs_assigned = checked_add(stake.jobs_assigned.get(), 1)?.into();
    Ok(())
}

/// Releases a job lock of `amount`: the stake stays the worker's.
pub fn release_lock(stake: &mut WorkerStake, amount: u64) -> Result<()> {
    stake.locked_stake =
        stake.locked_stake.get().checked_sub(amount).ok_or(EdgerunError::StakeInvariantViolated)?.into();
    Ok(())
}

/// Where slashed and penalized stake goes.
pub struct TreasuryRef<'a> {
    pub view: AccountView,
    pub state: &'a mut Treasury,
}

/// Slashes the job lock of a worker whose result lost: `amount` leaves its stake for the treasury.
pub fn slash_lock(
    stake: &mut WorkerStake,
    stake_view: &mut AccountView,
    treasury: &mut TreasuryRef<'_>,
    amount: u64,
) -> Result<()> {
    release_lock(stake, amount)?;
    stake.total_stake = checked_sub(stake.total_stake.get(), amount)?.into();
    stake.slashed_lamports = checked_add(stake.slashed_lamports.get(), amount)?.into();
    stake.jobs_slashed = checked_add(stake.jobs_slashed.get(), 1)?.into();
    move_lamports(stake_view, &mut treasury.view, amount)?;
    treasury.state.slashes_collected = checked_add(treasury.state.slashes_collected.get(), amount)?.into();
    Ok(())
}

/// Non-response penalty of a silent committee member: `amount` leaves the stake the job locked
/// (locked and total alike) for the treasury. Taking it from the lock, never from free stake,
/// is what makes it unavoidable: a worker cannot dodge it by withdrawing its free stake.
pub fn take_penalty(
    stake: &mut WorkerStake,
    stake_view: &mut AccountView,
    treasury: &mut TreasuryRef<'_>,
    amount: u64,
) -> Result<()> {
    release_lock(stake, amount)?;
    stake.total_stake = checked_sub(stake.total_stake.get(), amount)?.into();
    stake.penalized_lamports = checked_add(stake.penalized_lamports.get(), amount)?.into();
    stake.jobs_missed = checked_add(stake.jobs_missed.get(), 1)?.into();
    move_lamports(stake_view, &mut treasury.view, amount)?;
    treasury.state.penalties_collected = checked_add(treasury.state.penalties_collected.get(), amount)?.into();
    Ok(())
}

/// Charges committee slot `index` of `job` its non-response penalty (once per job: the slot is
/// marked) while the job still holds its lock; the lock it keeps shrinks by the same amount.
// Inlined: five arguments plus the result pointer exceed the SBF calling convention's five registers.
#[inline(always)]
pub fn penalize_member(
    job: &mut Job,
    index: usize,
    stake: &mut WorkerStake,
    stake_view: &mut AccountView,
    treasury: &mut TreasuryRef<'_>,
) -> Result<()> {
    require!(!job.is_penalized(index) && !job.is_settled(index), EdgerunError::StakeInvariantViolated);
    let amount = job.penalty_amount();
    take_penalty(stake, stake_view, treasury, amount)?;
    job.mark_penalized(index);
    emit!(WorkerPenalized { job_id: job.job_id, worker: job.assigned_workers[index], amount });
    Ok(())
}

/// Releases what `job` still locks of committee slot `index` (its lock less any penalty taken
/// from it) and marks the slot settled, so no lock is ever released twice.
pub fn release_member(job: &mut Job, index: usize, stake: &mut WorkerStake) -> Result<()> {
    require!(!job.is_settled(index), EdgerunError::StakeInvariantViolated);
    release_lock(stake, job.held_lock(index))?;
    job.mark_settled(index);
    Ok(())
}

/// Closes a program-owned account: its lamports go to `recipient`, its data is scrubbed and it is
/// handed back to the system program.
pub fn close_account(account: &mut AccountView, recipient: &mut AccountView) -> Result<()> {
    let lamports = account.lamports();
    move_lamports(account, recipient, lamports)?;
    {
        let mut data = account.try_borrow_mut()?;
        data.fill(0);
    }
    account.close()?;
    Ok(())
}

/// Ends `job` with a full refund at `slot` (`cancel_expired_job`, `settle_input_unavailable`):
/// members silent past their own deadline pay the penalty once, every lock is released, the
/// escrow goes back to the client, and the job is Cancelled. `remaining` is the committee walk
/// (JobResult, WorkerStake) whose results are `results`. Returns the refund.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn end_with_refund(
    job: &mut Job,
    job_view: &mut AccountView,
    client_view: &mut AccountView,
    results: &[Option<[u8; 32]>],
    remaining: &mut [AccountView],
    treasury: &mut TreasuryRef<'_>,
    slot: u64,
    program_id: &Address,
) -> Result<u64> {
    crate::instructions::penalize_non_submitters::penalize_silent(job, results, remaining, treasury, slot, program_id)?;
    for index in 0..usize::from(job.assigned_count) {
        let worker = job.assigned_workers[index];
        let view = &mut remaining[index * crate::committee::ACCOUNTS_PER_MEMBER + 1];
        let mut stake = crate::committee::load_worker_stake_mut(view, &worker, program_id)?;
        release_member(job, index, &mut stake)?;
    }
    let refund = job.escrow_lamports.get();
    move_lamports(job_view, client_view, refund)?;
    job.escrow_lamports = 0.into();
    job.set_status(crate::state::JobStatus::Cancelled);
    job.ended_slot = slot.into();
    Ok(refund)
}

/// Space of a zero-copy account of type `T`: discriminator + body.
pub const fn account_space<T: Discriminator>() -> usize {
    T::DISCRIMINATOR.len() + core::mem::size_of::<T>()
}

/// Rent-exempt minimum of a zero-copy account of type `T`.
pub fn account_rent<T: Discriminator>() -> Result<u64> {
    anchor_lang::cpi::rent_exempt_lamports(account_space::<T>())
}

/// Creates the program-owned account of type `T` at the PDA `target` (its `seeds`, bump
/// included), its rent paid from `job`'s rent reserve, holding the discriminator and `body`. The
/// system program allocates and assigns the PDA, signed by its seeds, then
/// the rent moves from the Job account by a direct debit (the program owns it). Lamports someone
/// sent to the address beforehand count toward the rent (and reach the client at `close_job`).
pub fn create_from_reserve<T: Discriminator + bytemuck::Pod>(
    job: &mut Job,
    job_view: &mut AccountView,
    target: &mut AccountView,
    seeds: &[Seed],
    program_id: &Address,
    body: &T,
) -> Result<()> {
    let space = account_space::<T>();
    let top_up = account_rent::<T>()?.saturating_sub(target.lamports());
    let reserve = job.rent_reserve_lamports.get().checked_sub(top_up).ok_or(EdgerunError::RentReserveExhausted)?;
    // The system program first, the lamports after: a CPI syncs only the accounts it is given, so
    // a debit of the Job made before it would look to the runtime like lamports created from
    // nothing (`UnbalancedInstruction`). Rent exemption is judged when the instruction ends.
    Allocate { account: target, space: space as u64 }.invoke_signed(&[PdaSigner::from(seeds)])?;
    Assign { account: target, owner: program_id }.invoke_signed(&[PdaSigner::from(seeds)])?;
    move_lamports(job_view, target, top_up)?;
    job.rent_reserve_lamports = reserve.into();
    let mut data = target.try_borrow_mut()?;
    let (discriminator, rest) = data.split_at_mut(T::DISCRIMINATOR.len());
    discriminator.copy_from_slice(T::DISCRIMINATOR);
    rest.copy_from_slice(bytemuck::bytes_of(body));
    Ok(())
}

/// Closes a JobResult or OutputAvailability the job's reserve paid for while the job lives on:
/// its rent goes back into the reserve, for the account that replaces it.
pub fn close_into_reserve(job: &mut Job, account: &mut AccountView, job_view: &mut AccountView) -> Result<()> {
    let lamports = account.lamports();
    close_account(account, job_view)?;
    job.rent_reserve_lamports = checked_add(job.rent_reserve_lamports.get(), lamports)?.into();
    Ok(())
}

/// Current slot from the Clock sysvar.
pub fn current_slot() -> Result<u64> {
    Ok(Clock::get()?.slot)
}
