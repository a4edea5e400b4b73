//! The chain index (`edgerun_sdk::client::ChainIndex`) on the real program in LiteSVM: what it
//! loads at start, that it follows every change (polling, since LiteSVM has no websocket: each
//! poll is a re-load with the same filtered queries), that it drops a job as soon as it ends or
//! closes, and that no query it sends lists jobs it does not keep.

use std::time::Duration;

use edgerun::instructions::ConfigParams;
use edgerun::state::{Job, JobStatus};
use edgerun_sdk::client::{
    filters, ChainIndex, ClientConfig, EdgerunClient, IndexConfig, IndexEvent, LiteSvmBackend, SubscriptionConfig,
    LIVE_STATUSES,
};
use edgerun_sdk::testkit::conformance::post_job_args;
use edgerun_sdk::testkit::{litesvm_with_program, Probe};
use edgerun_sdk::{instructions as ix, pda};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

const SOL: u64 = 1_000_000_000;
const STAKE: u64 = 100_000_000;
const RETENTION_SLOTS: u64 = 10;
/// Longest wait for the index to show a change.
const WAIT: Duration = Duration::from_secs(30);

struct World {
    client: EdgerunClient<Probe<LiteSvmBackend>>,
    scheduler: Keypair,
    randomness: Keypair,
    workers: Vec<Keypair>,
    customer: Keypair,
}

impl World {
    /// The program with an initialized config, three staked workers and a funded customer.
    async fn new() -> World {
        let admin = Keypair::new();
        // Every `getProgramAccounts` is recorded, to check what the index lists.
        let backend = Probe::new(litesvm_with_program(Some(&admin.pubkey())));
        let client = EdgerunClient::new(backend, ClientConfig::default());
        let (scheduler, randomness) = (Keypair::new(), Keypair::new());
        for key in [&admin, &scheduler, &randomness] {
            client.request_airdrop(&key.pubkey(), 10 * SOL).await.expect("airdrop");
        }
        let params = ConfigParams {
            min_worker_stake_lamports: 1_000_000,
            challenge_window_slots: 150,
            job_retention_slots: RETENTION_SLOTS,
            ..edgerun_sdk::config_params::default_params(&scheduler.pubkey(), &randomness.pubkey())
        };
        client.initialize_config(&admin, params).await.expect("initialize the config");
        let mut workers = Vec::new();
        for _ in 0..3 {
            let worker = Keypair::new();
            client.request_airdrop(&worker.pubkey(), 2 * SOL).await.expect("airdrop");
            client
                .send(
                    &worker,
                    &[],
                    &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), STAKE)],
                )
                .await
                .expect("register a worker");
            workers.push(worker);
        }
        let customer = Keypair::new();
        client.request_airdrop(&customer.pubkey(), 10 * SOL).await.expect("airdrop");
        World { client, scheduler, randomness, workers, customer }
    }

    async fn post(&self, nonce: u64) -> [u8; 32] {
        let client = self.customer.pubkey();
        let args = post_job_args(&client, nonce);
        let job_id = args.job_id;
        self.client.send(&self.customer, &[], &[ix::post_job(&client, args)]).await.expect("post a job");
        job_id
    }

    async fn cancel(&self, job_id: &[u8; 32]) {
        self.client
            .send(&self.customer, &[], &[ix::cancel_job(&self.customer.pubkey(), job_id)])
            .await
            .expect("cancel");
    }

    /// Seeds and assigns the job to the three workers.
    async fn assign(&self, job_id: &[u8; 32]) {
        let committee: Vec<Address> = self.workers.iter().map(Signer::pubkey).collect();
        self.client
            .send(
                &self.randomness,
                &[&self.scheduler],
                &[
                    ix::set_job_seed(&self.randomness.pubkey(), job_id, [7; 32]),
                    ix::assign_workers(&self.scheduler.pubkey(), job_id, &committee),
                ],
            )
            .await
            .expect("seed and assign");
    }

    async fn close(&self, job_id: &[u8; 32]) {
        let job = self.client.job(job_id).await.expect("read").expect("the job");
        let slot = self.client.slot().await.expect("slot");
        self.client.backend().inner().with_svm(|svm| svm.warp_to_slot(slot + RETENTION_SLOTS + 1));
        self.client.send(&self.customer, &[], &[ix::close_job(&job)]).await.expect("close the job");
    }
}

/// Polling only (LiteSVM has no websocket), fast, no safety re-load.
fn index_config(job_statuses: &[JobStatus], member: Option<Address>) -> IndexConfig {
    IndexConfig {
        subscription: SubscriptionConfig {
            poll_interval: Duration::from_millis(20),
            connect_timeout: Duration::from_secs(1),
            ..SubscriptionConfig::default()
        },
        job_statuses: job_statuses.to_vec(),
        member,
        resync_interval: None,
        ..IndexConfig::default()
    }
}

