//! End to end on the embedded surfpool validator, over JSON-RPC only: deploy the real `.so`,
//! initialize the config (idempotently), then one job's whole life: three staked workers, post,
//! seed, assign, three attested results, and quorum + output + finalization in one transaction.
//! Everything on chain goes through the SDK's async client. Slots advance in real time here, so
//! the test never waits on timing: every step waits for its confirmation, and the whole run is
//! bounded by a watchdog.

use ed25519_dalek::SigningKey;
use edgerun::instructions::ConfigParams;
use edgerun::state::JobStatus;
use edgerun::state::{Job, WorkerStake};
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::bundle::Limits;
use edgerun_sdk::client::{ClientError, ConfigOutcome, EdgerunClient, RpcBackend};
use edgerun_sdk::{attestation, instructions as ix, submission};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::time::{Duration, Instant};

type Client = EdgerunClient<RpcBackend>;

/// The whole test, startup included, must end within this.
const WATCHDOG: Duration = Duration::from_secs(300);
const SOL: u64 = 1_000_000_000;
const STAKE: u64 = 100_000_000;
/// Tier 0 (escrow < 0.1 SOL): a committee of 3 with quorum 2.
const ESCROW: u64 = 50_000_001;

fn params(scheduler: &Address, randomness: &Address) -> ConfigParams {
    ConfigParams {
        min_worker_stake_lamports: 1_000_000,
        // 150 slots ≈ 60 s at 400 ms: ample for three confirmed submissions.
        challenge_window_slots: 150,
        ..edgerun_sdk::config_params::default_params(scheduler, randomness)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_job_lifecycle_over_json_rpc() {
    // The .so must exist: fail loudly (never skip) with the build command.
    let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path())
        .unwrap_or_else(|error| panic!("{error:#}"));
    let started = Instant::now();
    let localnet = Localnet::start(LocalnetConfig { log_to_stderr: true, ..LocalnetConfig::default() })
        .await
        .expect("start the local validator");
    eprintln!("validator up at {} in {:?}", localnet.rpc_url(), started.elapsed());
    let run = tokio::time::timeout(WATCHDOG, lifecycle(&localnet, &elf)).await;
    localnet.shutdown().await;
    run.unwrap_or_else(|_| panic!("the localnet lifecycle did not finish within {WATCHDOG:?}"));
    eprintln!("lifecycle and demo done in {:?}", started.elapsed());
}

async fn lifecycle(localnet: &Localnet, elf: &[u8]) {
    let client = localnet.client();
    let admin = funded(&client, 10 * SOL).await;
    localnet.deploy_program(&edgerun::ID, elf, &admin.pubkey()).await.expect("write the program");

    let scheduler = funded(&client, 2 * SOL).await;
    let randomness = funded(&client, 2 * SOL).await;
    let client_wallet = funded(&client, 10 * SOL).await;
    let workers = [funded(&client, 2 * SOL).await, funded(&client, 2 * SOL).await, funded(&client, 2 * SOL).await];

    // Config: created once, then a no-op, and a different config is refused with the field named.
    let wanted = params(&scheduler.pubkey(), &randomness.pubkey());
    let outcome = client.initialize_config(&admin, wanted).await.expect("initialize_config");
    assert!(matches!(outcome, ConfigOutcome::Initialized { .. }), "{outcome:?}");
    assert_eq!(client.initialize_config(&admin, wanted).await.expect("idempotent"), ConfigOutcome::AlreadyInitialized);
    let error = client
        .initialize_config(&admin, ConfigParams { protocol_fee_bps: 300, ..wanted })
        .await
        .expect_err("a differing config must be refused");
    assert!(matches!(&error, ClientError::ConfigMismatch { differences, .. } if differences.len() == 1), "{error}");
    assert!(error.to_string().contains("protocol_fee_bps"), "{error}");
    let config = client.global_config().await.expect("config");
    assert_eq!(ConfigParams::of(&config), wanted);
    assert_eq!(config.admin, admin.pubkey());

    // Three workers with stake.
    for worker in &workers {
        send(&client, worker, &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), STAKE)])
            .await;
        assert_eq!(stake(&client, &worker.pubkey()).await.total_stake.get(), STAKE);
    }

    gateway_writes_vouched_for_by_this_cluster(localnet.rpc_url(), &workers[0], &client_wallet).await;

    // post_job
    let nonce = 1u64;
    let bundle_hash = [0xb1; 32];
    let runtime_id = [0xa7; 32];
    let limits = Limits { max_memory_bytes: 16 * 1024 * 1024, max_instructions: 1_000_000 };
    let args = submission::post_job_args(&client_wallet.pubkey(), bundle_hash, runtime_id, limits, ESCROW, nonce);
    let job_id = args.job_id;
    send(&client, &client_wallet, &[ix::post_job(&client_wallet.pubkey(), args)]).await;
    let posted = job(&client, &job_id).await;
    assert_eq!((posted.status(), posted.committee_size, posted.quorum), (Ok(JobStatus::Posted), 3, 2));

    // set_job_seed, then assign_workers
    send(&client, &randomness, &[ix::set_job_seed(&randomness.pubkey(), &job_id, [9u8; 32])]).await;
    let committee: Vec<Address> = workers.iter().map(|worker| worker.pubkey()).collect();
    send(&client, &scheduler, &[ix::assign_workers(&scheduler.pubkey(), &job_id, &committee)]).await;
    let assigned = job(&client, &job_id).await;
    assert_eq!(assigned.status(), Ok(JobStatus::Assigned));
    assert_eq!(assigned.committee(), committee.as_slice());
    let lock = assigned.required_lock.get();

    // Three attested results (attestation + submit_result per transaction): two honest, one liar.
    let honest = [0x11; 32];
    let wrong = [0x22; 32];
    for (worker, output) in workers.iter().zip([honest, honest, wrong]) {
        let key = SigningKey::from_bytes(worker.secret_bytes());
        let digest = attestation::result_digest(&job_id, &bundle_hash, &output, &runtime_id);
        let signature = attestation::sign_result(&key, &job_id, &bundle_hash, &output, &runtime_id);
        send(
            &client,
            worker,
            &[
                attestation::attestation_instruction(worker.pubkey().as_array(), &digest, &signature),
                ix::submit_result(&worker.pubkey(), &job_id, output, signature),
            ],
        )
        .await;
    }

    // reach_quorum + declare_output + finalize_job in one transaction, by a winner.
    let winner = &workers[0];
    let pointer = format!("http://127.0.0.1:8080/output/{}", hex::encode(honest));
    send(
        &client,
        winner,
        &[
            ix::reach_quorum(&job_id, &committee),
            ix::declare_output(&winner.pubkey(), &job_id, honest, pointer.as_bytes()),
            ix::finalize_job(&job_id, &committee),
        ],
    )
    .await;

    let finalized = job(&client, &job_id).await;
    assert_eq!(finalized.status(), Ok(JobStatus::Finalized));
    assert_eq!(finalized.winning_output_hash, honest);
    for winner in &workers[..2] {
        let stake = stake(&client, &winner.pubkey()).await;
        assert!(stake.total_stake.get() > STAKE, "a winner's stake did not grow: {}", stake.total_stake.get());
        assert_eq!(stake.total_stake.get(), STAKE + stake.rewards_earned.get());
        assert_eq!(stake.locked_stake.get(), 0);
    }
    let liar = stake(&client, &workers[2].pubkey()).await;
    assert_eq!((liar.total_stake.get(), liar.slashed_lamports.get()), (STAKE - lock, lock));

    demo_job_end_to_end(&client, &scheduler, &randomness).await;
}

