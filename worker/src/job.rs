//! The execute and submit steps of one assigned job, worker side: check that the fetched bundle
//! is the job's, run it, and build the attested submission (the Ed25519 precompile instruction
//! followed by `submit_result`, which must travel in one transaction). The worker daemon and
//! the local network's demo both go through here, so they cannot drift apart.

use ed25519_dalek::SigningKey;
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::edgerun::state::Job;
use edgerun_sdk::{attestation, instructions as ix};
use solana_address::Address;
use solana_instruction::Instruction;

use crate::error::ErrorCode;
use crate::report::ExecutionReport;
use crate::runtime::{bundle_error_code, Runtime, RuntimeError};
use crate::GuestAbi;

/// Why a worker cannot produce a result for a job (as opposed to a failed execution, which is
/// a result).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("the fetched bundle hashes to {actual}, not to the job's bundle_hash {expected}: fetch it again")]
    BundleHashMismatch { expected: String, actual: String },
    #[error("the job was posted for runtime {job}, this worker runs {ours}: it cannot judge this job")]
    OtherRuntime { job: String, ours: String },
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The job's limits as posted on chain.
pub fn posted_limits(job: &Job) -> Limits {
    Limits { max_memory_bytes: job.max_memory_bytes.get(), max_instructions: job.max_instructions.get() }
}

/// Runs `bundle_bytes` for `job`. The bytes must be the job's bundle (`blake3` = `bundle_hash`),
/// and the job must be for this runtime; past those checks every outcome is a result that all
/// honest workers share: an undecodable bundle, or one whose runtime_id or limits differ from
/// the job's, ends with its error code and fuel 0.
pub fn execute_job(runtime: &Runtime, job: &Job, bundle_bytes: &[u8]) -> Result<ExecutionReport, JobError> {
    let actual = bundle_hash(bundle_bytes);
    if actual != job.bundle_hash {
        return Err(JobError::BundleHashMismatch {
            expected: hex::encode(job.bundle_hash),
            actual: hex::encode(actual),
        });
    }
    if GuestAbi::from_runtime_id(&job.runtime_id).is_none() {
        return Err(JobError::OtherRuntime { job: hex::encode(job.runtime_id), ours: GuestAbi::describe_runtimes() });
    }
    let bundle = match Bundle::decode(bundle_bytes) {
        Ok(bundle) => bundle,
        Err(error) => return Ok(ExecutionReport::failure(bundle_error_code(&error), 0)),
    };
    if bundle.runtime_id != job.runtime_id || bundle.limits != posted_limits(job) {
        return Ok(ExecutionReport::failure(ErrorCode::BundleJobMismatch, 0));
    }
    Ok(runtime.execute_decoded(&bundle, &actual)?)
}

