//! The client conformance suite: one sequence of checks every [`ChainBackend`] must pass through
//! [`EdgerunClient`] (like object_store's `integration` suite, one suite for every
//! implementation). The sdk runs it on LiteSVM (`sdk/tests/client_conformance.rs`); the local
//! network kit runs it on the embedded surfpool validator over JSON-RPC and websocket
//! (`migrations/tests/client_backends.rs`).
//!
//! The backend sits behind a [`Probe`], so "never sent" and "retried only on transport errors"
//! are checked by counting, not by timing. Every wait is bounded; nothing asserts on durations.

use std::time::Duration;

use ed25519_dalek::SigningKey;
use edgerun::errors::EdgerunError;
use edgerun::instructions::{ConfigParams, PostJobArgs};
use edgerun::state::{Job, JobStatus};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio_util::sync::CancellationToken;

use super::{fast_retries, free_port, Probe};
use crate::client::{
    filters, AccountUpdate, ChainBackend, ClientError, ConfigOutcome, EdgerunClient, SendReceipt, SubscriptionConfig,
    UpdateSource,
};
use crate::events::EdgerunEvent;
use crate::{attestation, instructions as ix, pda};

pub const SOL: u64 = 1_000_000_000;
pub const STAKE: u64 = 100_000_000;
/// Tier 0 (escrow < 0.1 SOL): a committee of 3 with quorum 2.
pub const ESCROW: u64 = 50_000_001;
/// Longest wait for anything asynchronous to show up (a subscription update, a shutdown).
pub const WAIT: Duration = Duration::from_secs(60);

/// A chain behind a [`Probe`], and the keys the suite acts with.
pub struct World<B: ChainBackend> {
    pub client: EdgerunClient<Probe<B>>,
    /// The backend's websocket, if it has one.
    pub ws_url: Option<String>,
    /// The program's upgrade authority: the only key that may initialize the config.
    pub admin: Keypair,
    pub scheduler: Keypair,
    pub randomness: Keypair,
}

impl<B: ChainBackend> World<B> {
    /// `backend` with the program deployed, `admin` its upgrade authority, the config not
    /// initialized; `ws_url` the backend's websocket, if it has one.
    pub fn new(backend: B, ws_url: Option<String>, admin: Keypair) -> Self {
        World {
            client: EdgerunClient::new(Probe::new(backend), fast_retries()),
            ws_url,
            admin,
            scheduler: Keypair::new(),
            randomness: Keypair::new(),
        }
    }

    pub fn probe(&self) -> &Probe<B> {
        self.client.backend()
    }

    pub async fn fund(&self, to: &Address, lamports: u64) {
        let before = self.client.balance(to).await.expect("balance");
        self.client.request_airdrop(to, lamports).await.unwrap_or_else(|error| panic!("airdrop to {to}: {error}"));
        assert_eq!(self.client.balance(to).await.expect("balance"), before + lamports);
    }

    pub async fn funded(&self, lamports: u64) -> Keypair {
        let keypair = Keypair::new();
        self.fund(&keypair.pubkey(), lamports).await;
        keypair
    }

    pub async fn send_ok(&self, payer: &Keypair, instructions: &[solana_instruction::Instruction]) -> SendReceipt {
        match self.client.send(payer, &[], instructions).await {
            Ok(receipt) => receipt,
            Err(error) => panic!("transaction failed: {error}"),
        }
    }

    pub fn params(&self) -> ConfigParams {
        ConfigParams {
            min_worker_stake_lamports: 1_000_000,
            challenge_window_slots: 150,
            ..crate::config_params::default_params(&self.scheduler.pubkey(), &self.randomness.pubkey())
        }
    }
}

/// A websocket URL nothing listens on.
fn dead_ws_url() -> String {
    format!("ws://127.0.0.1:{}", free_port())
}

