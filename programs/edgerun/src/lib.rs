//! Edgerun on-chain program: escrow, stake, committees, attested results, quorum, data
//! availability, payout and slashing (whitepaper phase 2 + PROTOCOL.md).
//!
//! The same crate, built for the host, is the single source of account layouts, PDA seeds, digests
//! and instruction builders (`accounts::*`, `instruction::*`) for the SDK and the services.
#![no_std]

extern crate alloc;
// The IDL is printed by `#[test]` functions the Anchor macros emit under `idl-build`
// (`scripts/idl.sh`); they use `println!`/`format!`. Never part of the program.
#[cfg(all(test, feature = "idl-build"))]
#[macro_use]
extern crate std;

use anchor_lang::prelude::*;
#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

pub mod committee;
pub mod constants;
pub mod digest;
pub mod ed25519;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod settlement;
pub mod state;

use alloc::vec::Vec;
use instructions::*;

declare_id!("CUiimgkyHpoZcuuBbwPymG6nTE3ogEujbXzpE7otHWuk");

#[program]
pub mod edgerun {
    use super::*;

    #[discrim = 0]
    pub fn initialize_config(ctx: &mut Context<InitializeConfig>, params: ConfigParams) -> Result<()> {
        instructions::initialize_config::process_initialize_config(ctx, params)
    }

    #[discrim = 1]
    pub fn update_config(ctx: &mut Context<UpdateConfig>, params: ConfigParams) -> Result<()> {
        instructions::update_config::process_update_config(ctx, params)
    }

    #[discrim = 2]
    pub fn register_worker(ctx: &mut Context<RegisterWorker>) -> Result<()> {
        instructions::register_worker::process_register_worker(ctx)
    }

    #[discrim = 3]
    pub fn deposit_stake(ctx: &mut Context<DepositStake>, amount: u64) -> Result<()> {
        instructions::deposit_stake::process_deposit_stake(ctx, amount)
    }

    #[discrim = 4]
    pub fn withdraw_stake(ctx: &mut Context<WithdrawStake>, amount: u64) -> Result<()> {
        instructions::withdraw_stake::process_withdraw_stake(ctx, amount)
    }

    #[discrim = 5]
    pub fn withdraw_treasury(ctx: &mut Context<WithdrawTreasury>, amount: u64) -> Result<()> {
        instructions::withdraw_treasury::process_withdraw_treasury(ctx, amount)
    }

    #[discrim = 6]
    pub fn post_job(ctx: &mut Context<PostJob>, args: PostJobArgs) -> Result<()> {
        instructions::post_job::process_post_job(ctx, args)
    }

    #[discrim = 7]
    pub fn cancel_job(ctx: &mut Context<CancelJob>) -> Result<()> {
        instructions::cancel_job::process_cancel_job(ctx)
    }

    #[discrim = 8]
    pub fn set_job_seed(ctx: &mut Context<SetJobSeed>, seed: [u8; 32]) -> Result<()> {
        instructions::set_job_seed::process_set_job_seed(ctx, seed)
    }

    #[discrim = 9]
    pub fn assign_workers(ctx: &mut Context<AssignWorkers>, workers: Vec<Address>) -> Result<()> {
        instructions::assign_workers::process_assign_workers(ctx, workers)
    }

    #[discrim = 10]
    pub fn submit_result(
        ctx: &mut Context<SubmitResult>,
        output_hash: [u8; 32],
        attestation_sig: [u8; 64],
    ) -> Result<()> {
        instructions::submit_result::process_submit_result(ctx, output_hash, attestation_sig)
    }

    #[discrim = 11]
    pub fn reach_quorum(ctx: &mut Context<ReachQuorum>) -> Result<()> {
        instructions::reach_quorum::process_reach_quorum(ctx)
    }

    #[discrim = 12]
    pub fn declare_output(ctx: &mut Context<DeclareOutput>, output_hash: [u8; 32], pointer: Vec<u8>) -> Result<()> {
        instructions::declare_output::process_declare_output(ctx, output_hash, pointer)
    }

    #[discrim = 13]
    pub fn finalize_job(ctx: &mut Context<FinalizeJob>) -> Result<()> {
        instructions::finalize_job::process_finalize_job(ctx)
    }

    #[discrim = 14]
    pub fn penalize_non_submitters(ctx: &mut Context<PenalizeNonSubmitters>) -> Result<()> {
        instructions::penalize_non_submitters::process_penalize_non_submitters(ctx)
    }

    #[discrim = 15]
    pub fn reassign_missing(
        ctx: &mut Context<ReassignMissing>,
        missing_worker: Address,
        replacement_worker: Address,
    ) -> Result<()> {
        instructions::reassign_missing::process_reassign_missing(ctx, missing_worker, replacement_worker)
    }

    #[discrim = 16]
    pub fn cancel_no_da(ctx: &mut Context<CancelNoDa>) -> Result<()> {
        instructions::cancel_no_da::process_cancel_no_da(ctx)
    }

    #[discrim = 17]
    pub fn cancel_expired_job(ctx: &mut Context<CancelExpiredJob>) -> Result<()> {
        instructions::cancel_expired_job::process_cancel_expired_job(ctx)
    }

    #[discrim = 18]
    pub fn close_job(ctx: &mut Context<CloseJob>) -> Result<()> {
        instructions::close_job::process_close_job(ctx)
    }

    #[discrim = 19]
    pub fn propose_admin(ctx: &mut Context<ProposeAdmin>, new_admin: Address) -> Result<()> {
        instructions::propose_admin::process_propose_admin(ctx, new_admin)
    }

    #[discrim = 20]
    pub fn accept_admin(ctx: &mut Context<AcceptAdmin>) -> Result<()> {
        instructions::accept_admin::process_accept_admin(ctx)
    }

    #[discrim = 21]
    pub fn settle_input_unavailable(ctx: &mut Context<SettleInputUnavailable>) -> Result<()> {
        instructions::settle_input_unavailable::process_settle_input_unavailable(ctx)
    }

    #[discrim = 22]
    pub fn set_worker_capacity(
        ctx: &mut Context<SetWorkerCapacity>,
        max_concurrent_jobs: u16,
        instructions_per_second: u64,
    ) -> Result<()> {
        instructions::set_worker_capacity::process_set_worker_capacity(
            ctx,
            max_concurrent_jobs,
            instructions_per_second,
        )
    }
}