/// The transaction body of `worker`'s submission of `output_hash` for `job`: the Ed25519
/// attestation over the result digest, then `submit_result`.
pub fn submission(worker: &SigningKey, job: &Job, output_hash: [u8; 32]) -> [Instruction; 2] {
    let worker_key = worker.verifying_key().to_bytes();
    let digest = attestation::result_digest(&job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
    let signature = attestation::sign_result(worker, &job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
    [
        attestation::attestation_instruction(&worker_key, &digest, &signature),
        ix::submit_result(&Address::new_from_array(worker_key), &job.job_id, output_hash, signature),
    ]
}

#[cfg(test)]
mod tests {
    use anchor_lang::bytemuck::Zeroable;
    use ed25519_dalek::{Signature, Verifier};

    use super::*;
    use crate::runtime_id;

    /// Echoes its input.
    const ECHO: &str = r#"(module
      (import "edgerun" "input_len" (func $len (result i32)))
      (import "edgerun" "read_input" (func $read (param i32 i32 i32) (result i32)))
      (import "edgerun" "write_output" (func $write (param i32 i32) (result i32)))
      (memory (export "memory") 1 1)
      (func (export "_start")
        (drop (call $read (i32.const 0) (i32.const 0) (call $len)))
        (drop (call $write (i32.const 0) (call $len)))))"#;

    const LIMITS: Limits = Limits { max_memory_bytes: 1 << 20, max_instructions: 1_000_000 };

    fn bundle(limits: Limits, runtime: [u8; 32]) -> Vec<u8> {
        let wasm = wat::parse_str(ECHO).unwrap();
        Bundle { runtime_id: runtime, wasm, input: b"hello".to_vec(), limits, meta: None, args: Vec::new() }
            .encode()
            .unwrap()
    }

    fn job_for(bundle_bytes: &[u8], limits: Limits) -> Job {
        let mut job = Job::zeroed();
        job.job_id = [7; 32];
        job.bundle_hash = bundle_hash(bundle_bytes);
        job.runtime_id = runtime_id();
        job.max_memory_bytes = limits.max_memory_bytes.into();
        job.max_instructions = limits.max_instructions.into();
        job
    }

    fn runtime() -> Runtime {
        Runtime::new(crate::RuntimeConfig::default()).unwrap()
    }

    #[test]
    fn the_jobs_bundle_runs_under_the_posted_limits() {
        let bytes = bundle(LIMITS, runtime_id());
        let report = execute_job(&runtime(), &job_for(&bytes, LIMITS), &bytes).unwrap();
        assert_eq!(report.output(), Some(&b"hello"[..]));
    }

    #[test]
    fn wrong_bytes_or_another_runtime_give_no_result() {
        let bytes = bundle(LIMITS, runtime_id());
        let job = job_for(&bytes, LIMITS);
        let mut tampered = bytes.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(matches!(execute_job(&runtime(), &job, &tampered), Err(JobError::BundleHashMismatch { .. })));

        let mut other = job;
        other.runtime_id = [1; 32];
        assert!(matches!(execute_job(&runtime(), &other, &bytes), Err(JobError::OtherRuntime { .. })));
    }

    #[test]
    fn a_bundle_that_contradicts_its_job_is_a_shared_error_result() {
        let more_fuel = Limits { max_instructions: LIMITS.max_instructions + 1, ..LIMITS };
        let bytes = bundle(more_fuel, runtime_id());
        let report = execute_job(&runtime(), &job_for(&bytes, LIMITS), &bytes).unwrap();
        assert_eq!((report.error_code(), report.fuel_used), (Some(ErrorCode::BundleJobMismatch), 0));

        let bytes = bundle(LIMITS, [3; 32]);
        let report = execute_job(&runtime(), &job_for(&bytes, LIMITS), &bytes).unwrap();
        assert_eq!(report.error_code(), Some(ErrorCode::BundleJobMismatch));
        assert_eq!(report.output_hash(), ExecutionReport::failure(ErrorCode::BundleJobMismatch, 0).output_hash());

        let mut truncated = bundle(LIMITS, runtime_id());
        truncated.pop();
        let report = execute_job(&runtime(), &job_for(&truncated, LIMITS), &truncated).unwrap();
        assert_eq!(report.error_code(), Some(ErrorCode::BundleMalformed));
    }

    #[test]
    fn the_submission_attests_the_result_digest_and_submits_the_same_hash() {
        let bytes = bundle(LIMITS, runtime_id());
        let job = job_for(&bytes, LIMITS);
        let key = SigningKey::from_bytes(&[5; 32]);
        let output_hash = [9; 32];
        let [attest, submit] = submission(&key, &job, output_hash);
        assert_eq!(attest.program_id, solana_address::address!("Ed25519SigVerify111111111111111111111111111"));
        assert_eq!(submit.program_id, edgerun_sdk::edgerun::ID);
        let digest = attestation::result_digest(&job.job_id, &job.bundle_hash, &output_hash, &job.runtime_id);
        // The precompile instruction carries key, signature and message after a 16-byte header.
        let data = &attest.data;
        let signature = Signature::from_bytes(data[48..112].try_into().unwrap());
        assert_eq!(&data[16..48], key.verifying_key().as_bytes());
        assert_eq!(&data[112..144], &digest);
        key.verifying_key().verify(&digest, &signature).unwrap();
        assert!(submit.data.windows(32).any(|window| window == output_hash));
    }
}
