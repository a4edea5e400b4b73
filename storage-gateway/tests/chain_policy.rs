//! The `chain` write policy and retention against the real program in LiteSVM (the sdk's
//! `LiteSvmBackend` under the gateway's `ChainView`), with jobs set up by the program tests'
//! harness: who may write bundles and outputs, quotas no fresh key resets, and deletion of the
//! blobs of closed jobs after the grace period.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{data, expect_error, files_under, TestGateway};
use ed25519_dalek::SigningKey;
use edgerun_sdk::client::{ClientConfig, EdgerunClient, RetryPolicy};
use edgerun_sdk::edgerun::instructions::PostJobArgs;
use edgerun_sdk::instructions as ix;
use edgerun_sdk::storage::{BlobKind, ContentHash, StorageClient, StorageError};
use edgerun_sdk::storage_auth::now_unix_secs;
use edgerun_storage_gateway::chain::ChainView;
use edgerun_tests::svm::{SharedChain, TestEnv, TestJob, INPUT_UNAVAILABLE};
use solana_keypair::Keypair;
use solana_signer::Signer;

const SOL: u64 = 1_000_000_000;
/// Tier 0 of the test config: a committee of 3, quorum 2.
const ESCROW: u64 = 30_000_000;
const STAKE: u64 = 100_000_000;

/// One LiteSVM chain read by the gateway (through the backend) and acted on by the test
/// (through the program tests' `TestEnv`).
struct World {
    chain: SharedChain,
}

impl World {
    fn new() -> Self {
        World { chain: SharedChain::new(TestEnv::new()) }
    }

    fn chain(&self) -> Arc<dyn ChainView> {
        let config = ClientConfig {
            retry: RetryPolicy { max_retries: 0, min_delay: Duration::ZERO, max_delay: Duration::ZERO },
            ..ClientConfig::default()
        };
        Arc::new(EdgerunClient::new(self.chain.backend().clone(), config))
    }

    fn with_env<R>(&self, f: impl FnOnce(&mut TestEnv) -> R) -> R {
        self.chain.with_env(f)
    }

    /// What `post_job` takes for the cheapest job, by the program tests' own accounting.
    fn posting_cost(&self) -> u64 {
        self.with_env(|env| {
            let min_escrow = env.params.min_escrow_lamports;
            let (committee_size, _) = env.config().committee_for_escrow(min_escrow);
            env.job_capital(committee_size, min_escrow).total()
        })
    }

    fn actor(&self, lamports: u64) -> Keypair {
        self.with_env(|env| if lamports == 0 { env.keypair() } else { env.new_actor(lamports) })
    }

    fn balance(&self, key: &Keypair) -> u64 {
        self.with_env(|env| env.balance(&key.pubkey()))
    }

    /// Posts a job of `client` running the bundle `bundle_hash`.
    fn post_job(&self, client: &Keypair, bundle_hash: [u8; 32], escrow: u64) -> TestJob {
        self.with_env(|env| {
            let mut args: PostJobArgs = env.job_args(&client.pubkey(), escrow);
            args.bundle_hash = bundle_hash;
            args.job_id = edgerun_sdk::job_id(client.pubkey().as_array(), &bundle_hash, args.nonce);
            let job =
                TestJob { job_id: args.job_id, bundle_hash, runtime_id: args.runtime_id, client: client.pubkey() };
            env.send_ok(&[ix::post_job(&client.pubkey(), args)], &[client]);
            job
        })
    }

    fn assign(&self, job: &TestJob, workers: &[&Keypair]) {
        self.with_env(|env| {
            env.seed(job);
            let result = env.assign(job, workers);
            assert!(result.is_ok(), "assign_workers: {:?}", result.err().map(|failed| failed.meta.logs));
        })
    }

    fn workers(&self, count: usize) -> Vec<Keypair> {
        self.with_env(|env| (0..count).map(|_| env.new_worker(STAKE)).collect())
    }

    fn submit(&self, job: &TestJob, worker: &Keypair, output_hash: [u8; 32]) {
        self.with_env(|env| {
            let result = env.submit(job, worker, output_hash);
            assert!(result.is_ok(), "submit_result: {:?}", result.err().map(|failed| failed.meta.logs));
        })
    }
}

fn signing_key(keypair: &Keypair) -> SigningKey {
    SigningKey::from_bytes(keypair.secret_bytes())
}

