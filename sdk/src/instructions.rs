//! Instruction builders for every Edgerun instruction. Account lists and data come from the
//! program crate's generated client types (`edgerun::accounts`, `edgerun::instruction`), so a
//! layout, seed or discriminator is never re-declared here.

use anchor_lang::{InstructionData, ToAccountMetas};
use edgerun::instructions::{ConfigParams, PostJobArgs};
use edgerun::state::Job;
use solana_address::Address;
use solana_instruction::{AccountMeta, Instruction};

use crate::pda::{
    config_address, job_address, job_result_address, output_address, program_data_address, treasury_address,
    worker_stake_address,
};

/// Native system program.
pub const SYSTEM_PROGRAM_ID: Address = Address::new_from_array([0u8; 32]);
/// The instructions sysvar (read by `submit_result` to find the attestation).
pub const INSTRUCTIONS_SYSVAR_ID: Address = edgerun::ed25519::INSTRUCTIONS_SYSVAR_ID;

fn instruction(data: Vec<u8>, accounts: Vec<AccountMeta>) -> Instruction {
    Instruction { program_id: edgerun::ID, accounts, data }
}

/// A committee member's accounts for the permissionless committee walkers (`reach_quorum`,
/// `finalize_job`, `penalize_non_submitters`, `cancel_no_da`, `cancel_expired_job`): its JobResult
/// PDA then its WorkerStake PDA, in assignment order.
pub fn committee_accounts(job_id: &[u8; 32], committee: &[Address], writable_stakes: bool) -> Vec<AccountMeta> {
    committee
        .iter()
        .flat_map(|worker| {
            let stake = worker_stake_address(worker);
            [
                AccountMeta::new_readonly(job_result_address(job_id, worker), false),
                if writable_stakes { AccountMeta::new(stake, false) } else { AccountMeta::new_readonly(stake, false) },
            ]
        })
        .collect()
}

/// An instruction over a whole committee: its named accounts, then [`committee_accounts`].
fn committee_instruction(
    data: Vec<u8>,
    mut accounts: Vec<AccountMeta>,
    job_id: &[u8; 32],
    committee: &[Address],
    writable_stakes: bool,
) -> Instruction {
    accounts.extend(committee_accounts(job_id, committee, writable_stakes));
    instruction(data, accounts)
}

/// `initialize_config`, signed by the program's upgrade authority (who becomes admin).
pub fn initialize_config(admin: &Address, params: ConfigParams) -> Instruction {
    let accounts = edgerun::accounts::InitializeConfig {
        admin: *admin,
        config: config_address(),
        treasury: treasury_address(),
        program_data: program_data_address(),
        system_program: SYSTEM_PROGRAM_ID,
    };
    instruction(edgerun::instruction::InitializeConfig { params }.data(), accounts.to_account_metas(None))
}

pub fn update_config(admin: &Address, params: ConfigParams) -> Instruction {
    let accounts = edgerun::accounts::UpdateConfig { admin: *admin, config: config_address() };
    instruction(edgerun::instruction::UpdateConfig { params }.data(), accounts.to_account_metas(None))
}

/// First step of an admin handover (`Address::default()` withdraws a proposal).
pub fn propose_admin(admin: &Address, new_admin: &Address) -> Instruction {
    let accounts = edgerun::accounts::ProposeAdmin { admin: *admin, config: config_address() };
    instruction(edgerun::instruction::ProposeAdmin { new_admin: *new_admin }.data(), accounts.to_account_metas(None))
}

/// Second step of an admin handover, signed by the proposed admin.
pub fn accept_admin(new_admin: &Address) -> Instruction {
    let accounts = edgerun::accounts::AcceptAdmin { new_admin: *new_admin, config: config_address() };
    instruction(edgerun::instruction::AcceptAdmin {}.data(), accounts.to_account_metas(None))
}

pub fn register_worker(worker: &Address) -> Instruction {
    let accounts = edgerun::accounts::RegisterWorker {
        worker: *worker,
        worker_stake: worker_stake_address(worker),
        system_program: SYSTEM_PROGRAM_ID,
    };
    instruction(edgerun::instruction::RegisterWorker {}.data(), accounts.to_account_metas(None))
}