/// The whole suite, in order (each part builds on what the previous ones left on chain).
pub async fn run<B: ChainBackend>(world: World<B>) {
    let jobs = setup_and_fetch(&world).await;
    listings(&world, &jobs).await;
    committee_flow_with_events(&world, &jobs).await;
    program_errors_are_named_and_never_sent(&world, &jobs).await;
    transport_failures_are_retried(&world).await;
    subscriptions(&world).await;
}

struct Jobs {
    customer_a: Keypair,
    customer_b: Keypair,
    workers: Vec<Keypair>,
    /// Two jobs of customer A, one of customer B.
    a: [[u8; 32]; 2],
    b: [u8; 32],
}

/// A job of `client` with escrow [`ESCROW`] (tier 0: a committee of 3, quorum 2).
pub fn post_job_args(client: &Address, nonce: u64) -> PostJobArgs {
    let limits = crate::bundle::Limits { max_memory_bytes: 16 * 1024 * 1024, max_instructions: 1_000_000 };
    crate::submission::post_job_args(client, [0xb1; 32], [0xa7; 32], limits, ESCROW, nonce)
}

pub async fn post_job<B: ChainBackend>(world: &World<B>, customer: &Keypair, nonce: u64) -> ([u8; 32], SendReceipt) {
    let args = post_job_args(&customer.pubkey(), nonce);
    let job_id = args.job_id;
    (job_id, world.send_ok(customer, &[ix::post_job(&customer.pubkey(), args)]).await)
}