/// What `scripts/localnet.sh` runs: the demo job with real workers executing the real guest,
/// its output stored and read back by hash, and the escrow split to the lamport.
async fn demo_job_end_to_end(client: &Client, scheduler: &Keypair, randomness: &Keypair) {
    use edgerun_migrations::demo::{run_demo, DemoParties, DEMO_INPUT};
    use edgerun_migrations::local_storage::LocalStorage;

    let guest_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/guests/json_redact.wasm");
    let wasm = std::fs::read(guest_path)
        .unwrap_or_else(|error| panic!("{guest_path}: {error}; build it with `bash scripts/build-guests.sh`"));
    let folder = tempfile::tempdir().unwrap();
    let storage = LocalStorage::start(folder.path(), "127.0.0.1", 0).await.expect("storage gateway");
    let parties = DemoParties { randomness_authority: randomness, scheduler_authority: scheduler };
    let outcome = run_demo(client, storage.base_url(), parties, wasm.clone()).await.unwrap_or_else(|e| panic!("{e:#}"));
    eprintln!("demo outcome: {}", serde_json::to_string_pretty(&outcome).unwrap());

    assert_eq!(outcome.final_status, JobStatus::Finalized as u8);
    assert_eq!(outcome.error_code, None);
    let local = edgerun_worker::Runtime::new(edgerun_worker::RuntimeConfig::default())
        .unwrap()
        .execute(&wasm, DEMO_INPUT.as_bytes(), edgerun_migrations::demo::DEMO_LIMITS)
        .unwrap();
    assert_eq!(outcome.output.as_bytes(), local.output().expect("the demo guest succeeds"));
    assert_eq!(outcome.output_hash, hex::encode(local.output_hash()));
    assert!(outcome.output.contains("[REDACTED]") && !outcome.output.contains("hunter2"), "{}", outcome.output);
    assert!(outcome.output_pointer.starts_with(storage.base_url()));
    // Every lamport of the escrow went to the committee or the treasury.
    let rewards: u64 = outcome.committee.iter().map(|member| member.stake_after - member.stake_before).sum();
    assert!(outcome.committee.iter().all(|member| member.stake_after > member.stake_before));
    assert_eq!(rewards + outcome.treasury_fee_lamports, outcome.escrow_lamports);
    assert!(outcome.treasury_fee_lamports > 0);
    storage.shutdown().await;
}

