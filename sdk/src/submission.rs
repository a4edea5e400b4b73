//! Posting a job, one definition for every way in: the CLI (`edgerun job submit`), the
//! scheduler's API (`POST /v1/jobs`) and the TypeScript layer's tests, which use this as their
//! reference.
//!
//! - [`check_network`]: what the program would refuse for this network (paused, restricted
//!   runtimes, limits above the network's, escrow below its minimum), before anything is stored;
//! - [`posting_cost`] and [`check_balance`]: what the customer's wallet must hold, which is the
//!   escrow **plus** the capital the program takes back only at `close_job` (the Job's rent and
//!   the rent reserve of its committee's accounts) and the fee;
//! - [`post_job_args`] and [`fresh_nonce`]: the `post_job` arguments, so that the job id is
//!   always derived the same way;
//! - [`parse_job_reference`]: a job named by its id (64 hex digits) or its account address.
//!
//! Each refusal is one [`Refusal`] variant with a stable `code` (the API's JSON `code`, the CLI's
//! error code) and a message; callers add only how they answer (HTTP status, CLI hint).

use edgerun::instructions::PostJobArgs;
use edgerun::settlement::account_space;
use edgerun::state::{GlobalConfig, Job, JobResult, OutputAvailability};
use solana_address::Address;

use crate::bundle::Limits;

/// Why a job cannot be posted on this network (or by this wallet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the network is paused: no job can be posted until its admin resumes it")]
    ProtocolPaused,
    #[error("this network only accepts jobs for listed runtimes, with a runtime proof")]
    RuntimeRestricted,
    #[error(
        "the job's limits ({} instructions, {} bytes of memory) exceed this network's ({} instructions, {} bytes)",
        asked.max_instructions, asked.max_memory_bytes, network.max_instructions, network.max_memory_bytes
    )]
    LimitsExceedNetwork { asked: Limits, network: Limits },
    #[error("an escrow of {escrow} lamports is below this network's minimum of {minimum}")]
    EscrowBelowMinimum { escrow: u64, minimum: u64 },
    #[error(
        "the wallet holds {balance} lamports; posting needs {needed}: the escrow, the job's rent and rent \
         reserve (returned at close) and the fee"
    )]
    InsufficientBalance { balance: u64, needed: u64 },
}

impl Refusal {
    /// The stable word for this refusal (the API's JSON `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::ProtocolPaused => "protocol_paused",
            Refusal::RuntimeRestricted => "runtime_restricted",
            Refusal::LimitsExceedNetwork { .. } => "limits_exceed_network",
            Refusal::EscrowBelowMinimum { .. } => "escrow_below_minimum",
            Refusal::InsufficientBalance { .. } => "insufficient_balance",
        }
    }
}

/// What the program refuses for `config`, checked before anything is stored or signed.
pub fn check_network(config: &GlobalConfig, limits: &Limits, escrow: u64) -> Result<(), Refusal> {
    if config.paused.get() {
        return Err(Refusal::ProtocolPaused);
    }
    if config.allowed_runtime_root != [0u8; 32] {
        return Err(Refusal::RuntimeRestricted);
    }
    let network =
        Limits { max_instructions: config.max_instructions.get(), max_memory_bytes: config.max_memory_bytes.get() };
    if limits.max_instructions > network.max_instructions || limits.max_memory_bytes > network.max_memory_bytes {
        return Err(Refusal::LimitsExceedNetwork { asked: *limits, network });
    }
    let minimum = config.min_escrow_lamports.get();
    if escrow < minimum {
        return Err(Refusal::EscrowBelowMinimum { escrow, minimum });
    }
    Ok(())
}

/// The base fee of one signature: less than this and a wallet cannot send anything.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

/// The base fee of the `post_job` transaction (one signature).
pub const POST_JOB_FEE_LAMPORTS: u64 = LAMPORTS_PER_SIGNATURE;

/// Bytes an account costs beyond its data in the rent formula.
const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// The Rent sysvar's address.
pub const RENT_SYSVAR: Address = Address::from_str_const("SysvarRent111111111111111111111111111111111");

