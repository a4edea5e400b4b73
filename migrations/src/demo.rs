//! The demo job on a local network, end to end with every real part: three staked workers, a
//! customer's bundle (the JSON redaction guest) stored in the storage gateway, and one job's
//! whole life: post → seed → assign → execute → submit → quorum → declare → finalize. Each
//! worker takes the very job step the worker daemon takes (`edgerun_worker::daemon::step::Worker`):
//! fetch the bundle by hash, run it in the deterministic runtime, publish the result bytes,
//! attest and submit; then a winner settles (quorum, output declaration, payout).

use std::sync::Arc;

use anyhow::{bail, ensure, Context};
use ed25519_dalek::SigningKey;
use edgerun::state::{Job, JobStatus};
use edgerun_sdk::bundle::{bundle_hash, Bundle, Limits};
use edgerun_sdk::client::{ChainBackend, ClientError, EdgerunClient};
use edgerun_sdk::storage::{ContentHash, StorageClient};
use edgerun_sdk::{instructions as ix, pda, selection, submission};
use edgerun_worker::daemon::step::{Settlement, Submission, Worker};
use edgerun_worker::{runtime_id, Runtime, RuntimeConfig};
use serde::Serialize;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;

const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
/// Tier 0 of the default tier table (escrow below 0.1 SOL): a committee of 3, quorum 2.
const DEMO_ESCROW_LAMPORTS: u64 = 50_000_000;
const DEMO_WORKERS: usize = 3;
/// The guests declare a 64 MiB memory maximum (scripts/build-guests.sh), so the job's memory
/// limit must be at least that (a lower one is `MemoryAboveCap`).
pub const DEMO_LIMITS: Limits = Limits { max_memory_bytes: 64 * 1024 * 1024, max_instructions: 200_000_000 };

/// The customer's document: canonical JSON comes out, with its secrets masked.
pub const DEMO_INPUT: &str = r#"{"document":{"user":"ada","email":"ada@example.com","password":"hunter2","api_key":"sk-live-1234","orders":[{"id":2,"total":"19.90"},{"id":1,"total":"5.00"}]},"redact":["email","password","api_key"]}"#;

/// Who takes part. The randomness and scheduler authorities are the configured ones.
pub struct DemoParties<'a> {
    pub randomness_authority: &'a Keypair,
    pub scheduler_authority: &'a Keypair,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoWorker {
    pub pubkey: String,
    pub output_hash: String,
    pub stake_before: u64,
    pub stake_after: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoOutcome {
    pub job_id: String,
    pub job: String,
    pub bundle_hash: String,
    pub output_hash: String,
    pub output_pointer: String,
    /// The output as text, or the error record (hex) when the guest failed.
    pub output: String,
    /// Set when the committee agreed on a failure (e.g. `OutOfFuel (300)`).
    pub error_code: Option<String>,
    pub escrow_lamports: u64,
    /// Escrow, the rent of the job's accounts (the job, its results and output record, all
    /// refunded by close_job after retention) and fees.
    pub customer_spent_lamports: u64,
    pub treasury_fee_lamports: u64,
    pub committee: Vec<DemoWorker>,
    pub final_status: u8,
}