/// The storage gateway's production write policy (`chain`) against this cluster over JSON-RPC
/// (the rules themselves are tested on LiteSVM in `storage-gateway/tests/chain_policy.rs`): a
/// funded customer may store a bundle, a fresh key may not; an output must name a job on chain.
async fn gateway_writes_vouched_for_by_this_cluster(rpc_url: &str, worker: &Keypair, customer: &Keypair) {
    use edgerun_migrations::local_storage::LocalStorage;
    use edgerun_sdk::storage::{BlobKind, ContentHash, StorageClient, StorageError};

    let folder = tempfile::tempdir().unwrap();
    let config = edgerun_storage_gateway::config::GatewayConfig {
        write_policy: edgerun_storage_gateway::policy::WritePolicySpec::Chain,
        rpc: Some(rpc_url.to_string()),
        ..Default::default()
    };
    let storage =
        LocalStorage::start_with(folder.path(), "127.0.0.1", 0, config).await.expect("gateway over the chain");
    let client_of = |key: &Keypair| {
        StorageClient::new(storage.base_url()).unwrap().with_signer(SigningKey::from_bytes(key.secret_bytes()))
    };
    let refused =
        |result: Result<edgerun_sdk::storage::PutResponse, StorageError>, status: u16, code: &str| match result {
            Err(StorageError::Rejected { status: actual, code: actual_code, .. }) => {
                assert_eq!((actual.as_u16(), actual_code.as_str()), (status, code))
            }
            other => panic!("expected {status} {code}, got {other:?}"),
        };

    let bundle = b"a bundle only a key the chain vouches for may store".to_vec();
    refused(client_of(&Keypair::new()).put_bundle(bundle.clone()).await, 403, "writer_not_vouched");
    assert!(!client_of(customer).exists(BlobKind::Bundle, &ContentHash::of(&bundle)).await.unwrap());
    assert!(client_of(customer).put_bundle(bundle.clone()).await.expect("a funded customer stores a bundle").created);

    let output = b"an output only a member of its job may publish".to_vec();
    refused(client_of(worker).put_output(output.clone()).await, 400, "job_required");
    refused(client_of(worker).put_job_output(&[7; 32], output.clone()).await, 403, "job_not_found");
    assert!(!client_of(worker).exists(BlobKind::Output, &ContentHash::of(&output)).await.unwrap());

    // Like every service that reads the chain, the gateway counts its RPC calls by method.
    let metrics = reqwest::get(format!("{}/metrics", storage.base_url())).await.unwrap().text().await.unwrap();
    let reads: f64 = metrics
        .lines()
        .filter(|line| line.starts_with("edgerun_storage_rpc_requests_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(reads > 0.0, "no edgerun_storage_rpc_requests_total in:\n{metrics}");
    storage.shutdown().await;
}

/// The validator verifies a transaction's signatures once, on arrival (the patch in
/// `vendor/surfpool-core` dropped the two repeats): a transfer whose signature was tampered with
/// is refused, with the node's preflight and without it, and moves nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_whose_signature_was_tampered_with_is_refused() {
    use solana_client::rpc_config::RpcSendTransactionConfig;
    let localnet = started_localnet().await;
    let client = localnet.client();
    let payer = funded(&client, SOL).await;
    let recipient = funded(&client, SOL).await.pubkey();
    let rpc = client.backend().rpc_client();
    for skip_preflight in [false, true] {
        let blockhash = rpc.get_latest_blockhash().await.expect("a blockhash");
        let transfer = solana_system_interface::instruction::transfer(&payer.pubkey(), &recipient, 1_000);
        let mut transaction = solana_transaction::Transaction::new_signed_with_payer(
            &[transfer],
            Some(&payer.pubkey()),
            &[&payer],
            blockhash,
        );
        let mut bytes: [u8; 64] = transaction.signatures[0].into();
        bytes[0] ^= 1;
        transaction.signatures[0] = solana_signature::Signature::from(bytes);
        let config = RpcSendTransactionConfig { skip_preflight, ..RpcSendTransactionConfig::default() };
        let sent = tokio::time::timeout(WATCHDOG, rpc.send_transaction_with_config(&transaction, config))
            .await
            .expect("the node answered in time");
        assert!(sent.is_err(), "a tampered signature was taken (skip_preflight {skip_preflight}): {sent:?}");
    }
    // Two slots later nothing moved: the recipient still holds its airdrop.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(client.balance(&recipient).await.expect("a balance"), SOL);
    localnet.shutdown().await;
}

/// A validator started within the watchdog.
async fn started_localnet() -> Localnet {
    tokio::time::timeout(WATCHDOG, Localnet::start(LocalnetConfig::default()))
        .await
        .expect("the validator started in time")
        .expect("the validator started")
}

async fn funded(client: &Client, lamports: u64) -> Keypair {
    let keypair = Keypair::new();
    client.request_airdrop(&keypair.pubkey(), lamports).await.unwrap_or_else(|error| panic!("airdrop: {error}"));
    keypair
}

#[track_caller]
fn send<'a>(
    client: &'a Client,
    payer: &'a Keypair,
    instructions: &'a [solana_instruction::Instruction],
) -> impl std::future::Future<Output = ()> + 'a {
    let caller = std::panic::Location::caller();
    async move {
        if let Err(error) = client.send(payer, &[], instructions).await {
            panic!("transaction at {caller} failed: {error}");
        }
    }
}