/// Rent-exempt minimum of `data_len` bytes under the Rent sysvar's data (`lamports_per_byte`
/// u64, `exemption_threshold` f64, `burn_percent` u8, little endian), as the runtime computes
/// it. `None` for data that is not a Rent sysvar or a value that overflows.
pub fn rent_exempt_minimum(rent_sysvar: &[u8], data_len: usize) -> Option<u64> {
    let lamports_per_byte = u64::from_le_bytes(rent_sysvar.get(..8)?.try_into().ok()?);
    let threshold = f64::from_le_bytes(rent_sysvar.get(8..16)?.try_into().ok()?);
    let base = ACCOUNT_STORAGE_OVERHEAD.checked_add(u64::try_from(data_len).ok()?)?.checked_mul(lamports_per_byte)?;
    // The two thresholds clusters use (1.0 since SIMD-0194, 2.0 before) are exact in integers.
    if threshold == 1.0 {
        Some(base)
    } else if threshold == 2.0 {
        base.checked_mul(2)
    } else if threshold.is_finite() && threshold >= 0.0 {
        let value = base as f64 * threshold;
        (value < u64::MAX as f64).then_some(value as u64)
    } else {
        None
    }
}

/// What `post_job` takes from the customer for a job of `escrow` on `config`: the escrow, the
/// Job account's rent and the rent reserve of its committee (one JobResult per member and the
/// OutputAvailability); everything but the escrow's payout comes back at `close_job`. `rent`
/// gives the rent-exempt minimum of an account of so many data bytes. `None` on overflow.
pub fn posting_cost(config: &GlobalConfig, escrow: u64, rent: impl Fn(usize) -> Option<u64>) -> Option<u64> {
    let (committee_size, _) = config.committee_for_escrow(escrow);
    let job = rent(account_space::<Job>())?;
    let result = rent(account_space::<JobResult>())?;
    let output = rent(account_space::<OutputAvailability>())?;
    result.checked_mul(u64::from(committee_size))?.checked_add(output)?.checked_add(job)?.checked_add(escrow)
}

/// Refuses a wallet of `balance` that cannot pay `cost` (see [`posting_cost`]) and the fee.
pub fn check_balance(balance: u64, cost: u64) -> Result<(), Refusal> {
    let needed = cost.saturating_add(POST_JOB_FEE_LAMPORTS);
    if balance < needed {
        return Err(Refusal::InsufficientBalance { balance, needed });
    }
    Ok(())
}

/// A fresh nonce: nanoseconds since the epoch (two jobs of one customer with the same bundle
/// differ by it; the program refuses a job id that exists).
pub fn fresh_nonce() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
}

/// The `post_job` arguments of `customer`'s job running the bundle `bundle_hash` (of
/// `runtime_id`, within `limits`) for `escrow`; the job id is derived from them.
pub fn post_job_args(
    customer: &Address,
    bundle_hash: [u8; 32],
    runtime_id: [u8; 32],
    limits: Limits,
    escrow: u64,
    nonce: u64,
) -> PostJobArgs {
    PostJobArgs {
        job_id: edgerun::digest::job_id(customer.as_array(), &bundle_hash, nonce),
        nonce,
        bundle_hash,
        runtime_id,
        escrow_lamports: escrow,
        max_memory_bytes: limits.max_memory_bytes,
        max_instructions: limits.max_instructions,
        runtime_proof: Vec::new(),
    }
}

/// A job id, bundle hash or output hash written as 64 hex digits.
pub fn parse_hash(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    hex::decode(text).ok()?.try_into().ok()
}

/// A reference that names no job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} names no job: a job is named by its id (64 hex digits) or its account address")]
pub struct InvalidJobReference(pub String);

