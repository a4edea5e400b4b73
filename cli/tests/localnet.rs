//! The `edgerun` binary against a real local network (embedded surfpool: JSON-RPC, websocket,
//! the real `.so`; a storage gateway over files). Each test starts its own network on random
//! loopback ports, so the admin's changes in one never touch another. The scheduler and the
//! workers are played through the libraries (they have daemons, not CLI commands); the
//! customer, the admin and the crank only through `edgerun`.

mod support;

use edgerun::state::JobStatus;
use edgerun_sdk::client::ChainBackend;
use edgerun_worker::job::execute_job;
use edgerun_worker::{Runtime, RuntimeConfig};
use support::{file, guest, ChildGuard, Network, PATIENCE, SOL};

const DOCUMENT: &str =
    r#"{"document":{"user":"ada","email":"ada@example.com","password":"hunter2"},"redact":["email","password"]}"#;

/// Customer, admin and crank through `edgerun` only: init, register three workers, submit with
/// `--wait`, crank the job through quorum and payout, read status and output, close it after
/// retention; then a job that runs out of fuel, whose agreed error comes back by name.
#[test]
fn a_job_lifecycle_driven_by_edgerun_commands() {
    let network = Network::start();
    network.init(60);
    let again = network.ok(
        Some(&network.admin),
        &[
            "admin",
            "init",
            "--scheduler-authority",
            &network.scheduler.pubkey().to_string(),
            "--challenge-window-slots",
            "60",
            "--da-window-slots",
            "60",
            "--job-retention-slots",
            "10",
            "--min-worker-stake",
            "0.1",
        ],
    );
    assert_eq!(again["outcome"]["outcome"], "already_initialized", "{again:#}");
    let shown = network.ok(None, &["admin", "show"]);
    assert_eq!(shown["admin"], network.admin.pubkey().to_string());
    assert_eq!(shown["scheduler_authority"], network.scheduler.pubkey().to_string());
    assert_eq!(shown["randomness_authority"], network.scheduler.pubkey().to_string());
    assert_eq!(shown["challenge_window_slots"], 60);
    assert_eq!(shown["min_worker_stake_lamports"], SOL / 10);

    let workers = [network.worker("w1", "1"), network.worker("w2", "1"), network.worker("w3", "1.5")];
    let status = network.ok(Some(&workers[2]), &["worker", "status"]);
    assert_eq!(status["total_stake_lamports"], 3 * SOL / 2);
    assert_eq!(
        (&status["eligible"], &status["status"], &status["recent_failures"]),
        (&true.into(), &"active".into(), &0.into())
    );

    // The customer submits and waits; the scheduler, the workers and the crank do their parts.
    let customer = network.party("customer", 2 * SOL);
    let input = file(network.dir.path(), "document.json", DOCUMENT.as_bytes());
    let wasm = guest("json_redact.wasm");
    let submit_args = [
        "job",
        "submit",
        "--wasm",
        wasm.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--escrow",
        "0.05",
        "--wait",
        "--timeout",
        "240",
        "-o",
        "json",
    ];
    let waiting = ChildGuard::spawn(network.command(Some(&customer), &submit_args));
    let job_id = network.wait_for_job(&customer.pubkey());
    let job_hex = hex::encode(job_id);
    let posted = network.ok(None, &["job", "status", &job_hex]);
    assert_eq!(posted["status"], "posted");
    assert!(posted["next"].as_str().unwrap().contains("seed"), "{posted:#}");

    let all: Vec<&support::Party> = workers.iter().collect();
    let committee = network.seed_and_assign(&job_id, &all);
    assert_eq!(committee.len(), 3, "escrow 0.05 SOL is tier 0: three members");
    let member = |address: &solana_address::Address| workers.iter().find(|w| w.pubkey() == *address).unwrap();
    let cranker = network.party("cranker", SOL);
    // Before any result the quorum cannot be reached: refused by simulation, nothing sent.
    let early = network.fails(Some(&cranker), &["crank", "reach-quorum", &job_hex], 1, "QuorumNotReached");
    assert!(early["hint"].as_str().unwrap().contains("edgerun job status"), "{early:#}");
    let mut output_hash = [0u8; 32];
    for address in &committee {
        output_hash = network.execute_and_submit(&job_id, member(address));
    }
    let quorum = network.ok(Some(&cranker), &["crank", "reach-quorum", &job_hex]);
    assert_eq!(
        (quorum["instruction"].as_str(), quorum["status"].as_str()),
        (Some("reach_quorum"), Some("awaiting_da"))
    );
    // No output declared yet: finalize is refused and changes nothing.
    network.fails(Some(&cranker), &["crank", "finalize", &job_hex], 1, "OutputNotDeclared");
    assert_eq!(network.job(&job_id).unwrap().status(), Ok(JobStatus::AwaitingDa));
    network.declare(&job_id, member(&committee[0]), output_hash);
    let finalized = network.ok(Some(&cranker), &["crank", "finalize", &job_hex]);
    assert_eq!(finalized["status"], "finalized");

    // What the customer's `--wait` printed: the job, then its output, verified by hash.
    let expected = {
        let job = network.job(&job_id).unwrap();
        let store = edgerun_sdk::storage::StorageClient::new(network.storage_url()).unwrap();
        let bundle =
            network.runtime.block_on(store.get_bundle(&edgerun_sdk::storage::ContentHash(job.bundle_hash))).unwrap();
        let report = execute_job(&Runtime::new(RuntimeConfig::default()).unwrap(), &job, &bundle).unwrap();
        String::from_utf8(report.output().expect("an output").to_vec()).unwrap()
    };
    assert!(expected.contains("\"email\""), "the guest masks, it does not drop: {expected}");
    let (code, submitted) = support::parse(&waiting.wait(PATIENCE), &submit_args);
    assert_eq!(code, 0, "{submitted:#}");
    assert_eq!(submitted["job_id"], job_hex);
    assert_eq!(submitted["escrow_lamports"], SOL / 20);
    assert_eq!(submitted["outcome"]["status"], "finalized");
    assert_eq!(submitted["outcome"]["output_hash"], hex::encode(output_hash));
    assert_eq!(submitted["outcome"]["output"], expected.as_str());
    assert_eq!(submitted["outcome"]["error"], serde_json::Value::Null);

    // The timeline and the committee, as `job status` tells them.
    let status = network.ok(None, &["job", "status", &job_hex]);
    assert_eq!(status["status"], "finalized");
    let stages: Vec<&str> =
        status["timeline"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["posted", "seeded", "assigned", "quorum_reached", "output_declared", "finalized"]);
    for member in status["committee"].as_array().unwrap() {
        assert_eq!(member["output_hash"], hex::encode(output_hash), "{member:#}");
        assert_eq!((member["winner"].as_bool(), member["settled"].as_bool()), (Some(true), Some(true)));
    }
    let text = network.command(None, &["job", "status", &job_hex]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("finalized") && text.contains("committee:"), "{text}");

    let saved = network.dir.path().join("output.json");
    let output = network.ok(None, &["job", "output", &job_hex, "--out", saved.to_str().unwrap()]);
    assert_eq!(output["saved_to"], saved.to_str().unwrap());
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), expected);
    let listed = network.ok(Some(&customer), &["job", "list", "--mine"]);
    assert_eq!(listed["jobs"][0]["job_id"], job_hex);
    assert_eq!(listed["jobs"][0]["status"], "finalized");
    let finalized_list = network.ok(None, &["job", "list", "--status", "finalized"]);
    assert_eq!(finalized_list["jobs"].as_array().unwrap().len(), 1);

    // Every winner was paid; locks are gone; an operator withdraws all of it.
    let won = network.ok(Some(&workers[0]), &["worker", "status"]);
    assert_eq!((won["jobs_assigned"].as_u64(), won["jobs_won"].as_u64()), (Some(1), Some(1)));
    assert!(won["rewards_earned_lamports"].as_u64().unwrap() > 0, "{won:#}");
    assert_eq!(won["locked_stake_lamports"], 0);
    let all_of_it = edgerun_cli::amount::format_sol(won["total_stake_lamports"].as_u64().unwrap());
    let unstaked = network.ok(Some(&workers[0]), &["worker", "unstake", &all_of_it]);
    assert_eq!(unstaked["total_stake_lamports"], 0);

    // Closing waits for the retention window; `crank once` does it when the time comes.
    network.fails(Some(&cranker), &["crank", "close", &job_hex], 1, "RetentionNotPassed");
    network.wait_past(network.job(&job_id).unwrap().ended_slot.get() + 10);
    let pass = network.ok(Some(&cranker), &["crank", "once"]);
    let closed =
        pass["attempts"].as_array().unwrap().iter().any(|attempt| {
            attempt["job_id"] == job_hex && attempt["action"] == "close" && attempt["outcome"] == "sent"
        });
    assert!(closed, "{pass:#}");
    assert!(network.job(&job_id).is_none());
    network.fails(None, &["job", "status", &job_hex], 4, "job_not_found");
    let idle = network.ok(Some(&cranker), &["crank", "once"]);
    assert_eq!(idle["attempts"].as_array().unwrap().len(), 0, "{idle:#}");

    // The treasury took its fee; the admin pays it out.
    let shown = network.ok(None, &["admin", "show"]);
    let withdrawable = shown["treasury"]["withdrawable_lamports"].as_u64().unwrap();
    assert!(withdrawable > 0, "{shown:#}");
    let amount = edgerun_cli::amount::format_sol(withdrawable);
    let paid = network.ok(Some(&network.admin), &["admin", "withdraw-treasury", &amount]);
    assert_eq!(paid["config"]["treasury"]["withdrawable_lamports"], 0);

    // A job whose guest runs out of fuel: the committee agrees on the error, and `--wait`
    // names it.
    let fuel_args = [
        "job",
        "submit",
        "--wasm",
        wasm.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--escrow",
        "0.05",
        "--max-instructions",
        "1000",
        "--wait",
        "--timeout",
        "240",
    ];
    let poor = network.party("customer2", 2 * SOL);
    let waiting = ChildGuard::spawn(network.command(Some(&poor), &fuel_args));
    let job_id = network.wait_for_job(&poor.pubkey());
    // The worker that withdrew everything stakes again, so all three can be assigned.
    let staked_again = network.ok(Some(&workers[0]), &["worker", "stake", "1"]);
    assert_eq!(staked_again["total_stake_lamports"], SOL);
    let committee = network.seed_and_assign(&job_id, &all);
    let mut failure_hash = [0u8; 32];
    for address in &committee {
        failure_hash = network.execute_and_submit(&job_id, member(address));
    }
    network.ok(Some(&cranker), &["crank", "reach-quorum", &hex::encode(job_id)]);
    network.declare(&job_id, member(&committee[1]), failure_hash);
    network.ok(Some(&cranker), &["crank", "finalize", &hex::encode(job_id)]);
    let output = waiting.wait(PATIENCE);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("OutOfFuel (300)"), "{text}");
    let json = network.ok(None, &["job", "output", &hex::encode(job_id)]);
    assert_eq!(json["error"]["name"], "OutOfFuel");
    assert_eq!(json["error"]["code"], 300);
}

