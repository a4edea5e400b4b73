//! What the client's confirmations cost a real node (the embedded surfpool validator): the sends
//! in flight confirmed together by one `getSignatureStatuses` per slot notified on the client's
//! websocket (never one request or subscription per send), the slot read from `slotSubscribe`;
//! and, with the websocket down, the same sends confirmed by reads every poll interval, still
//! together. The shared blockhash and the compute units measured once per kind of transaction are
//! counted too.

use std::time::Duration;

use edgerun_migrations::localnet::{Localnet, LocalnetConfig};
use edgerun_sdk::client::{ClientConfig, EdgerunClient, RpcBackend, RpcConfig, Websocket};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The whole test, validator startup included, ends within this.
const WATCHDOG: Duration = Duration::from_secs(300);
/// Longest wait for the client's websocket to connect.
const CONNECT_WAIT: Duration = Duration::from_secs(20);

fn transfer(from: &Keypair, to: &Address, lamports: u64) -> solana_instruction::Instruction {
    solana_system_interface::instruction::transfer(&from.pubkey(), to, lamports)
}

/// Sends confirmed together: at most this many sends.
const TOGETHER: u64 = 20;

/// `TOGETHER` transfers sent at once through `client`, all confirmed; the status reads they took.
async fn send_together(client: &EdgerunClient<RpcBackend>, payer: &Keypair) -> u64 {
    let before = client.backend().calls().count("getSignatureStatuses");
    let sends = (1..=TOGETHER).map(|lamports| {
        let to = Keypair::new().pubkey();
        async move { client.send(payer, &[], &[transfer(payer, &to, 1_000_000 + lamports)]).await }
    });
    for receipt in futures::future::join_all(sends).await {
        assert!(receipt.expect("the transfer is confirmed").slot > 0);
    }
    client.backend().calls().count("getSignatureStatuses") - before
}

/// Three transfers of one kind through `client`, each confirmed.
async fn send_three(client: &EdgerunClient<RpcBackend>, payer: &Keypair) {
    for lamports in [1_000_000, 2_000_000, 3_000_000] {
        let receipt = client
            .send(payer, &[], &[transfer(payer, &Keypair::new().pubkey(), lamports)])
            .await
            .expect("the transfer is confirmed");
        assert!(receipt.slot > 0);
        assert!(receipt.logs.is_none(), "no logs read for a transaction that succeeded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_are_confirmed_together_per_slot_and_by_polling_when_the_websocket_is_down() {
    let run = async {
        let localnet = Localnet::start(LocalnetConfig { log_to_stderr: true, ..LocalnetConfig::default() })
            .await
            .expect("start the local validator");

        // With the websocket: a status read per slot for all the sends, the slot without a
        // request.
        let rpc = RpcConfig { websocket: Websocket::Url(localnet.ws_url().into()), ..RpcConfig::default() };
        let client = EdgerunClient::new(RpcBackend::new(localnet.rpc_url(), rpc), ClientConfig::default());
        let payer = Keypair::new();
        client.request_airdrop(&payer.pubkey(), 1_000_000_000).await.expect("airdrop");
        let _ = client.slot().await.expect("the slot");
        let connected = tokio::time::timeout(CONNECT_WAIT, async {
            while !client.backend().websocket_connected() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        assert!(connected.is_ok(), "the client's websocket connects");
        let calls = client.backend().calls().clone();
        // Read before the counts are taken: the first notification may not have come yet.
        let first_slot = client.slot().await.expect("the slot");
        let (polls, slots) = (calls.count("getSignatureStatuses"), calls.count("getSlot"));
        send_three(&client, &payer).await;
        let elapsed = client.slot().await.expect("the slot") - first_slot;
        let reads = calls.count("getSignatureStatuses") - polls;
        assert!(
            (1..=elapsed + 2).contains(&reads),
            "{reads} status reads over {elapsed} slots (one per slot at most): {:?}",
            calls.snapshot()
        );
        assert_eq!(calls.subscriptions().get("signatureSubscribe"), None, "no subscription per send");
        assert_eq!(calls.count("getTransaction"), 0);
        // One blockhash for the three, one measurement for their kind.
        assert_eq!(calls.count("getLatestBlockhash"), 1, "{:?}", calls.snapshot());
        assert_eq!(calls.count("simulateTransaction"), 1, "{:?}", calls.snapshot());
        assert_eq!(calls.count("sendTransaction"), 3);
        // Slots were notified while the sends were confirmed (several slots).
        assert!(client.slot().await.expect("the slot") > 0);
        assert_eq!(calls.count("getSlot"), slots, "the slot comes from the subscription");
        // Sent at once, confirmed together: reads by the slot, not by the send.
        let first_slot = client.slot().await.expect("the slot");
        let reads = send_together(&client, &payer).await;
        let elapsed = client.slot().await.expect("the slot") - first_slot;
        assert!(
            reads <= elapsed + 2 && reads < TOGETHER,
            "{reads} status reads for {TOGETHER} sends over {elapsed} slots"
        );

        // The websocket down (nothing listens on its port): the same sends, confirmed by reads
        // every poll interval.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let dead_url = format!("ws://{}", dead.local_addr().expect("its address"));
        drop(dead);
        let rpc = RpcConfig { websocket: Websocket::Url(dead_url), ..RpcConfig::default() };
        let polling = EdgerunClient::new(RpcBackend::new(localnet.rpc_url(), rpc), ClientConfig::default());
        send_three(&polling, &payer).await;
        let calls = polling.backend().calls();
        assert!(!polling.backend().websocket_connected());
        assert!(calls.count("getSignatureStatuses") >= 3, "confirmed by polling: {:?}", calls.snapshot());
        assert_eq!(calls.subscriptions().get("signatureSubscribe"), None);
        let started = std::time::Instant::now();
        let reads = send_together(&polling, &payer).await;
        let intervals =
            started.elapsed().as_millis() as u64 / RpcConfig::default().status_poll_interval.as_millis() as u64;
        assert!(reads <= intervals + 2, "{reads} status reads for {TOGETHER} sends over {intervals} poll intervals");
        assert!(polling.slot().await.expect("the slot over HTTP") > 0);
        assert!(calls.count("getSlot") >= 1);

        localnet.shutdown().await;
    };
    tokio::time::timeout(WATCHDOG, run).await.expect("the test did not finish in time");
}