/// The Job account a reference names: a job id (64 hex digits) or the account's address.
pub fn parse_job_reference(reference: &str) -> Result<Address, InvalidJobReference> {
    let reference = reference.trim();
    match parse_hash(reference) {
        Some(job_id) => Ok(crate::pda::job_address(&job_id)),
        None => reference.parse::<Address>().map_err(|_| InvalidJobReference(reference.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> GlobalConfig {
        let mut config: GlobalConfig = bytemuck::Zeroable::zeroed();
        config.max_instructions = 1_000_000.into();
        config.max_memory_bytes = (1u64 << 20).into();
        config.min_escrow_lamports = 1_000_000.into();
        config.committee_size = 3;
        config.quorum = 2;
        config
    }

    fn rent_sysvar(lamports_per_byte: u64, threshold: f64) -> Vec<u8> {
        let mut data = lamports_per_byte.to_le_bytes().to_vec();
        data.extend_from_slice(&threshold.to_le_bytes());
        data.push(50);
        data
    }

    #[test]
    fn every_network_rule_refuses_with_its_own_code() {
        let limits = Limits { max_instructions: 1_000, max_memory_bytes: 65_536 };
        assert_eq!(check_network(&config(), &limits, 1_000_000), Ok(()));
        let mut paused = config();
        paused.paused = true.into();
        assert_eq!(check_network(&paused, &limits, 1_000_000).unwrap_err().code(), "protocol_paused");
        let mut restricted = config();
        restricted.allowed_runtime_root = [1; 32];
        assert_eq!(check_network(&restricted, &limits, 1_000_000).unwrap_err().code(), "runtime_restricted");
        let big = Limits { max_instructions: 1_000_001, ..limits };
        assert_eq!(check_network(&config(), &big, 1_000_000).unwrap_err().code(), "limits_exceed_network");
        let refusal = check_network(&config(), &limits, 999_999).unwrap_err();
        assert_eq!(refusal, Refusal::EscrowBelowMinimum { escrow: 999_999, minimum: 1_000_000 });
        assert!(refusal.to_string().contains("below this network's minimum of 1000000"), "{refusal}");
    }

    #[test]
    fn the_cost_of_posting_includes_the_capital_returned_at_close() {
        let sysvar = rent_sysvar(3480, 2.0);
        let rent = |len| rent_exempt_minimum(&sysvar, len);
        let cost = posting_cost(&config(), 1_000_000, rent).unwrap();
        let job = rent(account_space::<Job>()).unwrap();
        let reserve =
            3 * rent(account_space::<JobResult>()).unwrap() + rent(account_space::<OutputAvailability>()).unwrap();
        assert_eq!(cost, 1_000_000 + job + reserve);
        assert_eq!(check_balance(cost + POST_JOB_FEE_LAMPORTS, cost), Ok(()));
        assert_eq!(check_balance(cost, cost).unwrap_err().code(), "insufficient_balance");
        // The escrow alone is not enough: that was the old, wrong check.
        assert!(check_balance(1_000_000, cost).is_err());
    }

    #[test]
    fn rent_follows_the_runtime_formula() {
        assert_eq!(rent_exempt_minimum(&rent_sysvar(3480, 2.0), 0), Some(890_880));
        assert_eq!(rent_exempt_minimum(&rent_sysvar(6960, 1.0), 0), Some(890_880));
        assert_eq!(rent_exempt_minimum(&rent_sysvar(3480, 2.0), 165), Some(2_039_280));
        assert_eq!(rent_exempt_minimum(&rent_sysvar(u64::MAX, 2.0), 1), None);
        assert_eq!(rent_exempt_minimum(&rent_sysvar(1, f64::NAN), 1), None);
        assert_eq!(rent_exempt_minimum(&[0; 4], 1), None);
    }

    #[test]
    fn the_job_id_is_derived_from_customer_bundle_and_nonce() {
        let customer = Address::new_from_array([7; 32]);
        let limits = Limits { max_instructions: 10, max_memory_bytes: 65_536 };
        let args = post_job_args(&customer, [1; 32], [2; 32], limits, 5, 42);
        assert_eq!(args.job_id, edgerun::digest::job_id(customer.as_array(), &[1; 32], 42));
        assert_ne!(args.job_id, post_job_args(&customer, [1; 32], [2; 32], limits, 5, 43).job_id);
        assert_eq!((args.escrow_lamports, args.max_instructions, args.max_memory_bytes), (5, 10, 65_536));
    }

    #[test]
    fn a_job_is_named_by_id_or_address() {
        let job_id = [0xab; 32];
        let address = crate::pda::job_address(&job_id);
        assert_eq!(parse_job_reference(&hex::encode(job_id)), Ok(address));
        assert_eq!(parse_job_reference(&address.to_string()), Ok(address));
        assert!(parse_job_reference("abc").is_err());
        assert!(parse_job_reference(&"g".repeat(64)).is_err());
    }
}