/// `initialize_config` through the client: only the upgrade authority may, once; the same
/// config again sends nothing, a different one is refused with the differing field named.
async fn initialize_config_idempotently<B: ChainBackend>(world: &World<B>, admin: &Keypair, params: ConfigParams) {
    let client = &world.client;
    client.ensure_program_deployed().await.expect("the program is deployed");
    assert_eq!(client.upgrade_authority(&edgerun::ID).await.expect("upgrade authority"), Some(admin.pubkey()));
    let sends = world.probe().sends();
    let impostor = world.funded(SOL).await;
    match client.initialize_config(&impostor, params).await {
        Err(ClientError::NotUpgradeAuthority { signer, authority }) => {
            assert_eq!((signer, authority), (impostor.pubkey(), Some(admin.pubkey())))
        }
        other => panic!("a key other than the upgrade authority initialized the config: {other:?}"),
    }
    assert_eq!(world.probe().sends(), sends, "refused before sending");

    let outcome = client.initialize_config(admin, params).await.expect("initialize_config");
    let ConfigOutcome::Initialized { signature } = &outcome else { panic!("{outcome:?}") };
    assert_eq!(world.probe().sends(), sends + 1);
    let logs = world.probe().transaction_logs(&signature.parse().unwrap()).await.unwrap().expect("logs");
    let events = crate::events::decode_logs(&logs);
    let created = EdgerunEvent::ConfigUpdated(crate::events::ConfigUpdated {
        admin: admin.pubkey(),
        pending_admin: Address::default(),
        params,
    });
    assert!(events.contains(&created), "{events:?}");
    assert_eq!(
        serde_json::to_value(&outcome).unwrap(),
        serde_json::json!({ "outcome": "initialized", "signature": signature })
    );

    assert_eq!(client.initialize_config(admin, params).await.unwrap(), ConfigOutcome::AlreadyInitialized);
    let different = ConfigParams { protocol_fee_bps: params.protocol_fee_bps + 1, ..params };
    let error = client.initialize_config(admin, different).await.expect_err("a different config is refused");
    match &error {
        ClientError::ConfigMismatch { config, differences } => {
            assert_eq!(*config, pda::config_address());
            assert_eq!(differences.len(), 1, "{differences:?}");
            assert!(differences[0].starts_with("protocol_fee_bps: "), "{differences:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("update_config"), "{error}");
    assert_eq!(world.probe().sends(), sends + 1, "nothing sent for an existing config");
}

/// Config, workers and jobs created through the client; each account type fetched and decoded.
async fn setup_and_fetch<B: ChainBackend>(world: &World<B>) -> Jobs {
    let admin = world.admin.insecure_clone();
    world.fund(&admin.pubkey(), 10 * SOL).await;
    let params = world.params();
    initialize_config_idempotently(world, &admin, params).await;
    let config = world.client.global_config().await.expect("config");
    assert_eq!(ConfigParams::of(&config), params);
    assert_eq!(config.admin, admin.pubkey());
    let treasury = world.client.treasury().await.expect("treasury");
    assert_eq!(treasury.fees_collected.get(), 0);
    for authority in [&world.randomness, &world.scheduler] {
        world.fund(&authority.pubkey(), SOL).await;
    }

    let mut workers = Vec::new();
    for _ in 0..3 {
        let worker = world.funded(2 * SOL).await;
        let receipt = world
            .send_ok(&worker, &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), STAKE)])
            .await;
        assert!(receipt.compute_unit_limit > 0);
        assert_eq!(
            receipt.events,
            vec![
                EdgerunEvent::WorkerRegistered(crate::events::WorkerRegistered { worker: worker.pubkey() }),
                EdgerunEvent::StakeDeposited(crate::events::StakeDeposited {
                    worker: worker.pubkey(),
                    amount: STAKE,
                    total_stake: STAKE
                }),
            ]
        );
        let stake = world.client.worker_stake(&worker.pubkey()).await.unwrap().expect("stake");
        assert_eq!((stake.worker, stake.total_stake.get()), (worker.pubkey(), STAKE));
        workers.push(worker);
    }
    assert!(world.client.worker_stake(&Address::new_unique()).await.unwrap().is_none());

    let customer_a = world.funded(10 * SOL).await;
    let customer_b = world.funded(10 * SOL).await;
    let (a0, receipt) = post_job(world, &customer_a, 1).await;
    assert_eq!(
        receipt.events,
        vec![EdgerunEvent::JobPosted(crate::events::JobPosted {
            job_id: a0,
            client: customer_a.pubkey(),
            escrow_lamports: ESCROW,
            committee_size: 3,
            quorum: 2
        })]
    );
    let (a1, _) = post_job(world, &customer_a, 2).await;
    let (b, _) = post_job(world, &customer_b, 1).await;
    let job = world.client.job(&a0).await.unwrap().expect("job");
    assert_eq!((job.job_id, job.client, job.status()), (a0, customer_a.pubkey(), Ok(JobStatus::Posted)));
    assert!(world.client.job(&[0x42; 32]).await.unwrap().is_none());
    // The wrong type at an address is a decode error, not a value.
    match world.client.account::<Job>(&pda::config_address()).await {
        Err(ClientError::Decode(_)) => {}
        other => panic!("a config decoded as a job: {:?}", other.map(|job| job.map(|job| job.status))),
    }
    Jobs { customer_a, customer_b, workers, a: [a0, a1], b }
}

fn addresses(listing: &[(Address, Job)]) -> Vec<Address> {
    let mut addresses: Vec<Address> = listing.iter().map(|(address, _)| *address).collect();
    addresses.sort();
    addresses
}

fn job_addresses(job_ids: &[[u8; 32]]) -> Vec<Address> {
    let mut addresses: Vec<Address> = job_ids.iter().map(pda::job_address).collect();
    addresses.sort();
    addresses
}

