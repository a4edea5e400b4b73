//! Attestations: the Ed25519 instruction before `submit_result` (key, message, signature, layout).

use super::world::*;

use ed25519_dalek::{Signer as _, SigningKey};
use edgerun::ed25519::ED25519_PROGRAM_ID;
use edgerun::errors::EdgerunError;
use edgerun_sdk::{attestation, instructions as ix, pda};
use edgerun_tests::svm::{assert_error, honest_output, wrong_output, TestJob};
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

fn key_of(keypair: &Keypair) -> SigningKey {
    SigningKey::from_bytes(keypair.secret_bytes())
}

fn digest(job: &TestJob, output: &[u8; 32]) -> [u8; 32] {
    attestation::result_digest(&job.job_id, &job.bundle_hash, output, &job.runtime_id)
}

/// A hand-built Ed25519 precompile instruction: `offsets` rows of
/// `[signature_offset, signature_ix, pubkey_offset, pubkey_ix, message_offset, message_size, message_ix]`,
/// followed by `body`. [`layout`] computes rows for one (pubkey, signature, message) body.
fn ed25519_raw(offsets: &[[u16; 7]], body: &[u8]) -> Instruction {
    let mut data = vec![offsets.len() as u8, 0];
    for row in offsets {
        for value in row {
            data.extend_from_slice(&value.to_le_bytes());
        }
    }
    data.extend_from_slice(body);
    Instruction { program_id: ED25519_PROGRAM_ID, accounts: Vec::new(), data }
}

/// Offsets of a body `pubkey(32) || signature(64) || message` placed after `rows` offset rows.
fn layout(rows: usize, instruction_index: u16, message_len: usize) -> [u16; 7] {
    let base = (2 + 14 * rows) as u16;
    [base + 32, instruction_index, base, instruction_index, base + 96, message_len as u16, instruction_index]
}

fn body(pubkey: &Address, signature: &[u8; 64], message: &[u8]) -> Vec<u8> {
    let mut body = pubkey.as_array().to_vec();
    body.extend_from_slice(signature);
    body.extend_from_slice(message);
    body
}

/// World with an assigned job and worker 0's honest submission parts.
fn attestation_world() -> (World, TestJob, Keypair, [u8; 32], [u8; 64]) {
    let mut world = World::new();
    let job = world.assigned();
    let worker = world.workers[0].insecure_clone();
    let message = digest(&job, &honest_output());
    let signature = key_of(&worker).sign(&message).to_bytes();
    (world, job, worker, message, signature)
}

#[test]
fn hand_built_ed25519_instruction_is_accepted() {
    // Sanity check of the hand-built layout used by the malformed cases below.
    let (mut world, job, worker, message, signature) = attestation_world();
    let pre = ed25519_raw(&[layout(1, u16::MAX, 32)], &body(&worker.pubkey(), &signature, &message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.env.send_ok(&[pre, submit], &[&worker]);
    assert_eq!(world.env.job_result(&job.job_id, &worker.pubkey()).unwrap().output_hash, honest_output());
}

#[test]
fn attestation_by_another_key_is_rejected() {
    let (mut world, job, worker, message, _) = attestation_world();
    let other = Keypair::new();
    let signature = key_of(&other).sign(&message).to_bytes();
    let pre = attestation::attestation_instruction(other.pubkey().as_array(), &message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::AttestationKeyMismatch);
}

#[test]
fn attestation_over_another_message_is_rejected() {
    let (mut world, job, worker, _, _) = attestation_world();
    let other_message = digest(&job, &wrong_output());
    let signature = key_of(&worker).sign(&other_message).to_bytes();
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &other_message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::AttestationMessageMismatch);
}

#[test]
fn attestation_signature_other_than_the_argument_is_rejected() {
    let (mut world, job, worker, message, signature) = attestation_world();
    // A valid signature by the worker, but of another digest, as the argument.
    let other_signature = key_of(&worker).sign(&digest(&job, &wrong_output())).to_bytes();
    assert_ne!(other_signature, signature);
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), other_signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::AttestationSignatureMismatch);
}

#[test]
fn forged_signature_fails_in_the_precompile() {
    let (mut world, job, worker, message, mut signature) = attestation_world();
    signature[0] ^= 1;
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    let watch = world.watch(&job);
    let result = world.env.send_rejected(&[pre, submit], &[&worker], &watch);
    // The precompile (instruction 0) refuses: PrecompileError::InvalidSignature.
    let failed = result.expect_err("rejected");
    assert_eq!(failed.err, TransactionError::InstructionError(0, InstructionError::Custom(2)));
}

