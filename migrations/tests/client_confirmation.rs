//! What the client's own websocket saves on a real node (the embedded surfpool validator): sends
//! confirmed by `signatureSubscribe` and the slot read from `slotSubscribe`, without polling; and,
//! with the websocket down, the same sends confirmed by polling `getSignatureStatuses`. The
//! shared blockhash and the compute units measured once per kind of transaction are counted too.

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
async fn sends_are_confirmed_by_notification_and_by_polling_when_the_websocket_is_down() {
    let run = async {
        let localnet = Localnet::start(LocalnetConfig { log_to_stderr: true, ..LocalnetConfig::default() })
            .await
            .expect("start the local validator");

        // With the websocket: no status polls, the slot without a request.
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
        let (polls, slots) = (calls.count("getSignatureStatuses"), calls.count("getSlot"));
        send_three(&client, &payer).await;
        assert_eq!(calls.count("getSignatureStatuses"), polls, "confirmed by notification: {:?}", calls.snapshot());
        assert!(calls.subscriptions().get("signatureSubscribe").copied().unwrap_or(0) >= 3);
        assert_eq!(calls.count("getTransaction"), 0);
        // One blockhash for the three, one measurement for their kind.
        assert_eq!(calls.count("getLatestBlockhash"), 1, "{:?}", calls.snapshot());
        assert_eq!(calls.count("simulateTransaction"), 1, "{:?}", calls.snapshot());
        assert_eq!(calls.count("sendTransaction"), 3);
        // Slots were notified while the sends were confirmed (several slots).
        assert!(client.slot().await.expect("the slot") > 0);
        assert_eq!(calls.count("getSlot"), slots, "the slot comes from the subscription");

        // The websocket down (nothing listens on its port): the same sends, confirmed by polling.
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
        assert!(polling.slot().await.expect("the slot over HTTP") > 0);
        assert!(calls.count("getSlot") >= 1);

        localnet.shutdown().await;
    };
    tokio::time::timeout(WATCHDOG, run).await.expect("the test did not finish in time");
}
