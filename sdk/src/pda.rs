//! Program-derived addresses of every Edgerun account. Seeds come from `edgerun::constants`.

use edgerun::constants::{CONFIG_SEED, JOB_RESULT_SEED, JOB_SEED, OUTPUT_SEED, TREASURY_SEED, WORKER_STAKE_SEED};
use solana_address::Address;

/// The Edgerun program id.
pub fn program_id() -> Address {
    edgerun::ID
}

pub fn config_address() -> Address {
    Address::find_program_address(&[CONFIG_SEED], &edgerun::ID).0
}

pub fn treasury_address() -> Address {
    Address::find_program_address(&[TREASURY_SEED], &edgerun::ID).0
}

pub fn worker_stake_address(worker: &Address) -> Address {
    Address::find_program_address(&[WORKER_STAKE_SEED, worker.as_ref()], &edgerun::ID).0
}

pub fn job_address(job_id: &[u8; 32]) -> Address {
    Address::find_program_address(&[JOB_SEED, job_id.as_ref()], &edgerun::ID).0
}

pub fn job_result_address(job_id: &[u8; 32], worker: &Address) -> Address {
    Address::find_program_address(&[JOB_RESULT_SEED, job_id.as_ref(), worker.as_ref()], &edgerun::ID).0
}

pub fn output_address(job_id: &[u8; 32]) -> Address {
    Address::find_program_address(&[OUTPUT_SEED, job_id.as_ref()], &edgerun::ID).0
}

/// The program's ProgramData account under the upgradeable loader (holds its upgrade authority).
pub fn program_data_address() -> Address {
    edgerun::instructions::program_data_address(&edgerun::ID)
}