async fn job(client: &Client, job_id: &[u8; 32]) -> Job {
    client.job(job_id).await.expect("read the job").expect("the job exists")
}

async fn stake(client: &Client, worker: &Address) -> WorkerStake {
    client.worker_stake(worker).await.expect("read the stake").expect("the worker is registered")
}

/// `getProgramAccounts` lists each live account of an owner exactly once, whatever the writes:
/// the validator's owner index (patched in `vendor/surfpool-core` to skip its list scans) is
/// checked through a write that keeps the owner, creations, a change of owner, a deletion and a
/// re-creation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn program_accounts_follow_creations_writes_owner_changes_and_deletions() {
    use solana_system_interface::instruction as system;
    let localnet = started_localnet().await;
    let client = localnet.client();
    let run = async {
        let payer = funded(&client, 10 * SOL).await;
        let owner = Keypair::new().pubkey();
        let system_program = solana_system_interface::program::ID;
        let rent = client.backend().rpc_client().get_minimum_balance_for_rent_exemption(8).await.expect("rent");
        let create = |account: &Keypair| system::create_account(&payer.pubkey(), &account.pubkey(), rent, 8, &owner);

        let (first, second) = (Keypair::new(), Keypair::new());
        client.send(&payer, &[&first], &[create(&first)]).await.expect("created");
        assert_eq!(listed(&client, &owner).await, vec![first.pubkey()]);
        // A write that keeps the owner (lamports credited): still listed once.
        send(&client, &payer, &[system::transfer(&payer.pubkey(), &first.pubkey(), 1_000)]).await;
        assert_eq!(listed(&client, &owner).await, vec![first.pubkey()]);
        client.send(&payer, &[&second], &[create(&second)]).await.expect("created");
        assert_eq!(listed(&client, &owner).await, sorted(vec![first.pubkey(), second.pubkey()]));

        // A wallet (the system program's) written, then handed to `owner`.
        let wallet = funded(&client, SOL).await;
        client.send(&wallet, &[], &[system::transfer(&wallet.pubkey(), &payer.pubkey(), 1_000)]).await.expect("sent");
        assert_eq!(count(&client, &system_program, &wallet.pubkey()).await, 1);
        client.send(&payer, &[&wallet], &[system::assign(&wallet.pubkey(), &owner)]).await.expect("assigned");
        assert_eq!(count(&client, &system_program, &wallet.pubkey()).await, 0);
        assert_eq!(listed(&client, &owner).await, sorted(vec![first.pubkey(), second.pubkey(), wallet.pubkey()]));

        // A wallet emptied (deleted), then funded again (created anew): listed once, then not,
        // then once.
        let emptied = funded(&client, SOL).await;
        assert_eq!(count(&client, &system_program, &emptied.pubkey()).await, 1);
        let all = client.balance(&emptied.pubkey()).await.expect("a balance");
        client
            .send(&payer, &[&emptied], &[system::transfer(&emptied.pubkey(), &payer.pubkey(), all)])
            .await
            .expect("emptied");
        assert_eq!(count(&client, &system_program, &emptied.pubkey()).await, 0);
        send(&client, &payer, &[system::transfer(&payer.pubkey(), &emptied.pubkey(), SOL)]).await;
        assert_eq!(count(&client, &system_program, &emptied.pubkey()).await, 1);
    };
    tokio::time::timeout(WATCHDOG, run).await.expect("the test did not finish in time");
    localnet.shutdown().await;
}

/// The accounts `owner` owns, by `getProgramAccounts`, sorted.
async fn listed(client: &Client, owner: &Address) -> Vec<Address> {
    use edgerun_sdk::client::ChainBackend;
    let accounts = client.backend().get_program_accounts(owner, &[]).await.expect("the owner's accounts");
    sorted(accounts.into_iter().map(|(address, _)| address).collect())
}

/// How many times `getProgramAccounts` of `owner` lists `address`.
async fn count(client: &Client, owner: &Address, address: &Address) -> usize {
    listed(client, owner).await.into_iter().filter(|listed| listed == address).count()
}

fn sorted(mut addresses: Vec<Address>) -> Vec<Address> {
    addresses.sort();
    addresses
}