pub fn deposit_stake(worker: &Address, amount: u64) -> Instruction {
    let accounts = edgerun::accounts::DepositStake {
        worker: *worker,
        worker_stake: worker_stake_address(worker),
        system_program: SYSTEM_PROGRAM_ID,
    };
    instruction(edgerun::instruction::DepositStake { amount }.data(), accounts.to_account_metas(None))
}

pub fn withdraw_stake(worker: &Address, amount: u64) -> Instruction {
    let accounts = edgerun::accounts::WithdrawStake { worker: *worker, worker_stake: worker_stake_address(worker) };
    instruction(edgerun::instruction::WithdrawStake { amount }.data(), accounts.to_account_metas(None))
}

pub fn withdraw_treasury(admin: &Address, recipient: &Address, amount: u64) -> Instruction {
    let accounts = edgerun::accounts::WithdrawTreasury {
        admin: *admin,
        config: config_address(),
        treasury: treasury_address(),
        recipient: *recipient,
    };
    instruction(edgerun::instruction::WithdrawTreasury { amount }.data(), accounts.to_account_metas(None))
}

pub fn post_job(client: &Address, args: PostJobArgs) -> Instruction {
    let accounts = edgerun::accounts::PostJob {
        client: *client,
        config: config_address(),
        job: job_address(&args.job_id),
        system_program: SYSTEM_PROGRAM_ID,
    };
    instruction(edgerun::instruction::PostJob { args }.data(), accounts.to_account_metas(None))
}

pub fn cancel_job(client: &Address, job_id: &[u8; 32]) -> Instruction {
    let accounts = edgerun::accounts::CancelJob { client: *client, job: job_address(job_id) };
    instruction(edgerun::instruction::CancelJob {}.data(), accounts.to_account_metas(None))
}

pub fn set_job_seed(randomness_authority: &Address, job_id: &[u8; 32], seed: [u8; 32]) -> Instruction {
    let accounts = edgerun::accounts::SetJobSeed {
        randomness_authority: *randomness_authority,
        config: config_address(),
        job: job_address(job_id),
    };
    instruction(edgerun::instruction::SetJobSeed { seed }.data(), accounts.to_account_metas(None))
}

pub fn assign_workers(scheduler_authority: &Address, job_id: &[u8; 32], workers: &[Address]) -> Instruction {
    let accounts = edgerun::accounts::AssignWorkers {
        scheduler_authority: *scheduler_authority,
        config: config_address(),
        job: job_address(job_id),
    };
    let mut metas = accounts.to_account_metas(None);
    metas.extend(workers.iter().map(|worker| AccountMeta::new(worker_stake_address(worker), false)));
    instruction(edgerun::instruction::AssignWorkers { workers: workers.to_vec() }.data(), metas)
}

/// `submit_result`; must come right after [`crate::attestation::attestation_instruction`] in the
/// same transaction.
pub fn submit_result(
    worker: &Address,
    job_id: &[u8; 32],
    output_hash: [u8; 32],
    attestation_sig: [u8; 64],
) -> Instruction {
    let accounts = edgerun::accounts::SubmitResult {
        worker: *worker,
        job: job_address(job_id),
        job_result: job_result_address(job_id, worker),
        instructions_sysvar: INSTRUCTIONS_SYSVAR_ID,
        system_program: SYSTEM_PROGRAM_ID,
    };
    instruction(
        edgerun::instruction::SubmitResult { output_hash, attestation_sig }.data(),
        accounts.to_account_metas(None),
    )
}

pub fn reach_quorum(job_id: &[u8; 32], committee: &[Address]) -> Instruction {
    let accounts = edgerun::accounts::ReachQuorum { job: job_address(job_id) };
    committee_instruction(
        edgerun::instruction::ReachQuorum {}.data(),
        accounts.to_account_metas(None),
        job_id,
        committee,
        false,
    )
}

pub fn declare_output(publisher: &Address, job_id: &[u8; 32], output_hash: [u8; 32], pointer: &[u8]) -> Instruction {
    let accounts = edgerun::accounts::DeclareOutput {
        publisher: *publisher,
        job: job_address(job_id),
        job_result: job_result_address(job_id, publisher),
        output_availability: output_address(job_id),
        system_program: SYSTEM_PROGRAM_ID,
    };
    instruction(
        edgerun::instruction::DeclareOutput { output_hash, pointer: pointer.to_vec() }.data(),
        accounts.to_account_metas(None),
    )
}