/// Runs the demo job against the cluster behind `client` (program deployed, config initialized,
/// a faucet for the airdrops) and the gateway at `storage_url`, with `guest_wasm` as the job's
/// module.
pub async fn run_demo<B: ChainBackend>(
    client: &EdgerunClient<B>,
    storage_url: &str,
    parties: DemoParties<'_>,
    guest_wasm: Vec<u8>,
) -> anyhow::Result<DemoOutcome> {
    let config = match client.global_config().await {
        Ok(config) => config,
        Err(ClientError::NotFound { .. }) => {
            bail!("the config is not initialized: initialize it with `edgerun admin init`")
        }
        Err(error) => return Err(error).context("reading the config"),
    };
    ensure!(
        config.allowed_runtime_root == [0u8; 32],
        "this cluster restricts runtimes (allowed_runtime_root is set); the demo posts without a runtime proof"
    );
    let store = StorageClient::new(storage_url)?;

    // Workers: registered and staked well above the minimum and the job's lock.
    let stake = config.min_worker_stake_lamports.get().max(DEMO_ESCROW_LAMPORTS).saturating_mul(2);
    let workers: Vec<Arc<Keypair>> = (0..DEMO_WORKERS).map(|_| Arc::new(Keypair::new())).collect();
    for worker in &workers {
        let funds = stake.saturating_add(LAMPORTS_PER_SOL);
        client.request_airdrop(&worker.pubkey(), funds).await.context("airdrop to a demo worker")?;
        client
            .send(worker, &[], &[ix::register_worker(&worker.pubkey()), ix::deposit_stake(&worker.pubkey(), stake)])
            .await
            .context("registering a demo worker")?;
    }
    eprintln!("demo: {DEMO_WORKERS} workers registered with {stake} lamports of stake each");

    // The customer stores the bundle, then posts the job with its escrow.
    let customer = Keypair::new();
    client.request_airdrop(&customer.pubkey(), LAMPORTS_PER_SOL).await.context("airdrop to the customer")?;
    let bundle = Bundle {
        runtime_id: runtime_id(),
        wasm: guest_wasm,
        input: DEMO_INPUT.as_bytes().to_vec(),
        limits: DEMO_LIMITS,
        meta: Some(b"edgerun demo: json normalize + redact".to_vec()),
        args: Vec::new(),
    };
    let bundle_bytes = bundle.encode()?;
    let bundle_hash = bundle_hash(&bundle_bytes);
    let stored = store.put_bundle(bundle_bytes.clone()).await.context("storing the bundle")?;
    let newly = if stored.created { "stored" } else { "already stored" };
    eprintln!("demo: bundle {} {newly} ({} bytes)", hex::encode(bundle_hash), bundle_bytes.len());

    let nonce = submission::fresh_nonce();
    let customer_before = client.balance(&customer.pubkey()).await?;
    let treasury_before = client.balance(&pda::treasury_address()).await?;
    let args = submission::post_job_args(
        &customer.pubkey(),
        bundle_hash,
        bundle.runtime_id,
        DEMO_LIMITS,
        DEMO_ESCROW_LAMPORTS,
        nonce,
    );
    let job_id = args.job_id;
    client.send(&customer, &[], &[ix::post_job(&customer.pubkey(), args)]).await.context("post_job")?;
    eprintln!("demo: job {} posted with {DEMO_ESCROW_LAMPORTS} lamports of escrow", hex::encode(job_id));

    // Seed, then the committee ranked by the seed.
    let recent = client.backend().latest_blockhash().await.context("reading a recent blockhash")?;
    let seed = *blake3::keyed_hash(&job_id, recent.as_ref()).as_bytes();
    let randomness = parties.randomness_authority;
    client
        .send(randomness, &[], &[ix::set_job_seed(&randomness.pubkey(), &job_id, seed)])
        .await
        .context("set_job_seed")?;
    let posted = fetch_job(client, &job_id).await?;
    let candidates: Vec<Address> = workers.iter().map(|worker| worker.pubkey()).collect();
    let committee = selection::select_committee(&seed, &job_id, &candidates, usize::from(posted.committee_size));
    ensure!(committee.len() == usize::from(posted.committee_size), "not enough workers for the committee");
    let scheduler = parties.scheduler_authority;
    client
        .send(scheduler, &[], &[ix::assign_workers(&scheduler.pubkey(), &job_id, &committee)])
        .await
        .context("assign_workers")?;
    let job = fetch_job(client, &job_id).await?;
    ensure!(job.status() == Ok(JobStatus::Assigned), "the job is not assigned (status {:?})", job.status());
    eprintln!("demo: seed set, committee of {} (quorum {}) assigned", job.committee_size, job.quorum);

    // Each member takes the daemon's job step: fetch by hash, execute (on a blocking thread),
    // publish the result bytes, attest and submit.
    let runtime = Arc::new(Runtime::new(RuntimeConfig::default())?);
    let mut members = Vec::new();
    let mut error_code = None;
    for member in &committee {
        let keypair = workers.iter().find(|w| w.pubkey() == *member).context("committee member without a key")?;
        let stake_before = total_stake(client, member).await?;
        let store = StorageClient::new(storage_url)?.with_signer(SigningKey::from_bytes(keypair.secret_bytes()));
        let worker = Worker::new(client.clone(), store, Arc::clone(keypair), Arc::clone(&runtime), 1)?;
        let submission = worker.execute_and_submit(&job).await.context("the job step")?;
        let Submission::Submitted { output_hash, execution, .. } = &submission else {
            bail!("worker {member} had a result on the job before it ran it");
        };
        let ending = execution.error_code.map_or_else(|| "output".to_string(), |code| format!("error {code}"));
        eprintln!(
            "demo: worker {member} ran the bundle ({ending}, fuel {}), submitted {}",
            execution.fuel_used,
            hex::encode(output_hash)
        );
        error_code = execution.error_code.map(|code| code.to_string());
        members.push((worker, *output_hash, stake_before));
    }

    // Quorum, output declaration and payout in one transaction, by a winner (the daemon's
    // settlement step).
    let (winner, output_hash, _) = members.first().context("empty committee")?;
    let output_hash = *output_hash;
    let pointer = winner.output_pointer(&output_hash);
    match winner.settle(&job_id).await.context("settling the job")? {
        Settlement::Sent { finalized: true, .. } => {}
        other => bail!("the winner could not settle the job: {other:?}"),
    }
    let finalized = fetch_job(client, &job_id).await?;
    if finalized.status() != Ok(JobStatus::Finalized) {
        bail!("the job ended in status {:?} instead of Finalized", finalized.status());
    }

    // What the customer gets: the output, fetched by its hash (the client verifies the bytes).
    let output =
        store.get_output(&ContentHash(finalized.winning_output_hash)).await.context("reading the output back")?;
    let mut committee_report = Vec::new();
    for (worker, output_hash, stake_before) in &members {
        committee_report.push(DemoWorker {
            pubkey: worker.pubkey().to_string(),
            output_hash: hex::encode(output_hash),
            stake_before: *stake_before,
            stake_after: total_stake(client, &worker.pubkey()).await?,
        });
    }
    Ok(DemoOutcome {
        job_id: hex::encode(job_id),
        job: pda::job_address(&job_id).to_string(),
        bundle_hash: hex::encode(bundle_hash),
        output_hash: hex::encode(finalized.winning_output_hash),
        output_pointer: pointer,
        output: match &error_code {
            None => String::from_utf8_lossy(&output).into_owned(),
            Some(_) => hex::encode(&output),
        },
        error_code,
        escrow_lamports: DEMO_ESCROW_LAMPORTS,
        customer_spent_lamports: customer_before.saturating_sub(client.balance(&customer.pubkey()).await?),
        treasury_fee_lamports: client.balance(&pda::treasury_address()).await?.saturating_sub(treasury_before),
        committee: committee_report,
        final_status: finalized.status,
    })
}

/// The job `job_id`; an error if it does not exist.
async fn fetch_job<B: ChainBackend>(client: &EdgerunClient<B>, job_id: &[u8; 32]) -> anyhow::Result<Job> {
    client.job(job_id).await?.with_context(|| format!("job {} does not exist", hex::encode(job_id)))
}

/// The total stake of `worker`; an error if it never registered.
async fn total_stake<B: ChainBackend>(client: &EdgerunClient<B>, worker: &Address) -> anyhow::Result<u64> {
    let stake = client.worker_stake(worker).await?.with_context(|| format!("{worker} has no stake account"))?;
    Ok(stake.total_stake.get())
}
