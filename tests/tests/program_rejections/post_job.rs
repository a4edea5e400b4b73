//! `post_job`: job id, escrow, limits, pause, runtime allow-list, posting the same id twice.

use super::world::*;

use edgerun::errors::EdgerunError;
use edgerun_sdk::{instructions as ix, pda};
use edgerun_tests::svm::{assert_error, instruction_error, test_config, TestEnv};
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn reject_post(env: &mut TestEnv, client: &Keypair, args: edgerun::instructions::PostJobArgs, expected: EdgerunError) {
    let watch = [pda::job_address(&args.job_id)];
    let result = env.send_rejected(&[ix::post_job(&client.pubkey(), args)], &[client], &watch);
    assert_error(&result, expected);
}

#[test]
fn post_job_with_mismatched_job_id_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.job_id[0] ^= 1;
    reject_post(&mut env, &client, args, EdgerunError::JobIdMismatch);
    // The id of another client's job.
    let other = Keypair::new();
    let args = env.job_args(&other.pubkey(), ESCROW);
    reject_post(&mut env, &client, args, EdgerunError::JobIdMismatch);
    // A changed nonce.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.nonce += 1;
    reject_post(&mut env, &client, args, EdgerunError::JobIdMismatch);
}

#[test]
fn post_job_with_zero_escrow_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let args = env.job_args(&client.pubkey(), 0);
    reject_post(&mut env, &client, args, EdgerunError::ZeroAmount);
}

#[test]
fn post_job_with_invalid_limits_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let config = env.config();
    let adjust: [fn(&mut edgerun::instructions::PostJobArgs, u64, u64); 4] = [
        |args, _, _| args.max_memory_bytes = 0,
        |args, _, _| args.max_instructions = 0,
        |args, memory, _| args.max_memory_bytes = memory + 1,
        |args, _, instructions| args.max_instructions = instructions + 1,
    ];
    for change in adjust {
        let mut args = env.job_args(&client.pubkey(), ESCROW);
        change(&mut args, config.max_memory_bytes.get(), config.max_instructions.get());
        reject_post(&mut env, &client, args, EdgerunError::InvalidJobLimits);
    }
    // Exactly at the caps is fine.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.max_memory_bytes = config.max_memory_bytes.get();
    args.max_instructions = config.max_instructions.get();
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
}

#[test]
fn post_job_while_paused_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let admin = admin(&env);
    let mut params = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
    params.paused = true;
    env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);
    let args = env.job_args(&client.pubkey(), ESCROW);
    reject_post(&mut env, &client, args, EdgerunError::ProtocolPaused);
    params.paused = false;
    env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);
    env.post_job(&client, ESCROW);
}

/// A network whose admin lists runtimes (`--allowed-runtime`): the sdk's root over the list, the
/// proof `check_network` finds from the config on chain (as `edgerun job submit` does), and the
/// program's verdict on a WASI job.
#[test]
fn a_wasi_job_posts_where_the_allow_list_holds_both_runtimes_and_only_there() {
    use edgerun_guest::GuestAbi;
    use edgerun_sdk::bundle::Limits;
    use edgerun_sdk::submission::{check_network, runtime_allow_list_root, Refusal};

    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let admin = admin(&env);
    let known = GuestAbi::runtime_ids();
    let (v1, wasi) = (GuestAbi::Edgerun.runtime_id(), GuestAbi::Wasi.runtime_id());
    let limits = Limits { max_memory_bytes: 16 * 1024 * 1024, max_instructions: 1_000_000 };
    let wasi_job = |env: &mut TestEnv, runtime_proof: Vec<[u8; 32]>| {
        let mut args = env.job_args(&client.pubkey(), ESCROW);
        args.runtime_id = wasi;
        args.runtime_proof = runtime_proof;
        args
    };
    let set_runtimes = |env: &mut TestEnv, ids: &[[u8; 32]]| {
        let mut params = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
        params.allowed_runtime_root = runtime_allow_list_root(ids).expect("a non-empty list");
        env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);
    };

    // Both runtimes listed: each proves its membership, and the WASI job posts.
    set_runtimes(&mut env, &[v1, wasi]);
    let proof = check_network(&env.config(), &wasi, &known, &limits, ESCROW).expect("WASI is listed");
    assert_eq!(proof.len(), 1);
    let args = wasi_job(&mut env, proof.clone());
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
    let mut v1_job = env.job_args(&client.pubkey(), ESCROW);
    v1_job.runtime_id = v1;
    v1_job.runtime_proof = check_network(&env.config(), &v1, &known, &limits, ESCROW).unwrap();
    env.send_ok(&[ix::post_job(&client.pubkey(), v1_job)], &[&client]);
    // Without its proof, the WASI job is refused by the program.
    let args = wasi_job(&mut env, Vec::new());
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);

    // Only v1 listed: the sdk finds no proof for WASI, and the proof that worked before is refused.
    set_runtimes(&mut env, &[v1]);
    assert_eq!(check_network(&env.config(), &wasi, &known, &limits, ESCROW), Err(Refusal::RuntimeRestricted));
    for runtime_proof in [proof, Vec::new()] {
        let args = wasi_job(&mut env, runtime_proof);
        reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    }
    // v1 alone is the root's only leaf: an empty proof.
    assert_eq!(check_network(&env.config(), &v1, &known, &limits, ESCROW), Ok(Vec::new()));
}

#[test]
fn post_job_with_runtime_outside_the_allow_list_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let runtime = env.job_args(&client.pubkey(), ESCROW).runtime_id;
    let sibling = *blake3::hash(b"another allowed runtime").as_bytes();
    let (runtime_leaf, sibling_leaf) =
        (edgerun::digest::runtime_merkle_leaf(&runtime), edgerun::digest::runtime_merkle_leaf(&sibling));
    let root = edgerun::digest::runtime_merkle_parent(&runtime_leaf, &sibling_leaf);
    let admin = admin(&env);
    let mut params = test_config(&env.scheduler.pubkey(), &env.randomness.pubkey());
    params.allowed_runtime_root = root;
    env.send_ok(&[ix::update_config(&admin.pubkey(), params)], &[&admin]);

    // No proof.
    let args = env.job_args(&client.pubkey(), ESCROW);
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // A wrong sibling.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_proof = vec![[5u8; 32]];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // A runtime not in the tree, with the proof of an allowed one.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = [9u8; 32];
    args.runtime_proof = vec![sibling];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // A too-long proof.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_proof = vec![sibling_leaf; 17];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    // The root itself, or an inner node, posed as a runtime id with a shortened proof.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = root;
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = runtime_leaf;
    args.runtime_proof = vec![sibling_leaf];
    reject_post(&mut env, &client, args, EdgerunError::RuntimeNotAllowed);

    // The good proof passes, for both leaves.
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_proof = vec![sibling_leaf];
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
    let mut args = env.job_args(&client.pubkey(), ESCROW);
    args.runtime_id = sibling;
    args.runtime_proof = vec![runtime_leaf];
    env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[&client]);
}

#[test]
fn post_job_twice_with_the_same_id_is_rejected() {
    let mut env = TestEnv::new();
    let client = env.new_actor(10_000_000_000);
    let args = env.job_args(&client.pubkey(), ESCROW);
    env.send_ok(&[ix::post_job(&client.pubkey(), args.clone())], &[&client]);
    let result = env.send_rejected(&[ix::post_job(&client.pubkey(), args)], &[&client], &[]);
    // The system program refuses to create an account that already exists (Anchor `init`).
    assert_eq!(instruction_error(&result), InstructionError::Custom(0));
}
