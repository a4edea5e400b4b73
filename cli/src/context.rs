//! What every online command needs: the resolved settings, the chain client, the signer (read
//! only when a command signs or needs "me") and the storage gateway.

use std::io::IsTerminal;
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use edgerun::state::Job;
use edgerun_sdk::client::{ClientConfig, ClientError, EdgerunClient, RpcBackend, RpcConfig, Websocket};
use edgerun_sdk::storage::StorageClient;
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::error::CliError;
use crate::output::OutputFormat;
use crate::settings::{Overrides, Settings};
use crate::GlobalArgs;

pub struct Context {
    pub settings: Settings,
    pub format: OutputFormat,
    pub client: EdgerunClient<RpcBackend>,
    keypair: OnceLock<Result<Keypair, CliError>>,
}

impl Context {
    pub fn new(global: &GlobalArgs) -> Result<Context, CliError> {
        let settings = Settings::resolve(&Overrides {
            config_file: global.config_file.clone(),
            url: global.url.clone(),
            ws_url: global.ws_url.clone(),
            keypair: global.keypair.clone(),
            storage: global.storage.clone(),
        })?;
        let rpc = RpcConfig { websocket: Websocket::Url(settings.ws_url.clone()), ..RpcConfig::default() };
        let backend = RpcBackend::new(settings.rpc_url.clone(), rpc);
        let client = EdgerunClient::new(backend, ClientConfig::default());
        Ok(Context { settings, format: global.output, client, keypair: OnceLock::new() })
    }

    /// The signing keypair, read on first use.
    pub fn keypair(&self) -> Result<&Keypair, CliError> {
        self.keypair.get_or_init(|| read_keypair(&self.settings.keypair_path)).as_ref().map_err(Clone::clone)
    }

    pub fn pubkey(&self) -> Result<Address, CliError> {
        Ok(self.keypair()?.pubkey())
    }

    /// Turns a chain client failure into the CLI's.
    pub fn chain(&self, error: ClientError) -> CliError {
        CliError::chain(error, &self.settings.rpc_url)
    }

    /// The gateway's URL, or how to name one.
    pub fn storage_url(&self) -> Result<&str, CliError> {
        self.settings.storage_url.as_deref().ok_or_else(|| {
            CliError::usage(format!("no storage gateway is known for {}", self.settings.rpc_url))
                .with_hint("pass --storage URL (or set EDGERUN_STORAGE_URL) to the gateway this network uses")
        })
    }

    /// A client of the gateway at `url`, signing writes with the keypair when one can be read.
    pub fn storage_at(&self, url: &str) -> Result<StorageClient, CliError> {
        let client = StorageClient::new(url).map_err(|error| CliError::storage(error, url))?;
        Ok(match self.keypair() {
            Ok(keypair) => client.with_signer(SigningKey::from_bytes(keypair.secret_bytes())),
            Err(_) => client,
        })
    }

    /// Whether progress can be drawn (text output to a terminal).
    pub fn interactive(&self) -> bool {
        self.format == OutputFormat::Text && std::io::stderr().is_terminal()
    }

    /// The job `reference` names: its 64-hex-digit id, or its account address.
    pub async fn find_job(&self, reference: &str) -> Result<Job, CliError> {
        let reference = reference.trim();
        let address = edgerun_sdk::submission::parse_job_reference(reference).map_err(|error| {
            CliError::usage(error.to_string())
                .with_hint("a job id is 64 hex digits, as printed by `edgerun job submit`")
        })?;
        let job = self.client.account::<Job>(&address).await.map_err(|error| self.chain(error))?;
        job.ok_or_else(|| self.find_job_error(reference))
    }

    /// No job named `reference` on this cluster.
    pub fn find_job_error(&self, reference: &str) -> CliError {
        CliError::not_found("job_not_found", format!("no job {reference} on {}", self.settings.rpc_url))
            .with_hint("check the id and --url; `edgerun job list --mine` lists yours (closed jobs are gone)")
    }
}

/// A Solana JSON keypair file (read by the sdk's one rule), with what to do when it is unusable.
pub fn read_keypair(path: &std::path::Path) -> Result<Keypair, CliError> {
    use edgerun_sdk::keys::KeyFileError;
    edgerun_sdk::keys::read_keypair(path).map_err(|error| {
        let hint = match &error {
            KeyFileError::WorldAccessible { .. } => {
                format!("`chmod 600 {}`, then run the command again", path.display())
            }
            KeyFileError::Unreadable { .. } => {
                format!("create one with `solana-keygen new -o {}`, or pass --keypair FILE", path.display())
            }
            KeyFileError::NotAKeypair { .. } | KeyFileError::Unwritable { .. } => {
                "pass a file written by `solana-keygen new`".to_string()
            }
        };
        CliError::usage(error.to_string()).with_hint(hint)
    })
}
