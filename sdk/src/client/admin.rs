//! Deployment operations: is the program deployed, who may upgrade it, initializing the protocol
//! config (idempotently: the migration that follows a deploy, and `edgerun admin init`), and
//! lamports: balances, and airdrops on test clusters.

use edgerun::instructions::{parse_upgrade_authority, program_data_address, ConfigParams, BPF_LOADER_UPGRADEABLE_ID};
use edgerun::state::GlobalConfig;
use serde::{Deserialize, Serialize};
use solana_address::Address;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;

use super::{client_error, ChainBackend, ClientError, EdgerunClient, TransactionFailure};
use crate::config_params::config_differences;
use crate::instructions::{self as ix, SYSTEM_PROGRAM_ID};
use crate::pda;

/// What [`EdgerunClient::initialize_config`] did. As JSON: `{"outcome":"initialized",
/// "signature":"..."}` or `{"outcome":"already_initialized"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ConfigOutcome {
    /// The config and treasury were created by this transaction.
    Initialized { signature: String },
    /// An identical config already existed; nothing was sent.
    AlreadyInitialized,
}

impl<B: ChainBackend> EdgerunClient<B> {
    /// The lamports at `address` (0 when no account is there).
    pub async fn balance(&self, address: &Address) -> Result<u64, ClientError> {
        let account = self.read("getAccountInfo", || self.backend.get_account(address)).await?;
        Ok(account.map_or(0, |account| account.lamports))
    }

    /// Asks the cluster's faucet for `lamports` to `to` and waits until the airdrop is
    /// confirmed. Only test clusters (a local validator, devnet, testnet) have a faucet. Not
    /// retried: a request lost in transport may still have been granted.
    pub async fn request_airdrop(&self, to: &Address, lamports: u64) -> Result<Signature, ClientError> {
        let programs = [SYSTEM_PROGRAM_ID];
        let signature = self.backend.airdrop(to, lamports).await.map_err(|error| client_error(error, 1, &programs))?;
        let confirmed = self.confirm(&signature).await?;
        match confirmed.result {
            Ok(()) => Ok(signature),
            Err(error) => {
                Err(ClientError::Transaction(Box::new(TransactionFailure::new(error, &programs, Vec::new()))))
            }
        }
    }

    /// The upgrade authority recorded in `program_id`'s ProgramData account (`None`: the program
    /// is immutable). [`ClientError::NotUpgradeable`] when the program was not deployed with the
    /// upgradeable loader (or not at all).
    pub async fn upgrade_authority(&self, program_id: &Address) -> Result<Option<Address>, ClientError> {
        let address = program_data_address(program_id);
        let account = self.read("getAccountInfo", || self.backend.get_account(&address)).await?;
        let not_upgradeable = |reason: String| ClientError::NotUpgradeable { program: *program_id, reason };
        let Some(account) = account else {
            return Err(not_upgradeable(format!("it has no ProgramData account ({address})")));
        };
        if account.owner != BPF_LOADER_UPGRADEABLE_ID {
            return Err(not_upgradeable(format!(
                "its ProgramData address {address} is owned by {}, not the upgradeable loader",
                account.owner
            )));
        }
        parse_upgrade_authority(&account.data)
            .map_err(|_| not_upgradeable(format!("{address} is not a ProgramData account")))
    }

    /// Ok when the Edgerun program (`edgerun::ID`) is an executable account on the cluster,
    /// else [`ClientError::ProgramNotDeployed`].
    pub async fn ensure_program_deployed(&self) -> Result<(), ClientError> {
        let program = edgerun::ID;
        let account = self.read("getAccountInfo", || self.backend.get_account(&program)).await?;
        match account {
            Some(account) if account.executable => Ok(()),
            Some(_) => Err(ClientError::ProgramNotDeployed {
                program,
                reason: "an account is there but it is not executable".into(),
            }),
            None => Err(ClientError::ProgramNotDeployed { program, reason: "no account is there".into() }),
        }
    }

    /// Creates the config and the treasury with `params`, `admin` becoming the admin (and paying).
    /// Idempotent:
    /// - a config equal to the wanted one already exists: [`ConfigOutcome::AlreadyInitialized`],
    ///   nothing is sent;
    /// - a different one exists: [`ClientError::ConfigMismatch`] naming every differing field
    ///   (change it with `update_config`, never silently);
    /// - otherwise, after checking that the program is deployed ([`ClientError::ProgramNotDeployed`])
    ///   and that `admin` is its upgrade authority, the only key the program lets initialize
    ///   ([`ClientError::NotUpgradeAuthority`]), `initialize_config` is sent and the created
    ///   config compared with the wanted one.
    pub async fn initialize_config(&self, admin: &Keypair, params: ConfigParams) -> Result<ConfigOutcome, ClientError> {
        let config_address = pda::config_address();
        let compare = |config: &GlobalConfig| {
            let differences = config_differences(config, &admin.pubkey(), &params);
            if differences.is_empty() {
                Ok(())
            } else {
                Err(ClientError::ConfigMismatch { config: config_address, differences })
            }
        };
        if let Some(config) = self.account::<GlobalConfig>(&config_address).await? {
            return compare(&config).map(|()| ConfigOutcome::AlreadyInitialized);
        }
        self.ensure_program_deployed().await?;
        let authority = self.upgrade_authority(&edgerun::ID).await?;
        if authority != Some(admin.pubkey()) {
            return Err(ClientError::NotUpgradeAuthority { signer: admin.pubkey(), authority });
        }
        let receipt = self.send(admin, &[], &[ix::initialize_config(&admin.pubkey(), params)]).await?;
        compare(&self.global_config().await?)?;
        Ok(ConfigOutcome::Initialized { signature: receipt.signature.to_string() })
    }
}