pub fn finalize_job(job_id: &[u8; 32], committee: &[Address]) -> Instruction {
    let accounts = edgerun::accounts::FinalizeJob {
        job: job_address(job_id),
        output_availability: output_address(job_id),
        treasury: treasury_address(),
    };
    committee_instruction(
        edgerun::instruction::FinalizeJob {}.data(),
        accounts.to_account_metas(None),
        job_id,
        committee,
        true,
    )
}

pub fn penalize_non_submitters(job_id: &[u8; 32], committee: &[Address]) -> Instruction {
    let accounts = edgerun::accounts::PenalizeNonSubmitters { job: job_address(job_id), treasury: treasury_address() };
    committee_instruction(
        edgerun::instruction::PenalizeNonSubmitters {}.data(),
        accounts.to_account_metas(None),
        job_id,
        committee,
        true,
    )
}

pub fn reassign_missing(
    scheduler_authority: &Address,
    job_id: &[u8; 32],
    missing_worker: &Address,
    replacement_worker: &Address,
) -> Instruction {
    let accounts = edgerun::accounts::ReassignMissing {
        scheduler_authority: *scheduler_authority,
        config: config_address(),
        job: job_address(job_id),
        treasury: treasury_address(),
        missing_job_result: job_result_address(job_id, missing_worker),
        missing_worker_stake: worker_stake_address(missing_worker),
        replacement_worker_stake: worker_stake_address(replacement_worker),
    };
    instruction(
        edgerun::instruction::ReassignMissing {
            missing_worker: *missing_worker,
            replacement_worker: *replacement_worker,
        }
        .data(),
        accounts.to_account_metas(None),
    )
}

pub fn cancel_no_da(job_id: &[u8; 32], committee: &[Address]) -> Instruction {
    let accounts = edgerun::accounts::CancelNoDa {
        job: job_address(job_id),
        output_availability: output_address(job_id),
        treasury: treasury_address(),
    };
    committee_instruction(
        edgerun::instruction::CancelNoDa {}.data(),
        accounts.to_account_metas(None),
        job_id,
        committee,
        true,
    )
}

pub fn cancel_expired_job(job_id: &[u8; 32], client: &Address, committee: &[Address]) -> Instruction {
    let accounts =
        edgerun::accounts::CancelExpiredJob { job: job_address(job_id), client: *client, treasury: treasury_address() };
    committee_instruction(
        edgerun::instruction::CancelExpiredJob {}.data(),
        accounts.to_account_metas(None),
        job_id,
        committee,
        true,
    )
}

/// `settle_input_unavailable`: the committee's quorum attested the job's input unavailable; the
/// client is refunded and every member that answered is released whole.
pub fn settle_input_unavailable(job_id: &[u8; 32], client: &Address, committee: &[Address]) -> Instruction {
    let accounts = edgerun::accounts::SettleInputUnavailable {
        job: job_address(job_id),
        client: *client,
        treasury: treasury_address(),
    };
    committee_instruction(
        edgerun::instruction::SettleInputUnavailable {}.data(),
        accounts.to_account_metas(None),
        job_id,
        committee,
        true,
    )
}

/// `set_worker_capacity`: what the worker's machine can run (concurrent executions, wasm
/// instructions per second of one execution).
pub fn set_worker_capacity(worker: &Address, max_concurrent_jobs: u16, instructions_per_second: u64) -> Instruction {
    let accounts = edgerun::accounts::SetWorkerCapacity { worker: *worker, worker_stake: worker_stake_address(worker) };
    instruction(
        edgerun::instruction::SetWorkerCapacity { max_concurrent_jobs, instructions_per_second }.data(),
        accounts.to_account_metas(None),
    )
}

/// `close_job` for `job`: every lamport of its accounts (the Job, each JobResult, the
/// OutputAvailability) goes back to the client.
pub fn close_job(job: &Job) -> Instruction {
    let accounts = edgerun::accounts::CloseJob {
        job: job_address(&job.job_id),
        client: job.client,
        output_availability: output_address(&job.job_id),
    };
    let mut metas = accounts.to_account_metas(None);
    metas.extend(job.committee().iter().map(|worker| AccountMeta::new(job_result_address(&job.job_id, worker), false)));
    instruction(edgerun::instruction::CloseJob {}.data(), metas)
}
