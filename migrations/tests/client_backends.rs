//! The sdk's client conformance suite (`edgerun_sdk::testkit::conformance`, also run on LiteSVM
//! by the sdk) on the embedded surfpool validator over real JSON-RPC and websocket, and what
//! only a real node shows: refused connections, and a subscription's websocket cut mid-stream
//! through a loopback TCP proxy in front of the validator's websocket port ([`Proxy`]), to see
//! updates go on by polling and come back to the socket.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edgerun::state::WorkerStake;
use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::client::{
    filters, AccountUpdate, ClientError, EdgerunAccount, EdgerunClient, RpcBackend, RpcConfig, SubscriptionConfig,
    UpdateSource,
};
use edgerun_sdk::testkit::conformance::{self, wait_for_update, World, SOL, STAKE, WAIT};
use edgerun_sdk::testkit::{fast_retries, free_port, program_elf, Probe};
use edgerun_sdk::{instructions as ix, pda};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Each whole suite, validator startup included, ends within this.
const WATCHDOG: Duration = Duration::from_secs(600);

async fn surfpool_world() -> (Localnet, World<RpcBackend>) {
    let admin = Keypair::new();
    let authority = admin.pubkey();
    let localnet = Localnet::start(LocalnetConfig { log_to_stderr: true, ..LocalnetConfig::default() })
        .await
        .expect("start the local validator");
    localnet.deploy_program(&edgerun::ID, &program_elf(), &authority).await.expect("deploy the program");
    let world =
        World::new(RpcBackend::new(localnet.rpc_url(), RpcConfig::default()), Some(localnet.ws_url().into()), admin);
    (localnet, world)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_suite_on_surfpool() {
    let run = async {
        let (localnet, world) = surfpool_world().await;
        conformance::run(world).await;
        localnet.shutdown().await;
    };
    tokio::time::timeout(WATCHDOG, run).await.expect("the surfpool suite did not finish in time");
}

/// Refused connections are transport failures: retried as the policy says, then reported.
#[tokio::test]
async fn refused_connections_are_retried_then_reported_as_transport_failures() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let client = EdgerunClient::new(Probe::new(RpcBackend::new(url, RpcConfig::default())), fast_retries());
    let retries = client.config().retry.max_retries;
    match client.global_config().await {
        Err(ClientError::Transport { attempts, .. }) => assert_eq!(attempts, retries + 1),
        other => panic!("expected a transport failure, got {:?}", other.map(|_| "a config")),
    }
    assert_eq!(client.backend().account_reads(), retries + 1);
    let payer = Keypair::new();
    let error = client.send(&payer, &[], &[ix::register_worker(&payer.pubkey())]).await.expect_err("nothing answers");
    assert!(error.is_transport(), "{error}");
    assert_eq!(client.backend().sends(), 0, "nothing can be sent without a blockhash");
}

// ----- the websocket dropping mid-stream -----

/// A TCP proxy on loopback in front of `upstream` (the validator's websocket port): forwards each
/// connection until [`cut_all`](Proxy::cut_all); while refusing, accepts and closes at once, so
/// a websocket handshake through it fails. Counts what it did, so the test waits on events.
struct Proxy {
    port: u16,
    state: Arc<ProxyState>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

struct ProxyState {
    refusing: AtomicBool,
    forwarded: AtomicUsize,
    refused: AtomicUsize,
    /// Connections being forwarded now.
    open: AtomicUsize,
    /// Cancelled by `cut_all`: every connection forwarded since the previous cut.
    generation: Mutex<CancellationToken>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let shutdown = CancellationToken::new();
        let state = Arc::new(ProxyState {
            refusing: AtomicBool::new(false),
            forwarded: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            generation: Mutex::new(shutdown.child_token()),
        });
        let accepting = (Arc::clone(&state), shutdown.clone());
        let task = tokio::spawn(async move {
            let (state, shutdown) = accepting;
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let accepted = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut inbound, _)) = accepted else { continue };
                if state.refusing.load(Ordering::SeqCst) {
                    state.refused.fetch_add(1, Ordering::SeqCst);
                    continue; // `inbound` is dropped: closed
                }
                let cut = state.generation.lock().unwrap().clone();
                state.forwarded.fetch_add(1, Ordering::SeqCst);
                state.open.fetch_add(1, Ordering::SeqCst);
                let connection = Arc::clone(&state);
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        tokio::select! {
                            _ = cut.cancelled() => {}
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        }
                    }
                    // Both sockets are closed as they drop, here.
                    drop((inbound, cut));
                    connection.open.fetch_sub(1, Ordering::SeqCst);
                });
                while connections.try_join_next().is_some() {}
            }
            connections.shutdown().await;
        });
        Proxy { port, state, shutdown, task }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    fn set_refusing(&self, refusing: bool) {
        self.state.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Closes every forwarded connection.
    fn cut_all(&self) {
        let next = self.shutdown.child_token();
        std::mem::replace(&mut *self.state.generation.lock().unwrap(), next).cancel();
    }

    fn forwarded(&self) -> usize {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }

    fn open(&self) -> usize {
        self.state.open.load(Ordering::SeqCst)
    }

    /// Stops accepting, closes every connection and waits for all of its tasks.
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.expect("the proxy task");
    }
}