fn client_of(gateway: &TestGateway, keypair: &Keypair) -> StorageClient {
    StorageClient::new(&gateway.base).unwrap().with_signer(signing_key(keypair))
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T, StorageError>, status: u16, code: &str) {
    match result {
        Err(StorageError::Rejected { status: actual, code: actual_code, message }) => {
            assert_eq!((actual.as_u16(), actual_code.as_str()), (status, code), "{message}")
        }
        other => panic!("expected {status} {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn bundles_only_from_keys_with_a_job_or_the_price_of_one() {
    let world = World::new();
    let gateway = TestGateway::start_with_chain(&["--write-policy", "chain"], Some(world.chain())).await;
    let cost = world.posting_cost();
    let bundle = data(100, 1);

    // Unsigned, and a fresh key with nothing: refused, nothing stored.
    let anonymous = StorageClient::new(&gateway.base).unwrap();
    assert_refused(anonymous.put_bundle(bundle.clone()).await, 401, "signature_required");
    let fresh = world.actor(0);
    assert_refused(client_of(&gateway, &fresh).put_bundle(bundle.clone()).await, 403, "writer_not_vouched");
    // One lamport short of what posting the cheapest job costs is not enough.
    let short = world.actor(cost - 1);
    assert_refused(client_of(&gateway, &short).put_bundle(bundle.clone()).await, 403, "writer_not_vouched");
    assert!(!anonymous.exists(BlobKind::Bundle, &ContentHash::of(&bundle)).await.unwrap());

    // Exactly the price of a job: the gateway's figure is the program's.
    let funded = world.actor(cost);
    let receipt = client_of(&gateway, &funded).put_bundle(bundle.clone()).await.unwrap();
    assert!(receipt.created);

    // A customer whose money is in its open job, with less than a job's price left.
    let customer = world.actor(cost + SOL / 1000);
    let min_escrow = world.with_env(|env| env.params.min_escrow_lamports);
    world.post_job(&customer, [3; 32], min_escrow);
    assert!(world.balance(&customer) < cost, "the customer kept the price of another job");
    assert!(client_of(&gateway, &customer).put_bundle(data(100, 2)).await.unwrap().created);
}

#[tokio::test]
async fn strangers_cost_the_chain_a_bounded_number_of_lookups() {
    let world = World::new();
    let flags = ["--write-policy", "chain", "--chain-lookups-per-sec", "0", "--chain-lookup-burst", "2"];
    let gateway = TestGateway::start_with_chain(&flags, Some(world.chain())).await;
    let (first, second) = (world.actor(0), world.actor(0));
    assert_refused(client_of(&gateway, &first).put_bundle(data(10, 1)).await, 403, "writer_not_vouched");
    assert_refused(client_of(&gateway, &second).put_bundle(data(10, 2)).await, 403, "writer_not_vouched");
    // The budget is spent: a third stranger gets no lookup, the ones seen are answered from memory.
    let third = client_of(&gateway, &world.actor(0));
    assert_refused(third.put_bundle(data(10, 3)).await, 429, "chain_busy");
    assert_refused(third.put_job_output(&[1; 32], data(10, 4)).await, 429, "chain_busy");
    assert_refused(client_of(&gateway, &first).put_bundle(data(10, 5)).await, 403, "writer_not_vouched");
}

#[tokio::test]
async fn quotas_are_not_reset_by_another_request_or_a_fresh_key() {
    let world = World::new();
    let flags = ["--write-policy", "chain", "--bundle-quota-bytes", "100", "--shared-bundle-quota-bytes", "150"];
    let gateway = TestGateway::start_with_chain(&flags, Some(world.chain())).await;
    let cost = world.posting_cost();

    let first = client_of(&gateway, &world.actor(cost));
    assert!(first.put_bundle(data(60, 1)).await.unwrap().created);
    assert_refused(first.put_bundle(data(60, 2)).await, 429, "quota_exceeded");
    assert!(first.put_bundle(data(40, 3)).await.unwrap().created);
    // The second (and every later) request finds the same used-up window.
    assert_refused(first.put_bundle(data(1, 4)).await, 429, "quota_exceeded");
    let response = reqwest::Client::new()
        .put(first.object_url(BlobKind::Bundle, &ContentHash::of(&data(1, 4))))
        .body(data(1, 4))
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "signature_required").await;
    // Re-storing what is stored costs nothing.
    assert!(!first.put_bundle(data(60, 1)).await.unwrap().created);

    // A fresh funded key draws on the pool all keys without a job share: 50 bytes are left.
    let second = client_of(&gateway, &world.actor(cost));
    assert_refused(second.put_bundle(data(60, 5)).await, 429, "shared_quota_exceeded");
    assert!(second.put_bundle(data(50, 6)).await.unwrap().created);
    let third = client_of(&gateway, &world.actor(cost));
    assert_refused(third.put_bundle(data(1, 7)).await, 429, "shared_quota_exceeded");

    // The answer tells when to come back.
    let hash = ContentHash::of(&data(1, 7));
    let mut request = reqwest::Client::new().put(third.object_url(BlobKind::Bundle, &hash)).body(data(1, 7));
    let key = world.actor(cost);
    for (name, value) in edgerun_sdk::storage_auth::signed_write_headers(
        &signing_key(&key),
        "PUT",
        &format!("/bundle/{hash}"),
        &hash.0,
        None,
    ) {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    expect_error(response, 429, "shared_quota_exceeded").await;

    // A customer with an open job has its own quota, outside the pool.
    let customer_key = world.actor(cost + SOL);
    world.post_job(&customer_key, [4; 32], ESCROW);
    assert!(client_of(&gateway, &customer_key).put_bundle(data(90, 8)).await.unwrap().created);
}

#[tokio::test]
async fn outputs_only_from_members_of_the_named_job_for_that_job() {
    let world = World::new();
    let gateway = TestGateway::start_with_chain(&["--write-policy", "chain"], Some(world.chain())).await;
    let workers = world.workers(6);
    let customer = world.actor(10 * SOL);
    let first = world.post_job(&customer, [5; 32], ESCROW);
    world.assign(&first, &[&workers[0], &workers[1], &workers[2]]);
    let second = world.post_job(&customer, [6; 32], ESCROW);
    world.assign(&second, &[&workers[3], &workers[4], &workers[5]]);
    let output = data(64, 1);
    let member = client_of(&gateway, &workers[0]);

    // A member, for its job.
    assert!(member.put_job_output(&first.job_id, output.clone()).await.unwrap().created);
    // A registered worker that is not on this job's committee.
    let outsider = client_of(&gateway, &workers[3]);
    assert_refused(outsider.put_job_output(&first.job_id, data(64, 2)).await, 403, "not_a_member");
    // A member of one job, for another job.
    assert_refused(member.put_job_output(&second.job_id, data(64, 3)).await, 403, "not_a_member");
    // Without naming a job, or naming one that is not on chain.
    assert_refused(member.put_output(data(64, 4)).await, 400, "job_required");
    assert_refused(member.put_job_output(&[9; 32], data(64, 5)).await, 403, "job_not_found");
    // The customer is no member either.
    assert_refused(
        client_of(&gateway, &customer).put_job_output(&first.job_id, data(64, 6)).await,
        403,
        "not_a_member",
    );
    let reader = StorageClient::new(&gateway.base).unwrap();
    for seed in 2..=6 {
        assert!(!reader.exists(BlobKind::Output, &ContentHash::of(&data(64, seed))).await.unwrap());
    }

    // Once a member submitted its result, only that output is taken from it for the job.
    let submitted = data(64, 7);
    world.submit(&first, &workers[1], ContentHash::of(&submitted).0);
    let second_member = client_of(&gateway, &workers[1]);
    assert_refused(second_member.put_job_output(&first.job_id, data(64, 8)).await, 409, "output_mismatch");
    assert!(second_member.put_job_output(&first.job_id, submitted.clone()).await.unwrap().created);
    assert_eq!(reader.get_output(&ContentHash::of(&submitted)).await.unwrap(), submitted);
}

#[tokio::test]
async fn blobs_of_a_closed_job_are_deleted_after_the_grace_period_and_not_before() {
    const GRACE: u64 = 600;
    let world = World::new();
    let flags = ["--write-policy", "chain", "--retention-grace", "600s", "--retention-sweep", "1h"];
    let gateway = TestGateway::start_with_chain(&flags, Some(world.chain())).await;
    let retention = gateway.state.retention.clone().expect("retention runs with a chain");
    let workers = world.workers(3);
    let customer = world.actor(10 * SOL);

    let bundle = data(200, 1);
    let orphan = data(200, 2);
    let customer_store = client_of(&gateway, &customer);
    customer_store.put_bundle(bundle.clone()).await.unwrap();
    customer_store.put_bundle(orphan.clone()).await.unwrap();
    let job = world.post_job(&customer, ContentHash::of(&bundle).0, ESCROW);
    world.assign(&job, &[&workers[0], &workers[1], &workers[2]]);
    let output = data(80, 3);
    client_of(&gateway, &workers[0]).put_job_output(&job.job_id, output.clone()).await.unwrap();

    let reader = StorageClient::new(&gateway.base).unwrap();
    let held = |kind: BlobKind, bytes: &[u8]| {
        let reader = reader.clone();
        let hash = ContentHash::of(bytes);
        async move { reader.exists(kind, &hash).await.unwrap() }
    };
    let sweep = |now: u64| {
        let retention = Arc::clone(&retention);
        async move { walk(&retention, now).await }
    };

    // While the job is on chain its bundle and output stay; a bundle no job names goes after the
    // grace period, not before.
    let start = now_unix_secs() + 1;
    assert_eq!(sweep(start).await, 0);
    assert_eq!(sweep(start + GRACE - 1).await, 0);
    assert!(held(BlobKind::Bundle, &orphan).await);
    assert_eq!(sweep(start + GRACE).await, 1);
    assert!(!held(BlobKind::Bundle, &orphan).await);
    assert!(held(BlobKind::Bundle, &bundle).await && held(BlobKind::Output, &output).await);

    // The job ends (input unavailable for two of three) and is closed.
    world.submit(&job, &workers[1], INPUT_UNAVAILABLE);
    world.submit(&job, &workers[2], INPUT_UNAVAILABLE);
    world.with_env(|env| {
        let settled = env.settle_input_unavailable(&job);
        assert!(settled.is_ok(), "settle: {:?}", settled.err().map(|failed| failed.meta.logs));
        env.close_after_retention(&job.job_id);
    });

    let closed_seen = start + GRACE + 10;
    assert_eq!(sweep(closed_seen).await, 0);
    assert_eq!(sweep(closed_seen + GRACE - 1).await, 0);
    assert!(held(BlobKind::Bundle, &bundle).await && held(BlobKind::Output, &output).await);
    assert_eq!(sweep(closed_seen + GRACE).await, 2);
    assert!(!held(BlobKind::Bundle, &bundle).await && !held(BlobKind::Output, &output).await);
    // Nothing is left behind: no blob, no record.
    assert_eq!(files_under(gateway.root()), Vec::<std::path::PathBuf>::new());
}

/// Sweeps at `now` until the walk went over the whole store; returns the blobs deleted.
async fn walk(retention: &edgerun_storage_gateway::retention::Retention, now: u64) -> usize {
    let mut deleted = 0;
    loop {
        let report = retention.sweep_once(now).await;
        assert_eq!(report.failed, 0, "{report:?}");
        deleted += report.deleted;
        if report.wrapped {
            return deleted;
        }
    }
}

#[tokio::test]
async fn retention_survives_a_restart_and_a_write_restarts_the_clock() {
    use clap::Parser;
    use edgerun_storage_gateway::{config::Cli, Gateway};

    const GRACE: u64 = 600;
    let world = World::new();
    let folder = tempfile::tempdir().unwrap();
    let store = folder.path().to_str().unwrap().to_string();
    let grace = format!("{GRACE}s");
    let argv = [
        "edgerun-storage-gateway",
        "--listen",
        "127.0.0.1:0",
        "--store",
        &store,
        "--write-policy",
        "chain",
        "--retention-grace",
        &grace,
        "--retention-sweep",
        "1h",
    ];
    let cli = Cli::try_parse_from(argv).unwrap();
    let gateway = Gateway::start_with_chain(&cli.gateway_config(), Some(world.chain())).await.unwrap();
    let retention = gateway.state.retention.clone().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(gateway.serve(listener, std::future::pending()));
    let customer = world.actor(10 * SOL);
    let store_client = StorageClient::new(&base).unwrap().with_signer(signing_key(&customer));
    let (left_alone, stored_again) = (data(100, 1), data(100, 2));
    store_client.put_bundle(left_alone.clone()).await.unwrap();
    store_client.put_bundle(stored_again.clone()).await.unwrap();

    let start = now_unix_secs() + 1;
    assert_eq!(walk(&retention, start).await, 0);
    // Storing a bundle again (as every submission does) restarts its clock.
    assert!(!store_client.put_bundle(stored_again.clone()).await.unwrap().created);
    server.abort();
    drop(retention);

    // A new process over the same store remembers since when each bundle has been unwanted.
    let restarted = Gateway::start_with_chain(&cli.gateway_config(), Some(world.chain())).await.unwrap();
    let retention = restarted.state.retention.clone().unwrap();
    assert_eq!(walk(&retention, start + GRACE - 1).await, 0);
    assert_eq!(walk(&retention, start + GRACE).await, 1);
    let store = restarted.state.store.clone();
    let held = |hash: ContentHash| {
        let store = store.clone();
        async move { store.size_of(BlobKind::Bundle, &hash).await.unwrap().is_some() }
    };
    assert!(!held(ContentHash::of(&left_alone)).await && held(ContentHash::of(&stored_again)).await);
    // The bundle stored again was first seen unwanted after that write, at start + GRACE - 1.
    assert_eq!(walk(&retention, start + 2 * GRACE - 2).await, 0);
    assert_eq!(walk(&retention, start + 2 * GRACE - 1).await, 1);
    assert!(files_under(folder.path()).is_empty(), "{:?}", files_under(folder.path()));
}