/// Every listing filter, before and after a committee is assigned.
async fn listings<B: ChainBackend>(world: &World<B>, jobs: &Jobs) {
    let client = &world.client;
    assert_eq!(addresses(&client.jobs().await.unwrap()), job_addresses(&[jobs.a[0], jobs.a[1], jobs.b]));
    assert_eq!(addresses(&client.jobs_by_client(&jobs.customer_a.pubkey()).await.unwrap()), job_addresses(&jobs.a));
    assert_eq!(addresses(&client.jobs_by_client(&jobs.customer_b.pubkey()).await.unwrap()), job_addresses(&[jobs.b]));
    assert_eq!(
        addresses(&client.jobs_by_status(JobStatus::Posted).await.unwrap()),
        job_addresses(&[jobs.a[0], jobs.a[1], jobs.b])
    );
    assert!(client.jobs_by_status(JobStatus::Assigned).await.unwrap().is_empty());
    let mut workers: Vec<Address> = client.workers().await.unwrap().iter().map(|(_, stake)| stake.worker).collect();
    workers.sort();
    let mut expected: Vec<Address> = jobs.workers.iter().map(Signer::pubkey).collect();
    expected.sort();
    assert_eq!(workers, expected);

    // Seed and assign job a0 to workers 0..3, in order 2, 0, 1 (so worker 2 sits in slot 0).
    let job_id = jobs.a[0];
    let seeded =
        world.send_ok(&world.randomness, &[ix::set_job_seed(&world.randomness.pubkey(), &job_id, [9; 32])]).await;
    assert_eq!(seeded.events, vec![EdgerunEvent::JobSeeded(crate::events::JobSeeded { job_id, seed: [9; 32] })]);
    let committee: Vec<Address> = [2, 0, 1].iter().map(|&i| jobs.workers[i].pubkey()).collect();
    let assigned =
        world.send_ok(&world.scheduler, &[ix::assign_workers(&world.scheduler.pubkey(), &job_id, &committee)]).await;
    match assigned.events.as_slice() {
        [EdgerunEvent::WorkersAssigned(event)] => {
            assert_eq!((event.job_id, event.assigned_count), (job_id, 3));
            assert_eq!(&event.workers[..3], committee.as_slice());
        }
        other => panic!("unexpected events {other:?}"),
    }

    assert_eq!(addresses(&client.jobs_by_status(JobStatus::Assigned).await.unwrap()), job_addresses(&[job_id]));
    assert_eq!(
        addresses(&client.jobs_by_status(JobStatus::Posted).await.unwrap()),
        job_addresses(&[jobs.a[1], jobs.b])
    );
    for worker in &jobs.workers {
        let listed = client.jobs_by_worker(&worker.pubkey()).await.unwrap();
        assert_eq!(addresses(&listed), job_addresses(&[job_id]), "jobs of {}", worker.pubkey());
        assert_eq!(listed[0].1.committee(), committee.as_slice());
    }
    assert!(client.jobs_by_worker(&jobs.customer_a.pubkey()).await.unwrap().is_empty());
    // Filters are conjunctive: customer B has no assigned job.
    let filtered = client
        .program_accounts::<Job>(&[
            filters::job_client(&jobs.customer_b.pubkey()),
            filters::job_status(JobStatus::Assigned),
        ])
        .await
        .unwrap();
    assert!(filtered.is_empty());
}

