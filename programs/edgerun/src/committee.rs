//! Walking a job's committee through remaining accounts.
//!
//! Permissionless instructions that judge "all assigned workers" take, for every assigned worker
//! in assignment order, that worker's JobResult PDA (existing or not) followed by its WorkerStake
//! PDA. Every address is re-derived from the job and the worker, so a caller can never omit,
//! repeat or reorder a worker to change an outcome. The derivations use the stored canonical bumps
//! (one hash each, no search): the JobResult bump was found at assignment, the WorkerStake bump is
//! in the program-owned account itself.

use anchor_lang::prelude::*;
use core::mem::size_of;
use pinocchio::account::{Ref, RefMut};

use crate::constants::{JOB_RESULT_SEED, WORKER_STAKE_SEED};
use crate::errors::EdgerunError;
use crate::state::{Job, JobResult, WorkerStake};

/// Accounts per committee member in remaining accounts: JobResult PDA, WorkerStake PDA.
pub const ACCOUNTS_PER_MEMBER: usize = 2;

/// JobResult PDA of `worker` for `job_id` with a known bump (no curve check: the bump was found
/// canonically by `find_program_address` at assignment, or the account is program owned).
pub fn job_result_address(job_id: &[u8; 32], worker: &Address, bump: u8, program_id: &Address) -> Address {
    Address::derive_address(&[JOB_RESULT_SEED, job_id.as_ref(), worker.as_ref()], Some(bump), program_id)
}

/// WorkerStake PDA of `worker` with a known bump.
pub fn worker_stake_address(worker: &Address, bump: u8, program_id: &Address) -> Address {
    Address::derive_address(&[WORKER_STAKE_SEED, worker.as_ref()], Some(bump), program_id)
}

/// The body of a zero-copy account of type `T`, if `data` has its exact size and discriminator.
pub fn account_body<T: Discriminator>(data: &[u8]) -> Option<&[u8]> {
    let disc = T::DISCRIMINATOR;
    if data.len() != disc.len() + size_of::<T>() || &data[..disc.len()] != disc {
        return None;
    }
    Some(&data[disc.len()..])
}

/// Reads the output hash of `worker`'s result, proving first that `view` is that worker's JobResult
/// PDA. `None`: the worker has not submitted (the PDA holds no program-owned data).
pub fn read_result(view: &AccountView, job: &Job, index: usize, program_id: &Address) -> Result<Option<[u8; 32]>> {
    let worker = &job.assigned_workers[index];
    let expected = job_result_address(&job.job_id, worker, job.result_bumps[index], program_id);
    if view.address() != &expected {
        return Err(EdgerunError::InvalidJobResultAccount.into());
    }
    if !view.owned_by(program_id) {
        // Never created (possibly pre-funded by someone): not submitted.
        return if view.is_data_empty() { Ok(None) } else { Err(EdgerunError::InvalidJobResultAccount.into()) };
    }
    let data = view.try_borrow()?;
    let body = account_body::<JobResult>(&data).ok_or(EdgerunError::InvalidJobResultAccount)?;
    let result: &JobResult = bytemuck::from_bytes(body);
    Ok(Some(result.output_hash))
}

/// Checks that `view` is the WorkerStake PDA of `worker` and returns its (mutable) data.
pub fn load_worker_stake_mut<'a>(
    view: &'a mut AccountView,
    worker: &Address,
    program_id: &Address,
) -> Result<RefMut<'a, WorkerStake>> {
    if !view.owned_by(program_id) || !view.is_writable() {
        return Err(EdgerunError::InvalidWorkerStakeAccount.into());
    }
    let address = *view.address();
    let data = view.try_borrow_mut()?;
    let stake = RefMut::try_map(data, |data| {
        let disc = WorkerStake::DISCRIMINATOR;
        if data.len() != disc.len() + size_of::<WorkerStake>() || &data[..disc.len()] != disc {
            return Err(());
        }
        Ok(bytemuck::from_bytes_mut::<WorkerStake>(&mut data[disc.len()..]))
    })
    .map_err(|_| EdgerunError::InvalidWorkerStakeAccount)?;
    if &stake.worker != worker || worker_stake_address(worker, stake.bump, program_id) != address {
        return Err(EdgerunError::InvalidWorkerStakeAccount.into());
    }
    Ok(stake)
}

/// Read-only variant of [`load_worker_stake_mut`].
pub fn load_worker_stake<'a>(
    view: &'a AccountView,
    worker: &Address,
    program_id: &Address,
) -> Result<Ref<'a, WorkerStake>> {
    if !view.owned_by(program_id) {
        return Err(EdgerunError::InvalidWorkerStakeAccount.into());
    }
    let data = view.try_borrow()?;
    let stake =
        Ref::try_map(data, |data| account_body::<WorkerStake>(data).map(bytemuck::from_bytes::<WorkerStake>).ok_or(()))
            .map_err(|_| EdgerunError::InvalidWorkerStakeAccount)?;
    if &stake.worker != worker || worker_stake_address(worker, stake.bump, program_id) != *view.address() {
        return Err(EdgerunError::InvalidWorkerStakeAccount.into());
    }
    Ok(stake)
}

/// Output hash submitted by each committee member (`None`: no result), verifying every address.
pub fn read_all_results(
    job: &Job,
    remaining: &[AccountView],
    program_id: &Address,
) -> Result<[Option<[u8; 32]>; crate::constants::MAX_COMMITTEE_SIZE]> {
    if remaining.len() != usize::from(job.assigned_count) * ACCOUNTS_PER_MEMBER {
        return Err(EdgerunError::WrongRemainingAccounts.into());
    }
    let mut results = [None; crate::constants::MAX_COMMITTEE_SIZE];
    for (index, slot) in results.iter_mut().enumerate().take(usize::from(job.assigned_count)) {
        *slot = read_result(&remaining[index * ACCOUNTS_PER_MEMBER], job, index, program_id)?;
    }
    Ok(results)
}