/// Every main failure: a clear message, a non-zero exit, nothing half-done on chain.
#[test]
fn failures_say_what_to_do_and_change_nothing() {
    let network = Network::start();
    // Before init: the network says it is not initialized.
    let stranger = network.party("stranger", 2 * SOL);
    let error = network.fails(Some(&stranger), &["worker", "status"], 4, "not_initialized");
    assert!(error["hint"].as_str().unwrap().contains("edgerun admin init"), "{error:#}");
    // A cluster where a runtime feature the program needs is not active (its feature account
    // rewritten as "pending"): init refuses, says which, where and what to do, and sends nothing.
    let feature = edgerun_sdk::runtime_features::REQUIRED_FEATURES[0].id;
    let node = network.client.backend();
    let active = network.runtime.block_on(node.get_account(&feature)).unwrap().expect("a feature account");
    assert!(edgerun_sdk::runtime_features::FeatureState::of(Some(&active)).is_active());
    let set_feature = |data: &[u8]| {
        let update = serde_json::json!([feature.to_string(), { "data": hex::encode(data) }]);
        network.runtime.block_on(node.call::<serde_json::Value>("surfnet_setAccount", update)).unwrap();
    };
    set_feature(&[0; 9]);
    let init = ["admin", "init", "--scheduler-authority", &network.scheduler.pubkey().to_string()];
    let error = network.fails(Some(&network.admin), &init, 1, "runtime_feature_inactive");
    let message = error["message"].as_str().unwrap();
    for said in ["SIMD-0321", &feature.to_string(), "not activated yet", network.localnet.rpc_url()] {
        assert!(message.contains(said), "{said:?} not in {error:#}");
    }
    assert!(error["hint"].as_str().unwrap().starts_with("nothing was sent"), "{error:#}");
    network.fails(Some(&stranger), &["worker", "status"], 4, "not_initialized");
    // The local network's deploy path refuses the same way, before writing anything.
    let elf = edgerun_migrations::read_program(&edgerun_migrations::default_program_path()).unwrap();
    let refused = network
        .runtime
        .block_on(network.localnet.deploy_program(&edgerun::ID, &elf, &network.admin.pubkey()))
        .expect_err("a deploy to a cluster without SIMD-0321");
    assert!(format!("{refused:#}").contains("SIMD-0321"), "{refused:#}");
    set_feature(&active.data);
    // Only the upgrade authority may initialize.
    let error = network.fails(
        Some(&stranger),
        &["admin", "init", "--scheduler-authority", &network.scheduler.pubkey().to_string()],
        1,
        "NotUpgradeAuthority",
    );
    assert!(error["hint"].as_str().unwrap().contains("--keypair"), "{error:#}");
    network.init(30);

    // Unknown jobs.
    let unknown = hex::encode([7u8; 32]);
    for args in [
        vec!["job", "status", unknown.as_str()],
        vec!["job", "output", unknown.as_str()],
        vec!["job", "cancel", unknown.as_str()],
        vec!["crank", "finalize", unknown.as_str()],
    ] {
        let error = network.fails(Some(&stranger), &args, 4, "job_not_found");
        assert!(error["hint"].as_str().unwrap().contains("job list --mine"), "{error:#}");
    }
    network.fails(None, &["job", "status", "not-a-job"], 2, "usage");

    // Submissions that cannot work: nothing posted, nothing stored.
    let wasm = guest("json_redact.wasm");
    let wasm = wasm.to_str().unwrap();
    let broke = network.party("broke", 0);
    let error =
        network.fails(Some(&broke), &["job", "submit", "--wasm", wasm, "--escrow", "0.05"], 1, "insufficient_balance");
    assert!(error["hint"].as_str().unwrap().contains("fund"), "{error:#}");
    let customer = network.party("customer", 2 * SOL);
    let error = network.fails(Some(&customer), &["job", "submit", "--wasm", wasm, "--escrow", "0.0001"], 2, "usage");
    assert!(error["message"].as_str().unwrap().contains("below this network's minimum"), "{error:#}");
    let dead_gateway = format!("http://127.0.0.1:{}", edgerun_migrations::localnet::free_port("127.0.0.1").unwrap());
    let error = network.fails(
        Some(&customer),
        &["job", "submit", "--wasm", wasm, "--escrow", "0.05", "--storage", &dead_gateway],
        3,
        "storage_unreachable",
    );
    assert!(error["hint"].as_str().unwrap().contains("nothing was posted"), "{error:#}");
    let error = network.fails(
        Some(&customer),
        &["job", "submit", "--wasm", wasm, "--escrow", "0.05", "--max-instructions", "999999999999999"],
        2,
        "usage",
    );
    assert!(error["message"].as_str().unwrap().contains("exceed this network's"), "{error:#}");
    for party in [&broke, &customer] {
        let jobs = network.runtime.block_on(network.client.jobs_by_client(&party.pubkey())).unwrap();
        assert!(jobs.is_empty(), "a refused submission posted a job");
    }

    // A posted job: wrong signer, wrong status, too early; then its owner cancels it.
    let posted = network.ok(Some(&customer), &["job", "submit", "--wasm", wasm, "--escrow", "0.05"]);
    let job_hex = posted["job_id"].as_str().unwrap().to_string();
    let job_id: [u8; 32] = hex::decode(&job_hex).unwrap().try_into().unwrap();
    let before = network.runtime.block_on(network.client.balance(&customer.pubkey())).unwrap();
    let error = network.fails(Some(&stranger), &["job", "cancel", &job_hex], 1, "NotJobClient");
    assert!(error["hint"].as_str().unwrap().contains(&customer.pubkey().to_string()), "{error:#}");
    network.fails(Some(&stranger), &["crank", "finalize", &job_hex], 1, "InvalidJobStatus");
    network.fails(Some(&stranger), &["crank", "reach-quorum", &job_hex], 1, "InvalidJobStatus");
    network.fails(Some(&stranger), &["crank", "close", &job_hex], 1, "InvalidJobStatus");
    assert_eq!(network.job(&job_id).unwrap().status(), Ok(JobStatus::Posted));
    let cancelled = network.ok(Some(&customer), &["job", "cancel", &job_hex]);
    assert_eq!(cancelled["refunded_lamports"], SOL / 20);
    let after = network.runtime.block_on(network.client.balance(&customer.pubkey())).unwrap();
    assert_eq!(after, before + SOL / 20 - 5_000, "escrow back, one signature's fee paid");
    network.fails(Some(&customer), &["job", "cancel", &job_hex], 1, "InvalidJobStatus");
    network.fails(Some(&customer), &["job", "output", &job_hex], 1, "no_output");

    // Workers: not registered, registered twice, too little stake or balance.
    let operator = network.party("operator", 2 * SOL);
    let error = network.fails(Some(&operator), &["worker", "stake", "1"], 4, "worker_not_registered");
    assert!(error["hint"].as_str().unwrap().contains("edgerun worker register"), "{error:#}");
    network.fails(Some(&operator), &["worker", "register", "--stake", "5"], 1, "insufficient_balance");
    assert!(network.runtime.block_on(network.client.worker_stake(&operator.pubkey())).unwrap().is_none());
    network.ok(Some(&operator), &["worker", "register", "--stake", "1"]);
    network.fails(Some(&operator), &["worker", "register"], 1, "already_registered");
    let error = network.fails(Some(&operator), &["worker", "unstake", "2"], 1, "InsufficientUnlockedStake");
    assert!(error["message"].as_str().unwrap().contains("unlocked"), "{error:#}");
    network.fails(Some(&operator), &["worker", "stake", "0"], 1, "ZeroAmount");
    let status = network.ok(None, &["worker", "status", &operator.pubkey().to_string()]);
    assert_eq!(status["total_stake_lamports"], SOL);
    assert_eq!(
        (status["max_concurrent_jobs"].as_u64(), status["instructions_per_second"].as_u64()),
        (Some(0), Some(0))
    );
    // Capacity: declared by the worker itself; zero is refused before anything is sent.
    let declared = network.ok(
        Some(&operator),
        &["worker", "capacity", "--concurrent-jobs", "2", "--instructions-per-second", "900000000"],
    );
    assert_eq!(
        (declared["max_concurrent_jobs"].as_u64(), declared["instructions_per_second"].as_u64()),
        (Some(2), Some(900_000_000))
    );
    let zero = network
        .command(Some(&operator), &["worker", "capacity", "--concurrent-jobs", "0", "--instructions-per-second", "1"])
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2), "a capacity of 0 is a usage error");
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--concurrent-jobs"), "the flag is named");
    network.fails(
        Some(&stranger),
        &["worker", "capacity", "--concurrent-jobs", "1", "--instructions-per-second", "1"],
        4,
        "worker_not_registered",
    );
    network.fails(None, &["worker", "status", &stranger.pubkey().to_string()], 4, "worker_not_registered");

    // Admin: only the admin, only real changes, only values the program accepts.
    let config_before = network.ok(None, &["admin", "show"]);
    network.fails(Some(&stranger), &["admin", "update", "--protocol-fee-bps", "300"], 1, "NotAdmin");
    network.fails(Some(&network.admin), &["admin", "update", "--protocol-fee-bps", "200"], 2, "usage");
    network.fails(Some(&network.admin), &["admin", "update", "--non-response-penalty", "0"], 1, "InvalidPenalty");
    network.fails(Some(&network.admin), &["admin", "withdraw-treasury", "1000"], 1, "InsufficientTreasuryBalance");
    network.fails(
        Some(&network.admin),
        &["admin", "init", "--scheduler-authority", &stranger.pubkey().to_string()],
        1,
        "config_mismatch",
    );
    assert_eq!(network.ok(None, &["admin", "show"]), config_before, "refused admin commands changed the config");
    let updated =
        network.ok(Some(&network.admin), &["admin", "update", "--protocol-fee-bps", "300", "--paused", "true"]);
    assert_eq!(updated["changes"].as_array().unwrap().len(), 2, "{updated:#}");
    assert_eq!(updated["config"]["protocol_fee_bps"], 300);
    network.fails(Some(&customer), &["job", "submit", "--wasm", wasm, "--escrow", "0.05"], 1, "ProtocolPaused");

    // The admin role moves in two steps, and only to the proposed key.
    let successor = network.party("successor", SOL);
    network.ok(Some(&network.admin), &["admin", "propose-admin", &successor.pubkey().to_string()]);
    network.fails(Some(&stranger), &["admin", "accept-admin"], 1, "NotPendingAdmin");
    let accepted = network.ok(Some(&successor), &["admin", "accept-admin"]);
    assert_eq!(accepted["config"]["admin"], successor.pubkey().to_string());
    assert_eq!(accepted["config"]["pending_admin"], serde_json::Value::Null);
    network.fails(Some(&network.admin), &["admin", "update", "--paused", "false"], 1, "NotAdmin");
    let resumed = network.ok(Some(&successor), &["admin", "update", "--paused", "false"]);
    assert_eq!(resumed["config"]["paused"], false);
}

