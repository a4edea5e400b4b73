//! Config initialization on any cluster over JSON-RPC: the migration that follows a deploy.
//! Idempotent: an existing config equal to the wanted one is left alone, a different one is an
//! error that names every differing field (change it with `update_config`, never silently).

use anchor_lang::AccountDeserialize;
use anyhow::{anyhow, bail, Context};
use edgerun::instructions::ConfigParams;
use edgerun::state::{GlobalConfig, Job, WorkerStake};
use edgerun_sdk::config_params::config_differences;
use edgerun_sdk::{instructions as ix, pda};
use serde::Serialize;
use solana_address::Address;
use solana_client::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;
use std::time::{Duration, Instant};

/// What [`initialize_config`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ConfigOutcome {
    /// The config and treasury were created by this transaction.
    Initialized { signature: String },
    /// An identical config already existed; nothing was sent.
    AlreadyInitialized,
}

/// A client at `confirmed` commitment with a 30 s request timeout.
pub fn rpc_client(rpc_url: &str) -> RpcClient {
    RpcClient::new_with_timeout_and_commitment(
        rpc_url.to_string(),
        Duration::from_secs(30),
        CommitmentConfig::confirmed(),
    )
}

/// Decodes an Edgerun account of type `T` at `address`; `None` if it does not exist (or is empty).
pub fn fetch_account<T: AccountDeserialize>(client: &RpcClient, address: &Address) -> anyhow::Result<Option<T>> {
    let Some(account) = client
        .get_account_with_commitment(address, client.commitment())
        .with_context(|| format!("cannot read account {address}"))?
        .value
    else {
        return Ok(None);
    };
    Ok(edgerun_sdk::accounts::decode_account(address, &account.owner, &account.data)?)
}

/// The job `job_id`; an error if it does not exist.
pub fn fetch_job(client: &RpcClient, job_id: &[u8; 32]) -> anyhow::Result<Job> {
    fetch_account(client, &pda::job_address(job_id))?
        .with_context(|| format!("job {} does not exist", hex::encode(job_id)))
}

/// The stake of `worker`; an error if it never registered.
pub fn fetch_stake(client: &RpcClient, worker: &Address) -> anyhow::Result<WorkerStake> {
    fetch_account(client, &pda::worker_stake_address(worker))?.with_context(|| format!("{worker} has no stake account"))
}

/// The protocol config, `None` before `initialize_config`.
pub fn fetch_config(client: &RpcClient) -> anyhow::Result<Option<GlobalConfig>> {
    fetch_account(client, &pda::config_address())
}

/// The upgrade authority in `program_id`'s ProgramData account (`None`: immutable program).
pub fn upgrade_authority(client: &RpcClient, program_id: &Address) -> anyhow::Result<Option<Address>> {
    let address = edgerun::instructions::program_data_address(program_id);
    let account = client
        .get_account_with_commitment(&address, client.commitment())
        .with_context(|| format!("cannot read the ProgramData account {address}"))?
        .value
        .ok_or_else(|| {
            anyhow!("{program_id} has no ProgramData account {address}: deploy it with the upgradeable loader")
        })?;
    anyhow::ensure!(
        account.owner == edgerun::instructions::BPF_LOADER_UPGRADEABLE_ID,
        "{address} is not owned by the upgradeable loader"
    );
    edgerun::instructions::parse_upgrade_authority(&account.data)
        .map_err(|_| anyhow!("{address} is not a ProgramData account"))
}

/// Fails clearly unless `edgerun::ID` is an executable program on the cluster.
pub fn ensure_program_deployed(client: &RpcClient) -> anyhow::Result<()> {
    let program = client
        .get_account_with_commitment(&edgerun::ID, client.commitment())
        .with_context(|| format!("cannot read program account {}", edgerun::ID))?
        .value;
    match program {
        Some(account) if account.executable => Ok(()),
        Some(_) => bail!("{} exists but is not an executable program", edgerun::ID),
        None => bail!("the Edgerun program {} is not deployed on {}", edgerun::ID, client.url()),
    }
}

/// Sends `instructions` paid by `payer` and signed by `signers` too; waits for confirmation.
pub fn send(
    client: &RpcClient,
    payer: &Keypair,
    signers: &[&Keypair],
    instructions: &[Instruction],
) -> anyhow::Result<String> {
    let mut all: Vec<&Keypair> = vec![payer];
    for signer in signers {
        if !all.iter().any(|known| known.pubkey() == signer.pubkey()) {
            all.push(signer);
        }
    }
    let blockhash = client.get_latest_blockhash().context("cannot get a recent blockhash")?;
    let message = Message::new(instructions, Some(&payer.pubkey()));
    let transaction = Transaction::new(&all, message, blockhash);
    let signature = client.send_and_confirm_transaction(&transaction).map_err(|error| anyhow!("{error:?}"))?;
    Ok(signature.to_string())
}

/// Creates the config and treasury with `params` and `admin` as admin (and fee payer). If the
/// config already exists and equals the wanted one, does nothing; if it differs, fails with
/// every differing field.
pub fn initialize_config(rpc_url: &str, admin: &Keypair, params: ConfigParams) -> anyhow::Result<ConfigOutcome> {
    initialize_config_with(&rpc_client(rpc_url), admin, params)
}

/// [`initialize_config`] with an existing client.
pub fn initialize_config_with(
    client: &RpcClient,
    admin: &Keypair,
    params: ConfigParams,
) -> anyhow::Result<ConfigOutcome> {
    if let Some(config) = fetch_config(client)? {
        return match config_differences(&config, &admin.pubkey(), &params) {
            differences if differences.is_empty() => Ok(ConfigOutcome::AlreadyInitialized),
            differences => bail!(
                "the Edgerun config {} already exists and differs from the wanted one (on chain != wanted):\n  {}\n\
                 change it with update_config signed by the admin",
                pda::config_address(),
                differences.join("\n  ")
            ),
        };
    }
    ensure_program_deployed(client)?;
    let authority = upgrade_authority(client, &edgerun::ID)?;
    if authority != Some(admin.pubkey()) {
        bail!(
            "only the program's upgrade authority may initialize the config: {} is not {}; \
             run this with the upgrade authority's keypair",
            admin.pubkey(),
            authority.map_or_else(|| "set (the program is immutable)".to_string(), |key| key.to_string())
        );
    }
    let signature = send(client, admin, &[], &[ix::initialize_config(&admin.pubkey(), params)])
        .context("initialize_config failed")?;
    let config = fetch_config(client)?.ok_or_else(|| anyhow!("config missing after initialize_config {signature}"))?;
    let differences = config_differences(&config, &admin.pubkey(), &params);
    anyhow::ensure!(differences.is_empty(), "config differs right after initialization: {differences:?}");
    Ok(ConfigOutcome::Initialized { signature })
}

/// Requests an airdrop of `lamports` to `to` and waits (up to `timeout`) until it is confirmed.
pub fn airdrop(client: &RpcClient, to: &Address, lamports: u64, timeout: Duration) -> anyhow::Result<()> {
    let signature = client.request_airdrop(to, lamports).with_context(|| format!("airdrop to {to} refused"))?;
    let deadline = Instant::now() + timeout;
    loop {
        if client.confirm_transaction(&signature).unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("airdrop {signature} to {to} not confirmed within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