fn job_address(job_id: &[u8; 32]) -> Address {
    pda::job_address(job_id)
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The next event about `address` for which `wanted` holds.
async fn event_for(
    events: &mut broadcast::Receiver<IndexEvent>,
    address: &Address,
    wanted: impl Fn(&IndexEvent) -> bool,
) -> IndexEvent {
    let found = tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("the index's events");
            let about = match &event {
                IndexEvent::Job { address, .. }
                | IndexEvent::JobLeft { address, .. }
                | IndexEvent::Worker { address, .. }
                | IndexEvent::WorkerClosed { address } => Some(*address),
                IndexEvent::JobActivity { job } => Some(*job),
                IndexEvent::Config(_) | IndexEvent::Resynced => None,
            };
            if about == Some(*address) && wanted(&event) {
                return event;
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no such event about {address}"))
}

/// Every job listing the index sent named one status it keeps (never a listing of every job,
/// nor of ended ones it does not keep).
fn assert_listings_filtered(world: &World, kept: &[JobStatus]) {
    let listings = world.client.backend().listings();
    assert!(!listings.is_empty());
    let job_discriminator = filters::discriminator::<Job>();
    for listing in listings.iter().filter(|listing| listing.contains(&job_discriminator)) {
        let by_status = kept.iter().any(|status| listing.contains(&filters::job_status(*status)));
        assert!(by_status, "a job listing without a kept status: {listing:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_keeps_exactly_the_live_jobs_and_follows_every_change() {
    let world = World::new().await;
    let ended = world.post(1).await;
    world.cancel(&ended).await;
    let waiting = world.post(2).await;
    let assigned = world.post(3).await;
    world.assign(&assigned).await;

    let cancel = CancellationToken::new();
    let index = ChainIndex::start(world.client.clone(), index_config(&LIVE_STATUSES, None), cancel.clone()).await;
    assert!(index.is_synced());
    let mut kept: Vec<Address> = index.jobs().into_iter().map(|(address, _)| address).collect();
    kept.sort();
    let mut live = vec![job_address(&waiting), job_address(&assigned)];
    live.sort();
    assert_eq!(kept, live, "the ended job is not loaded");
    assert_eq!(index.workers().len(), 3);
    assert!(index.global_config().is_some());
    assert_eq!(index.jobs_in(JobStatus::Assigned).len(), 1);
    assert_eq!(index.jobs_of_worker(&world.workers[0].pubkey()).len(), 1);
    assert!(index.job(&job_address(&ended)).is_none());
    let mut events = index.events();

    // A new job enters, with an event.
    let posted = world.post(4).await;
    let event = event_for(&mut events, &job_address(&posted), |event| matches!(event, IndexEvent::Job { .. })).await;
    let IndexEvent::Job { job, .. } = event else { unreachable!() };
    assert_eq!((job.job_id, job.status()), (posted, Ok(JobStatus::Posted)));
    assert_eq!(index.job_by_id(&posted).map(|job| job.job_id), Some(posted));

    // A job that changes is seen changed.
    world.assign(&posted).await;
    wait_until("the assignment is seen", || {
        index.job_by_id(&posted).is_some_and(|job| job.status() == Ok(JobStatus::Assigned))
    })
    .await;

    // A job that ends leaves at once, its final state in the event.
    world.cancel(&waiting).await;
    let event =
        event_for(&mut events, &job_address(&waiting), |event| matches!(event, IndexEvent::JobLeft { .. })).await;
    let IndexEvent::JobLeft { last: Some(last), .. } = event else { panic!("no final state: {event:?}") };
    assert_eq!(last.status(), Ok(JobStatus::Cancelled));
    assert!(index.job(&job_address(&waiting)).is_none());
    assert_eq!(index.job_count(), 2);

    // A worker's stake change is followed.
    let worker = &world.workers[1];
    world.client.send(worker, &[], &[ix::deposit_stake(&worker.pubkey(), STAKE)]).await.expect("deposit");
    wait_until("the deposit is seen", || {
        index.worker(&worker.pubkey()).is_some_and(|stake| stake.total_stake.get() == 2 * STAKE)
    })
    .await;

    assert_listings_filtered(&world, &LIVE_STATUSES);
    cancel.cancel();
    index.join().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_that_keeps_ended_jobs_drops_them_when_closed() {
    let world = World::new().await;
    let ended = world.post(1).await;
    world.cancel(&ended).await;
    let mut statuses = LIVE_STATUSES.to_vec();
    statuses.extend([JobStatus::Finalized, JobStatus::Cancelled]);

    let cancel = CancellationToken::new();
    let index = ChainIndex::start(world.client.clone(), index_config(&statuses, None), cancel.clone()).await;
    assert_eq!(index.job_by_id(&ended).and_then(|job| job.status().ok()), Some(JobStatus::Cancelled));
    let mut events = index.events();
    world.close(&ended).await;
    let event = event_for(&mut events, &job_address(&ended), |event| matches!(event, IndexEvent::JobLeft { .. })).await;
    assert!(matches!(event, IndexEvent::JobLeft { last: None, .. }), "closed, no final state: {event:?}");
    assert_eq!(index.job_count(), 0);
    assert_listings_filtered(&world, &statuses);
    cancel.cancel();
    index.join().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_index_keeps_only_that_workers_jobs() {
    let world = World::new().await;
    let other = world.post(1).await;
    let mine = world.post(2).await;
    let me = world.workers[0].pubkey();
    let cancel = CancellationToken::new();
    let statuses = [JobStatus::Assigned, JobStatus::AwaitingDa];
    let index = ChainIndex::start(world.client.clone(), index_config(&statuses, Some(me)), cancel.clone()).await;
    assert_eq!(index.job_count(), 0, "nothing is assigned to this worker yet");
    assert!(index.workers().is_empty() && index.global_config().is_none(), "a member index keeps jobs only");

    world.assign(&mine).await;
    wait_until("the assignment is seen", || index.job_by_id(&mine).is_some()).await;
    assert!(index.job_by_id(&other).is_none());
    assert_eq!(index.jobs_of_worker(&me).len(), 1);
    // Every job listing named this worker in one committee slot, and a kept status.
    for listing in world.client.backend().listings() {
        let member = (0..edgerun::constants::MAX_COMMITTEE_SIZE)
            .any(|slot| listing.contains(&filters::job_assigned_worker(slot, &me)));
        assert!(member, "a listing not filtered on the member: {listing:?}");
    }
    assert_listings_filtered(&world, &statuses);
    cancel.cancel();
    index.join().await;
}