/// The cranks that refund: a committee that stays silent (penalize, cancel-expired) and winners
/// who never publish (cancel-no-da), each too early first, then on time.
#[test]
fn cranks_refund_silent_committees_and_unpublished_outputs() {
    let network = Network::start();
    network.init(20);
    let workers = [network.worker("w1", "1"), network.worker("w2", "1"), network.worker("w3", "1")];
    let all: Vec<&support::Party> = workers.iter().collect();
    let member = |address: &solana_address::Address| workers.iter().find(|w| w.pubkey() == *address).unwrap();
    let wasm = guest("json_redact.wasm");
    let input = file(network.dir.path(), "document.json", DOCUMENT.as_bytes());
    let submit = |customer: &support::Party| {
        let args =
            ["job", "submit", "--wasm", wasm.to_str().unwrap(), "--input", input.to_str().unwrap(), "--escrow", "0.05"];
        let posted = network.ok(Some(customer), &args);
        let job_id: [u8; 32] = hex::decode(posted["job_id"].as_str().unwrap()).unwrap().try_into().unwrap();
        job_id
    };
    let cranker = network.party("cranker", SOL);

    // Job A: assigned, nobody answers.
    let silent_customer = network.party("silent", 2 * SOL);
    let silent = submit(&silent_customer);
    network.seed_and_assign(&silent, &all);
    let silent_hex = hex::encode(silent);
    let error = network.fails(Some(&cranker), &["crank", "penalize", &silent_hex], 1, "NothingToPenalize");
    assert!(error["hint"].as_str().unwrap().contains("deadlines have not passed"), "{error:#}");
    network.fails(Some(&cranker), &["crank", "cancel-expired", &silent_hex], 1, "DeadlineNotPassed");

    // Job B: a quorum, but the winners never declare the output.
    let b_customer = network.party("unpublished", 2 * SOL);
    let unpublished = submit(&b_customer);
    let committee = network.seed_and_assign(&unpublished, &all);
    for address in &committee[..2] {
        network.execute_and_submit(&unpublished, member(address));
    }
    let b_hex = hex::encode(unpublished);
    network.ok(Some(&cranker), &["crank", "reach-quorum", &b_hex]);
    network.fails(Some(&cranker), &["crank", "cancel-no-da", &b_hex], 1, "DaWindowNotPassed");

    // A: past every member's deadline, the silent are penalized, then the job refunded.
    let job = network.job(&silent).unwrap();
    network.wait_past(job.deadline_slot.get());
    let a_before = network.runtime.block_on(network.client.balance(&silent_customer.pubkey())).unwrap();
    let penalized = network.ok(Some(&cranker), &["crank", "penalize", &silent_hex]);
    assert_eq!(penalized["instruction"], "penalize_non_submitters");
    let status = network.ok(None, &["job", "status", &silent_hex]);
    assert!(status["committee"].as_array().unwrap().iter().all(|m| m["penalized"] == true), "{status:#}");
    // The job itself expires a challenge window later (time to reassign the silent).
    let error = network.fails(Some(&cranker), &["crank", "cancel-expired", &silent_hex], 1, "DeadlineNotPassed");
    assert!(error["hint"].as_str().unwrap().contains("edgerun job status"), "{error:#}");
    network.wait_past(job.deadline_slot.get() + job.challenge_window_slots.get());
    let refunded = network.ok(Some(&cranker), &["crank", "cancel-expired", &silent_hex]);
    let a_after = network.runtime.block_on(network.client.balance(&silent_customer.pubkey())).unwrap();
    assert_eq!(refunded["status"], "cancelled");
    assert_eq!(a_after, a_before + SOL / 20, "the whole escrow back to the customer");
    let missed = network.ok(None, &["worker", "status", &workers[0].pubkey().to_string()]);
    assert!(missed["penalized_lamports"].as_u64().unwrap() > 0, "{missed:#}");

    // B: past the DA window, the winners who never declared are penalized and the job reopens
    // for a new quorum; nobody forms one, so it expires and `crank once` refunds it.
    let job = network.job(&unpublished).unwrap();
    network.wait_past(job.da_deadline_slot.get());
    let reopened = network.ok(Some(&cranker), &["crank", "cancel-no-da", &b_hex]);
    assert_eq!(reopened["status"], "assigned");
    let status = network.ok(None, &["job", "status", &b_hex]);
    let da_failed: Vec<bool> =
        status["committee"].as_array().unwrap().iter().map(|m| m["da_failed"].as_bool().unwrap()).collect();
    assert_eq!(da_failed.iter().filter(|failed| **failed).count(), 2, "{status:#}");
    // A winner that never declared failed on its own: the same count the scheduler jails by
    // (three under its default policy, so not yet jailed).
    for member in status["committee"].as_array().unwrap().iter().filter(|m| m["da_failed"] == true) {
        let standing = network.ok(None, &["worker", "status", member["worker"].as_str().unwrap()]);
        assert_eq!((&standing["recent_failures"], &standing["status"]), (&1.into(), &"active".into()), "{standing:#}");
        // Under a scheduler that jails at the first failure, it is jailed.
        let worker = member["worker"].as_str().unwrap();
        let strict = ["worker", "status", worker, "--jail-max-failures", "1", "--jail-cooldown-slots", "5000"];
        let standing = network.ok(None, &strict);
        assert_eq!(
            (&standing["status"], &standing["jail_max_failures"], &standing["jail_cooldown_slots"]),
            (&"jailed".into(), &1.into(), &5000.into()),
            "{standing:#}"
        );
        assert!(standing["jailed_until_slot"].as_u64().is_some_and(|until| until > job.da_deadline_slot.get()));
    }
    let stages: Vec<&str> =
        status["timeline"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages.last(), Some(&"output_not_declared"), "{status:#}");
    let b_before = network.runtime.block_on(network.client.balance(&b_customer.pubkey())).unwrap();
    let job = network.job(&unpublished).unwrap();
    network.wait_past(job.deadline_slot.get() + job.challenge_window_slots.get());
    let pass = network.ok(Some(&cranker), &["crank", "once"]);
    let expired = pass["attempts"].as_array().unwrap().iter().any(|attempt| {
        attempt["job_id"] == b_hex.as_str() && attempt["action"] == "cancel-expired" && attempt["outcome"] == "sent"
    });
    assert!(expired, "{pass:#}");
    let b_after = network.runtime.block_on(network.client.balance(&b_customer.pubkey())).unwrap();
    assert_eq!(b_after, b_before + SOL / 20, "the whole escrow back to the customer");

    // Both close after retention (A, whose retention ended first, possibly in the pass above).
    network.wait_past(network.job(&unpublished).unwrap().ended_slot.get() + 10);
    let pass = network.ok(Some(&cranker), &["crank", "once"]);
    let closed = pass["attempts"].as_array().unwrap().iter().any(|attempt| {
        attempt["job_id"] == b_hex.as_str() && attempt["action"] == "close" && attempt["outcome"] == "sent"
    });
    assert!(closed, "{pass:#}");
    assert!(network.job(&silent).is_none() && network.job(&unpublished).is_none());
}
