//! The client conformance suite (`edgerun_sdk::testkit::conformance`) on the LiteSVM backend
//! (the local network kit runs the same suite on the embedded surfpool validator:
//! `migrations/tests/client_backends.rs`), and what only an in-process chain can set up: a
//! program deployed the wrong ways.

use std::time::Duration;

use edgerun_sdk::client::{ClientError, EdgerunClient, LiteSvmBackend};
use edgerun_sdk::testkit::conformance::{self, World, SOL};
use edgerun_sdk::testkit::{fast_retries, litesvm_with_program, program_elf, svm_with_program, Probe};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The whole suite ends within this.
const WATCHDOG: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_suite_on_litesvm() {
    let admin = Keypair::new();
    let world = World::new(litesvm_with_program(Some(&admin.pubkey())), None, admin);
    tokio::time::timeout(WATCHDOG, conformance::run(world)).await.expect("the LiteSVM suite did not finish in time");
}

/// Config initialization refuses, by name and before sending anything, a cluster without the
/// program, a program outside the upgradeable loader, and an immutable one.
#[tokio::test]
async fn initialize_config_checks_the_deployment_first() {
    let admin = Keypair::new();
    let params = edgerun_sdk::config_params::localnet_params(&admin.pubkey(), &admin.pubkey());
    let backend = LiteSvmBackend::new(litesvm::LiteSVM::new());
    let client = EdgerunClient::new(Probe::new(backend.clone()), fast_retries());
    client.request_airdrop(&admin.pubkey(), SOL).await.expect("airdrop");
    assert_eq!(client.balance(&admin.pubkey()).await.unwrap(), SOL);
    assert_eq!(client.balance(&Address::new_unique()).await.unwrap(), 0);

    let error = client.initialize_config(&admin, params).await.expect_err("no program");
    assert!(matches!(error, ClientError::ProgramNotDeployed { program, .. } if program == edgerun::ID), "{error}");
    assert!(matches!(client.upgrade_authority(&edgerun::ID).await, Err(ClientError::NotUpgradeable { .. })));

    // Loaded by the non-upgradeable BPF loader (v2): executable, but without ProgramData.
    let elf = program_elf();
    let loader_v2: Address = "BPFLoader2111111111111111111111111111111111".parse().unwrap();
    backend.with_svm(|svm| svm.add_program_with_loader(edgerun::ID, &elf, loader_v2)).expect("load the program");
    client.ensure_program_deployed().await.expect("executable");
    let error = client.initialize_config(&admin, params).await.expect_err("no ProgramData");
    assert!(matches!(error, ClientError::NotUpgradeable { .. }), "{error}");
    assert!(error.to_string().contains("upgradeable loader"), "{error}");

    // Upgradeable but immutable: nobody may initialize.
    let client = EdgerunClient::new(Probe::new(LiteSvmBackend::new(svm_with_program(None))), fast_retries());
    client.request_airdrop(&admin.pubkey(), SOL).await.expect("airdrop");
    assert_eq!(client.upgrade_authority(&edgerun::ID).await.unwrap(), None);
    match client.initialize_config(&admin, params).await {
        Err(error @ ClientError::NotUpgradeAuthority { authority: None, .. }) => {
            assert!(error.to_string().contains("immutable"), "{error}")
        }
        other => panic!("an immutable program's config was initialized: {other:?}"),
    }
    assert_eq!(client.backend().sends(), 0);
}
