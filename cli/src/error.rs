//! Every failure the CLI reports: what went wrong, what to do next, and an exit code a script
//! can branch on. The program's refusals keep their `EdgerunError` name (the JSON `code`), so a
//! script never parses English.

use std::fmt;

use edgerun::errors::EdgerunError;
use edgerun_sdk::client::{ClientError, FailureReason};
use edgerun_sdk::storage::StorageError;
use serde::Serialize;

/// What kind of failure; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The operation was refused or did not succeed (by the program, the gateway, the job's
    /// outcome). Exit code 1.
    Failed,
    /// The command line or a file it names is wrong. Exit code 2 (as clap's own usage errors).
    Usage,
    /// The cluster or the gateway could not be reached; trying again later may work. Exit code 3.
    Unreachable,
    /// The job, worker or account named does not exist. Exit code 4.
    NotFound,
}

impl ErrorKind {
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Failed => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Unreachable => 3,
            ErrorKind::NotFound => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CliError {
    pub kind: ErrorKind,
    /// Stable identifier: the program error's name (`EscrowBelowMinimum`), or one of ours
    /// (`job_not_found`, `rpc_unreachable`, ...).
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        CliError { kind, code: code.into(), message: message.into(), hint: None }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, "usage", message)
    }

    pub fn failed(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, code, message)
    }

    pub fn not_found(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }

    /// A chain client failure, with the cluster's URL in transport errors.
    pub fn chain(error: ClientError, rpc_url: &str) -> Self {
        match error {
            ClientError::Transport { attempts, message } => CliError::new(
                ErrorKind::Unreachable,
                "rpc_unreachable",
                format!("cannot reach the cluster at {rpc_url} ({attempts} attempts): {message}"),
            )
            .with_hint(
                "check --url (or `json_rpc_url` in the Solana CLI config); for the local network start it with \
                 `bash scripts/localnet.sh`",
            ),
            ClientError::Node(message) => {
                CliError::failed("rpc_error", format!("the node at {rpc_url} refused: {message}"))
            }
            ClientError::Transaction(failure) => match &failure.reason {
                FailureReason::Edgerun(error) => refused(*error),
                reason => {
                    let (code, hint) = transaction_hint(&reason.name());
                    let error = CliError::failed(code, format!("the transaction was refused: {}", reason.name()));
                    match hint {
                        Some(hint) => error.with_hint(hint),
                        None => error,
                    }
                }
            },
            ClientError::NotFound { kind: "config", address } => CliError::not_found(
                "not_initialized",
                format!("Edgerun is not initialized on {rpc_url} (no config account {address})"),
            )
            .with_hint("check --url; the network admin initializes it with `edgerun admin init`"),
            ClientError::NotFound { kind, address } => {
                CliError::not_found(format!("{kind}_not_found"), format!("the {kind} account {address} does not exist"))
            }
            ClientError::Decode(error) => CliError::failed("decode", format!("an account does not decode: {error}"))
                .with_hint("this CLI may be older than the program on this cluster; update it"),
            ClientError::Unconfirmed { signature, waited } => CliError::new(
                ErrorKind::Unreachable,
                "unconfirmed",
                format!("transaction {signature} was sent but not confirmed within {waited:?}"),
            )
            .with_hint(format!("it may still land: check it with `solana confirm {signature}` before trying again")),
            ClientError::Signing(message) => CliError::failed("signing", format!("cannot sign: {message}")),
            error @ ClientError::ProgramNotDeployed { .. } => {
                CliError::not_found("program_not_deployed", error.to_string())
                    .with_hint("check --url; the program is deployed first, then initialized with `edgerun admin init`")
            }
            error @ ClientError::NotUpgradeable { .. } => CliError::failed("not_upgradeable", error.to_string()),
            error @ ClientError::NotUpgradeAuthority { .. } => {
                CliError::failed("NotUpgradeAuthority", error.to_string())
                    .with_hint("run `edgerun admin init` with the upgrade authority's keypair (--keypair)")
            }
            error @ ClientError::ConfigMismatch { .. } => CliError::failed("config_mismatch", error.to_string())
                .with_hint("change values with `edgerun admin update` (signed by the admin)"),
        }
    }

    /// A storage gateway failure.
    pub fn storage(error: StorageError, storage_url: &str) -> Self {
        match error {
            StorageError::Http(error) => CliError::new(
                ErrorKind::Unreachable,
                "storage_unreachable",
                format!("cannot reach the storage gateway at {storage_url}: {error}"),
            )
            .with_hint("check --storage (or EDGERUN_STORAGE_URL); nothing was posted on chain"),
            StorageError::NotFound => {
                CliError::not_found("object_not_found", format!("the gateway at {storage_url} does not have it"))
            }
            StorageError::Rejected { status, code, message } => CliError::failed(
                format!("storage_{code}"),
                format!("the storage gateway at {storage_url} refused ({status}): {message}"),
            ),
            StorageError::HashMismatch { expected, actual } => CliError::failed(
                "hash_mismatch",
                format!("the gateway at {storage_url} returned bytes hashing to {actual}, not {expected}: not saved"),
            )
            .with_hint("the gateway is corrupt or lying; try another with --storage"),
            StorageError::TooLarge { limit } => {
                CliError::failed("too_large", format!("the object is larger than the download limit of {limit} bytes"))
            }
            StorageError::InvalidUrl(message) => CliError::usage(format!("invalid storage URL: {message}"))
                .with_hint("pass --storage http(s)://HOST:PORT"),
        }
    }
}