/// Waits (bounded) until `condition` holds.
async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let checked = tokio::time::timeout(WAIT, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    checked.await.unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"));
}

/// Waits (bounded) for the update that shows `worker`'s stake at `total` lamports.
async fn wait_for_stake(
    updates: &mut tokio::sync::mpsc::Receiver<AccountUpdate>,
    worker: &Address,
    total: u64,
) -> UpdateSource {
    let address = pda::worker_stake_address(worker);
    loop {
        let update = wait_for_update(updates, &address).await;
        if let AccountUpdate::Changed { account, source, .. } = &update {
            if let EdgerunAccount::WorkerStake(stake) = account.as_ref() {
                if stake.total_stake.get() == total {
                    return *source;
                }
            }
        }
    }
}

/// The websocket of a subscription dies mid-stream and stays refused for a while: updates keep
/// coming by polling, and once the socket accepts again the subscription is back on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_outlives_its_websocket() {
    let run = async {
        let (localnet, world) = surfpool_world().await;
        let upstream = SocketAddr::from(([127, 0, 0, 1], localnet.ws_port()));
        websocket_dropped_mid_stream(&world, upstream).await;
        localnet.shutdown().await;
    };
    tokio::time::timeout(WATCHDOG, run).await.expect("the websocket test did not finish in time");
}

async fn websocket_dropped_mid_stream(world: &World<RpcBackend>, upstream: SocketAddr) {
    let admin = world.admin.insecure_clone();
    world.fund(&admin.pubkey(), 10 * SOL).await;
    world.client.initialize_config(&admin, world.params()).await.expect("initialize_config");
    let worker = world.funded(2 * SOL).await;
    world.send_ok(&worker, &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), STAKE)]).await;
    let mut total = STAKE;
    let mut deposit = async || {
        total += 1_000;
        world.send_ok(&worker, &[ix::deposit_stake(&worker.pubkey(), 1_000)]).await;
        total
    };

    let proxy = Proxy::start(upstream).await;
    let cancel = CancellationToken::new();
    let config = SubscriptionConfig {
        ws_url: Some(proxy.url()),
        filters: vec![filters::discriminator::<WorkerStake>()],
        poll_interval: Duration::from_millis(200),
        reconnect_min_delay: Duration::from_millis(100),
        reconnect_max_delay: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(10),
        ..SubscriptionConfig::default()
    };
    let mut subscription = world.client.subscribe(config, cancel.clone());
    let updates = &mut subscription.updates;
    // The snapshot comes once subscribed.
    assert_eq!(wait_for_stake(updates, &worker.pubkey(), STAKE).await, UpdateSource::Poll);
    assert_eq!(proxy.forwarded(), 1);

    // Live: the change comes over the websocket.
    let expected = deposit().await;
    assert_eq!(wait_for_stake(updates, &worker.pubkey(), expected).await, UpdateSource::Websocket);

    // Cut, and refuse new connections: the change still comes, by polling.
    proxy.set_refusing(true);
    proxy.cut_all();
    wait_until("the proxied websocket closed", || proxy.open() == 0).await;
    let expected = deposit().await;
    assert_eq!(wait_for_stake(updates, &worker.pubkey(), expected).await, UpdateSource::Poll);
    wait_until("the subscription tried the websocket again", || proxy.refused() > 0).await;
    assert_eq!(proxy.forwarded(), 1, "nothing got through while refusing");

    // Accepting again: the subscription reconnects and later changes come over the websocket.
    proxy.set_refusing(false);
    wait_until("the subscription reconnected", || proxy.forwarded() == 2).await;
    let mut attempts = 0;
    loop {
        // Reconnected is not yet subscribed: until then a change may still come by polling.
        attempts += 1;
        let expected = deposit().await;
        match wait_for_stake(updates, &worker.pubkey(), expected).await {
            UpdateSource::Websocket => {
                eprintln!("back on the websocket after {attempts} change(s)");
                break;
            }
            UpdateSource::Poll => assert!(attempts < 10, "no update over the websocket after reconnecting"),
        }
    }

    cancel.cancel();
    tokio::time::timeout(WAIT, subscription.join()).await.expect("the subscription stops when cancelled");
    proxy.stop().await;
}