#[test]
fn submit_without_ed25519_instruction_is_rejected() {
    let (mut world, job, worker, _, signature) = attestation_world();
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, std::slice::from_ref(&submit), &[&worker], EdgerunError::MissingEd25519Instruction);
    let budget = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(400_000);
    world.reject(&job, &[budget, submit.clone()], &[&worker], EdgerunError::MissingEd25519Instruction);
    // A valid attestation that is not *right* before submit_result does not count either.
    let (message, sig) = (digest(&job, &honest_output()), signature);
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &sig);
    let budget = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(400_000);
    world.reject(&job, &[pre, budget, submit], &[&worker], EdgerunError::MissingEd25519Instruction);
}

#[test]
fn submit_with_a_fake_instructions_sysvar_is_rejected() {
    let (mut world, job, worker, message, signature) = attestation_world();
    let pre = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let mut submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    assert_eq!(submit.accounts[3].pubkey, ix::INSTRUCTIONS_SYSVAR_ID);
    submit.accounts[3] = AccountMeta::new_readonly(Address::new_unique(), false);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MissingEd25519Instruction);
}

#[test]
fn ed25519_with_offsets_into_an_explicit_instruction_index_is_rejected() {
    // Offsets name instruction 0 (itself) explicitly instead of u16::MAX: the precompile verifies
    // the same bytes, but the program requires inline offsets.
    let (mut world, job, worker, message, signature) = attestation_world();
    let body = body(&worker.pubkey(), &signature, &message);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    for (sig_ix, pk_ix, msg_ix) in
        [(0u16, 0u16, 0u16), (u16::MAX, 0, u16::MAX), (u16::MAX, u16::MAX, 0), (0, u16::MAX, u16::MAX)]
    {
        let mut row = layout(1, u16::MAX, 32);
        row[1] = sig_ix;
        row[3] = pk_ix;
        row[6] = msg_ix;
        let pre = ed25519_raw(&[row], &body);
        world.reject(&job, &[pre, submit.clone()], &[&worker], EdgerunError::MalformedEd25519Instruction);
    }
}

#[test]
fn ed25519_with_offsets_into_another_instruction_is_rejected() {
    // Instruction 0 is a valid attestation; instruction 1 (right before submit_result) is an
    // Ed25519 instruction whose offsets all point into instruction 0. The precompile verifies the
    // bytes of instruction 0, but the program requires inline offsets.
    let (mut world, job, worker, message, signature) = attestation_world();
    let valid = attestation::attestation_instruction(worker.pubkey().as_array(), &message, &signature);
    let pointing = ed25519_raw(&[layout(1, 0, 32)], &[]);
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[valid, pointing, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
}

#[test]
fn ed25519_over_a_message_that_is_not_32_bytes_is_rejected() {
    let (mut world, job, worker, message, _) = attestation_world();
    let mut long_message = message.to_vec();
    long_message.push(0);
    let signature = key_of(&worker).sign(&long_message).to_bytes();
    let pre = ed25519_raw(&[layout(1, u16::MAX, 33)], &body(&worker.pubkey(), &signature, &long_message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
    // A 31-byte prefix of the digest.
    let short_message = &message[..31];
    let signature = key_of(&worker).sign(short_message).to_bytes();
    let pre = ed25519_raw(&[layout(1, u16::MAX, 31)], &body(&worker.pubkey(), &signature, short_message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
}

#[test]
fn ed25519_with_two_signatures_is_rejected() {
    let (mut world, job, worker, message, signature) = attestation_world();
    let row = layout(2, u16::MAX, 32);
    let pre = ed25519_raw(&[row, row], &body(&worker.pubkey(), &signature, &message));
    let submit = ix::submit_result(&worker.pubkey(), &job.job_id, honest_output(), signature);
    world.reject(&job, &[pre, submit], &[&worker], EdgerunError::MalformedEd25519Instruction);
}

#[test]
fn second_submission_is_rejected() {
    let (mut world, job, worker, _, _) = attestation_world();
    world.submit_all(&job, &[Some(honest_output()), None, None]);
    let submit = world.env.submit_instructions(&job, &worker, honest_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::AlreadySubmitted);
    let submit = world.env.submit_instructions(&job, &worker, wrong_output());
    world.reject(&job, &submit, &[&worker], EdgerunError::AlreadySubmitted);
    assert_eq!(world.env.job_result(&job.job_id, &worker.pubkey()).unwrap().output_hash, honest_output());
}

#[test]
fn submission_by_a_non_assigned_worker_is_rejected() {
    let (mut world, job, _, _, _) = attestation_world();
    let outsider = world.env.new_worker(STAKE);
    let submit = world.env.submit_instructions(&job, &outsider, honest_output());
    let mut watch = world.watch(&job);
    watch.push(pda::job_result_address(&job.job_id, &outsider.pubkey()));
    let result = world.env.send_rejected(&submit, &[&outsider], &watch);
    assert_error(&result, EdgerunError::WorkerNotAssigned);
}