/// A failure of the scheduler's API (`job submit --api`).
pub fn scheduler_api(error: edgerun_sdk::scheduler_api::SchedulerApiError, api_url: &str) -> CliError {
    use edgerun_sdk::scheduler_api::SchedulerApiError;
    match error {
        SchedulerApiError::InvalidUrl(message) => {
            CliError::usage(format!("invalid scheduler API URL: {message}")).with_hint("pass --api http(s)://HOST:PORT")
        }
        SchedulerApiError::Transport(error) => CliError::new(
            ErrorKind::Unreachable,
            "api_unreachable",
            format!("cannot reach the scheduler API at {api_url}: {error}"),
        )
        .with_hint("check --api (or EDGERUN_API_URL), or submit straight to the chain without --api"),
        SchedulerApiError::Refused { body, .. } => match body.program_error.as_deref() {
            // The program's refusal keeps its name, as when the CLI sends itself.
            Some(name) => {
                let code = name.rsplit("::").next().unwrap_or(name).to_string();
                CliError::failed(code, format!("the program refused the job: {}", body.error))
            }
            None => CliError::failed(format!("api_{}", body.code), format!("the scheduler API refused: {}", body.error)),
        },
        SchedulerApiError::Tampered(message) => CliError::failed(
            "api_tampered",
            format!("the scheduler at {api_url} answered a transaction that is not the job asked for ({message}); nothing was signed"),
        )
        .with_hint("use another scheduler, or submit straight to the chain without --api"),
    }
}

/// A refusal by the Edgerun program, named, with what to do about it where we know.
pub fn refused(error: EdgerunError) -> CliError {
    let name = format!("{error:?}");
    let message = match program_message(&name) {
        Some(explanation) => format!("the Edgerun program refused: {name} ({explanation})"),
        None => format!("the Edgerun program refused: {name}"),
    };
    let hint = match error {
        EdgerunError::NotAdmin => Some("sign with the admin's keypair (--keypair); `edgerun admin show` names it"),
        EdgerunError::NotPendingAdmin => {
            Some("only the key named by `admin propose` can accept; see `edgerun admin show`")
        }
        EdgerunError::NotJobClient => Some("only the customer who posted a job can cancel it; sign with that keypair"),
        EdgerunError::ProtocolPaused => Some("the network admin paused new jobs; try again later"),
        EdgerunError::ZeroAmount => Some("give an amount above zero"),
        EdgerunError::InsufficientUnlockedStake => {
            Some("only unlocked stake can be withdrawn; `edgerun worker status` shows it, locks end with their jobs")
        }
        EdgerunError::InsufficientTreasuryBalance => Some("`edgerun admin show` shows what the treasury can pay"),
        EdgerunError::InvalidJobLimits => Some("`edgerun admin show` lists the network's limits"),
        EdgerunError::EscrowBelowMinimum => Some("raise --escrow; `edgerun admin show` shows the minimum"),
        EdgerunError::RuntimeNotAllowed => Some("this network allows only listed runtimes"),
        EdgerunError::InvalidJobStatus => Some("`edgerun job status ID` shows where the job is"),
        EdgerunError::QuorumNotReached => Some("not enough matching results yet; `edgerun job status ID`"),
        EdgerunError::DeadlineNotPassed
        | EdgerunError::DaWindowNotPassed
        | EdgerunError::RetentionNotPassed
        | EdgerunError::MemberDeadlineNotPassed => {
            Some("too early; `edgerun job status ID` shows the slot to wait for")
        }
        EdgerunError::NothingToPenalize => Some(
            "no member is silent past its own deadline: they answered, were penalized already, or their deadlines \
             have not passed (`edgerun job status ID` shows them)",
        ),
        EdgerunError::OutputNotDeclared => Some("no winner declared the output yet; `edgerun job status ID`"),
        EdgerunError::NotUpgradeAuthority => Some("sign with the program's upgrade authority (--keypair)"),
        EdgerunError::InvalidPenalty | EdgerunError::WindowTooLong | EdgerunError::MinEscrowBelowRentExemption => {
            Some("see docs/protocol.md for the allowed ranges")
        }
        _ => None,
    };
    let error = CliError::failed(name, message);
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// The program's own words for its error `name` (`#[msg]`), which Anchor v2 keeps in the IDL
/// rather than in the program.
fn program_message(name: &str) -> Option<String> {
    static IDL_ERRORS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    let errors = IDL_ERRORS.get_or_init(|| {
        let idl: serde_json::Value = serde_json::from_str(include_str!("../../idl/edgerun.json")).unwrap_or_default();
        idl["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|error| Some((error["name"].as_str()?.to_string(), error["msg"].as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    });
    errors.iter().find(|(known, _)| known == name).map(|(_, message)| message.clone())
}

/// Our code and hint for refusals outside the Edgerun program, by the reason's name.
fn transaction_hint(name: &str) -> (String, Option<&'static str>) {
    let code = name.rsplit("::").next().unwrap_or(name).to_string();
    let hint = match code.as_str() {
        "InsufficientFundsForFee" | "AccountNotFound" => {
            Some("the fee payer has no SOL: fund the keypair (`solana airdrop` on test clusters)")
        }
        "ResultWithNegativeLamports" | "InsufficientFundsForRent" => {
            Some("the keypair lacks the SOL this needs: fund it")
        }
        "AccountAlreadyInUse" => Some("the account already exists"),
        _ => None,
    };
    (code, hint)
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for CliError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_refusals_carry_the_idl_message() {
        let error = refused(EdgerunError::EscrowBelowMinimum);
        assert_eq!(error.code, "EscrowBelowMinimum");
        assert_eq!(error.kind, ErrorKind::Failed);
        assert!(error.message.contains("Escrow is below the config's min_escrow_lamports"), "{}", error.message);
        assert!(error.hint.is_some());
        assert_eq!(
            program_message("MemberDeadlineNotPassed").as_deref(),
            Some("The member's own deadline has not passed yet")
        );
    }
}