/// Results, quorum, output and payout; JobResult and OutputAvailability fetched; events read
/// from the real logs of each transaction.
async fn committee_flow_with_events<B: ChainBackend>(world: &World<B>, jobs: &Jobs) {
    let job_id = jobs.a[0];
    let job = world.client.job(&job_id).await.unwrap().expect("job");
    let committee = job.committee().to_vec();
    let output = [0x11; 32];
    for member in &committee[..2] {
        let worker = jobs.workers.iter().find(|worker| worker.pubkey() == *member).unwrap();
        let key = SigningKey::from_bytes(worker.secret_bytes());
        let digest = attestation::result_digest(&job_id, &job.bundle_hash, &output, &job.runtime_id);
        let signature = attestation::sign_result(&key, &job_id, &job.bundle_hash, &output, &job.runtime_id);
        let receipt = world
            .send_ok(
                worker,
                &[
                    attestation::attestation_instruction(worker.pubkey().as_array(), &digest, &signature),
                    ix::submit_result(&worker.pubkey(), &job_id, output, signature),
                ],
            )
            .await;
        assert_eq!(
            receipt.events,
            vec![EdgerunEvent::ResultSubmitted(crate::events::ResultSubmitted {
                job_id,
                worker: worker.pubkey(),
                output_hash: output
            })]
        );
        let result = world.client.job_result(&job_id, &worker.pubkey()).await.unwrap().expect("job result");
        assert_eq!((result.worker, result.output_hash, result.attestation_sig), (worker.pubkey(), output, signature));
    }
    let results = world.client.committee_results(&job).await.unwrap();
    let submitted: Vec<bool> = results.iter().map(|(_, result)| result.is_some()).collect();
    assert_eq!(submitted, vec![true, true, false]);
    assert_eq!(results.iter().map(|(worker, _)| *worker).collect::<Vec<_>>(), committee);

    let winner = jobs.workers.iter().find(|worker| worker.pubkey() == committee[0]).unwrap();
    let pointer = b"http://127.0.0.1:8090/output/x";
    let receipt = world
        .send_ok(
            winner,
            &[
                ix::reach_quorum(&job_id, &committee),
                ix::declare_output(&winner.pubkey(), &job_id, output, pointer),
                ix::finalize_job(&job_id, &committee),
            ],
        )
        .await;
    let names: Vec<&str> = receipt.events.iter().map(EdgerunEvent::name).collect();
    for expected in ["JobQuorumReached", "OutputDeclared", "JobFinalized", "WorkerPaid"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let paid: u64 = receipt
        .events
        .iter()
        .filter_map(|event| match event {
            EdgerunEvent::WorkerPaid(paid) => Some(paid.amount),
            _ => None,
        })
        .sum();
    assert!(paid > 0 && paid < ESCROW, "{paid}");
    let availability = world.client.output_availability(&job_id).await.unwrap().expect("output availability");
    assert_eq!((availability.output_hash, availability.publisher), (output, winner.pubkey()));
    assert_eq!(availability.pointer_bytes(), pointer);
    let finalized = world.client.job(&job_id).await.unwrap().expect("job");
    assert_eq!(finalized.status(), Ok(JobStatus::Finalized));
    assert_eq!(addresses(&world.client.jobs_by_status(JobStatus::Finalized).await.unwrap()), job_addresses(&[job_id]));
    let treasury = world.client.treasury().await.unwrap();
    assert!(treasury.fees_collected.get() > 0);
}

/// A refused instruction comes back as the Edgerun error by name, and nothing is sent.
async fn program_errors_are_named_and_never_sent<B: ChainBackend>(world: &World<B>, jobs: &Jobs) {
    let sends = world.probe().sends();
    let seeded = jobs.a[0];
    let error = world
        .client
        .send(&world.randomness, &[], &[ix::set_job_seed(&world.randomness.pubkey(), &seeded, [1; 32])])
        .await
        .expect_err("a job is seeded once");
    assert_eq!(error.edgerun_error(), Some(EdgerunError::SeedAlreadySet), "{error}");
    assert!(error.to_string().contains("EdgerunError::SeedAlreadySet"), "{error}");
    match &error {
        ClientError::Transaction(failure) => {
            // Index 1: the client's compute-budget instruction comes first.
            assert_eq!(failure.instruction_index, Some(1));
            assert!(failure.logs.iter().any(|line| line.contains(&edgerun::ID.to_string())), "{:?}", failure.logs);
        }
        other => panic!("{other:?}"),
    }

    // A second refusal by another rule: cancelling someone else's job.
    let error = world
        .client
        .send(&jobs.customer_b, &[], &[ix::cancel_job(&jobs.customer_b.pubkey(), &jobs.a[1])])
        .await
        .expect_err("only the client may cancel");
    assert_eq!(error.edgerun_error(), Some(EdgerunError::NotJobClient), "{error}");
    assert_eq!(world.probe().sends(), sends, "a transaction that fails in simulation must not be sent");

    // The counter does count: the client's own cancel is sent, once.
    let cancelled = world.send_ok(&jobs.customer_b, &[ix::cancel_job(&jobs.customer_b.pubkey(), &jobs.b)]).await;
    assert!(matches!(cancelled.events.as_slice(), [EdgerunEvent::JobCancelled(event)] if event.job_id == jobs.b));
    assert_eq!(world.probe().sends(), sends + 1);
}

/// Transport failures are retried, reads and sends alike; past the policy they are reported.
async fn transport_failures_are_retried<B: ChainBackend>(world: &World<B>) {
    let retries = world.client.config().retry.max_retries;
    world.probe().fail_next(retries);
    world.client.global_config().await.expect("succeeds on the last allowed attempt");

    let reads = world.probe().account_reads();
    world.probe().fail_next(retries + 1);
    match world.client.global_config().await {
        Err(ClientError::Transport { attempts, .. }) => assert_eq!(attempts, retries + 1),
        other => panic!("expected a transport failure, got {:?}", other.map(|_| "a config")),
    }
    assert_eq!(world.probe().account_reads() - reads, retries + 1);

    // A send lost in transport is sent again (the same signed transaction) and lands once.
    let worker = world.funded(2 * SOL).await;
    let sends = world.probe().sends();
    world.probe().fail_next(2);
    let receipt = world.send_ok(&worker, &[ix::register_worker(&worker.pubkey())]).await;
    assert_eq!(world.probe().sends() - sends, 3);
    assert_eq!(receipt.events.len(), 1);
    assert!(world.client.worker_stake(&worker.pubkey()).await.unwrap().is_some());
}

/// Waits (bounded) for an update of `address` in `updates`.
pub async fn wait_for_update(
    updates: &mut tokio::sync::mpsc::Receiver<AccountUpdate>,
    address: &Address,
) -> AccountUpdate {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(update) = updates.recv().await {
            if update.address() == Some(address) {
                return Some(update);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(update)) => update,
        Ok(None) => panic!("the subscription ended before {address} showed up"),
        Err(_) => panic!("no update of {address} within {WAIT:?}"),
    }
}

/// A new job is seen through the websocket when there is one, and by polling when the websocket
/// is absent or dead; cancelling stops the subscription.
async fn subscriptions<B: ChainBackend>(world: &World<B>) {
    let customer = world.funded(10 * SOL).await;
    let expected_source = if world.ws_url.is_some() { UpdateSource::Websocket } else { UpdateSource::Poll };
    let variants = [(world.ws_url.clone(), expected_source, 10), (Some(dead_ws_url()), UpdateSource::Poll, 20)];
    for (ws_url, source, nonce) in variants {
        let cancel = CancellationToken::new();
        let config = SubscriptionConfig {
            ws_url: ws_url.clone(),
            filters: vec![filters::discriminator::<Job>()],
            poll_interval: Duration::from_millis(200),
            ..SubscriptionConfig::default()
        };
        let mut subscription = world.client.subscribe(config, cancel.clone());
        // The first snapshot (taken once subscribed, or by the first poll) holds every job.
        let known = world.client.jobs().await.unwrap();
        let (first, _) = known.first().expect("the suite posted jobs");
        let snapshot = wait_for_update(&mut subscription.updates, first).await;
        assert_eq!(snapshot.source(), UpdateSource::Poll);

        let (job_id, _) = post_job(world, &customer, nonce).await;
        let update = wait_for_update(&mut subscription.updates, &pda::job_address(&job_id)).await;
        assert_eq!(update.source(), source, "{ws_url:?}");
        let job = update.job().expect("a job update");
        assert_eq!((job.job_id, job.client, job.status()), (job_id, customer.pubkey(), Ok(JobStatus::Posted)));

        cancel.cancel();
        tokio::time::timeout(WAIT, subscription.join()).await.expect("the subscription stops when cancelled");
    }
}
