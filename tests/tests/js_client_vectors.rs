//! Test vectors for the TypeScript client (`clients/js`): what the Rust sdk computes for a few
//! fixed inputs (bundle encodings and hashes, a job's `post_job` arguments, instruction and
//! addresses, PDAs, account sizes, storage write signatures, the runtime ids, a webhook
//! registration and delivery signature), checked in as
//! `clients/js/test/fixtures/vectors.json`. The TypeScript tests compute the same from the same
//! inputs and must match it; this test fails when the sdk no longer computes what the file says,
//! so the two clients cannot drift apart unnoticed.
//!
//! Regenerate after a deliberate change: `EDGERUN_WRITE_JS_VECTORS=1 cargo test -p edgerun-tests
//! --test js_client_vectors`, then review the diff and run `npm test` in `clients/js`.

use std::path::PathBuf;

use ed25519_dalek::{Signer, SigningKey};
use edgerun::settlement::account_space;
use edgerun::state::{GlobalConfig, Job, JobResult, OutputAvailability, Treasury, WorkerStake};
use edgerun_sdk::bundle::{Bundle, Limits};
use edgerun_sdk::{instructions, pda, storage_auth, submission, webhook};
use serde_json::{json, Value};
use solana_address::Address;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bundle_vector(bundle: &Bundle) -> Value {
    let encoded = bundle.encode().expect("the vectors are within the limits");
    json!({
        "runtime_id": hex(&bundle.runtime_id),
        "wasm": hex(&bundle.wasm),
        "input": hex(&bundle.input),
        "max_memory_bytes": bundle.limits.max_memory_bytes.to_string(),
        "max_instructions": bundle.limits.max_instructions.to_string(),
        "meta": bundle.meta.as_deref().map(hex),
        "args": bundle.args,
        "encoded": hex(&encoded),
        "hash": hex(&edgerun_sdk::bundle::bundle_hash(&encoded)),
    })
}

fn vectors() -> Value {
    let runtime_id = edgerun_guest::runtime_id();
    let with_meta = Bundle {
        runtime_id,
        wasm: b"\0asm\x01\0\0\0".to_vec(),
        input: b"{\"name\":\"Ada\",\"email\":\"ada@example.com\"}".to_vec(),
        limits: Limits { max_memory_bytes: 16 << 20, max_instructions: 50_000_000 },
        meta: Some(b"{\"name\":\"vector\"}".to_vec()),
        args: Vec::new(),
    };
    let without_meta = Bundle {
        runtime_id: edgerun_guest::wasi_runtime_id(),
        wasm: (0..=255u8).collect(),
        input: Vec::new(),
        limits: Limits { max_memory_bytes: 65_536, max_instructions: u64::MAX },
        meta: None,
        // Arguments make it a version-2 bundle; one is not ASCII.
        args: vec!["--sum".to_owned(), "2".to_owned(), "größe".to_owned()],
    };

    // A customer key from a fixed seed, so the vectors never change by themselves.
    let customer_key = SigningKey::from_bytes(&[7; 32]);
    let customer = Address::new_from_array(customer_key.verifying_key().to_bytes());
    let bundle_hash = with_meta.hash().expect("within limits");
    let escrow = 50_000_000u64;
    let nonce = 1_733_000_000_123_456_789u64;
    let args = submission::post_job_args(&customer, bundle_hash, runtime_id, with_meta.limits, escrow, nonce);
    let instruction = instructions::post_job(&customer, args.clone());
    let accounts: Vec<Value> = instruction
        .accounts
        .iter()
        .map(|meta| json!({"address": meta.pubkey.to_string(), "signer": meta.is_signer, "writable": meta.is_writable}))
        .collect();

    let worker = Address::new_from_array(SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes());
    let timestamp = 1_733_000_000u64;
    let path = format!("/bundle/{}", hex(&bundle_hash));
    let message = storage_auth::canonical_message(&customer.to_bytes(), timestamp, "PUT", &path, &bundle_hash);
    let signature = customer_key.sign(&message);

    let webhook_url = "https://example.com/edgerun-hook?job=1";
    let registration = webhook::registration_message(&args.job_id, webhook_url);
    let webhook_secret = [0x5au8; 32];
    let delivery_body = br#"{"type":"job.stage","stage":"finalized"}"#;
    let delivery_timestamp = 1_733_000_123i64;

    json!({
        "program_id": pda::program_id().to_string(),
        "runtime_ids": {
            "edgerun": hex(&runtime_id),
            "wasi": hex(&edgerun_guest::wasi_runtime_id()),
        },
        "bundles": [bundle_vector(&with_meta), bundle_vector(&without_meta)],
        "post_job": {
            "customer_secret_seed": hex(&customer_key.to_bytes()),
            "customer": customer.to_string(),
            "bundle_hash": hex(&bundle_hash),
            "runtime_id": hex(&runtime_id),
            "max_memory_bytes": with_meta.limits.max_memory_bytes.to_string(),
            "max_instructions": with_meta.limits.max_instructions.to_string(),
            "escrow_lamports": escrow.to_string(),
            "nonce": nonce.to_string(),
            "job_id": hex(&args.job_id),
            "job": pda::job_address(&args.job_id).to_string(),
            "instruction_data": hex(&instruction.data),
            "accounts": accounts,
        },
        "pdas": {
            "config": pda::config_address().to_string(),
            "treasury": pda::treasury_address().to_string(),
            "worker": worker.to_string(),
            "worker_stake": pda::worker_stake_address(&worker).to_string(),
            "job_result": pda::job_result_address(&args.job_id, &worker).to_string(),
            "output": pda::output_address(&args.job_id).to_string(),
        },
        // Bytes of each account (discriminator included): what the generated decoders must read.
        "account_sizes": {
            "global_config": account_space::<GlobalConfig>(),
            "job": account_space::<Job>(),
            "job_result": account_space::<JobResult>(),
            "output_availability": account_space::<OutputAvailability>(),
            "treasury": account_space::<Treasury>(),
            "worker_stake": account_space::<WorkerStake>(),
        },
        "storage_write": {
            "pubkey": hex(&customer.to_bytes()),
            "timestamp": timestamp.to_string(),
            "method": "PUT",
            "path": path,
            "content_hash": hex(&bundle_hash),
            "message": String::from_utf8(message).expect("the canonical message is text"),
            "signature": hex(&signature.to_bytes()),
        },
        // A webhook registration for the post_job vector's job, and one signed delivery.
        "webhook": {
            "job_id": hex(&args.job_id),
            "url": webhook_url,
            "registration_message": String::from_utf8(registration.clone()).expect("the message is text"),
            "registration_signature": solana_signature::Signature::from(customer_key.sign(&registration).to_bytes()).to_string(),
            "secret": hex(&webhook_secret),
            "timestamp": delivery_timestamp,
            "body": String::from_utf8(delivery_body.to_vec()).expect("the body is text"),
            "signature_header": webhook::sign(&webhook_secret, delivery_timestamp, delivery_body),
        },
    })
}

#[test]
fn the_checked_in_vectors_are_what_the_sdk_computes() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/js/test/fixtures/vectors.json");
    let mut text = serde_json::to_string_pretty(&vectors()).expect("JSON");
    text.push('\n');
    if std::env::var_os("EDGERUN_WRITE_JS_VECTORS").is_some() {
        std::fs::write(&path, &text).expect("write the vectors");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == text,
        "{} is not what the sdk computes now; regenerate it (EDGERUN_WRITE_JS_VECTORS=1 cargo test -p \
         edgerun-tests --test js_client_vectors), review the diff and run `npm test` in clients/js",
        path.display()
    );
}
