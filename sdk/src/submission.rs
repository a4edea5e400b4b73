//! Posting a job, one definition for every way in: the CLI (`edgerun job submit`), the
//! scheduler's API (`POST /v1/jobs`) and the TypeScript layer's tests, which use this as their
//! reference.
//!
//! - [`check_network`]: what the program would refuse for this network (paused, a runtime outside
//!   its allow-list, limits above the network's, escrow below its minimum), before anything is
//!   stored, and the runtime's proof of membership in the allow-list;
//! - [`runtime_allow_list_root`] and [`runtime_allow_list_proof`]: the allow-list tree over a list
//!   of runtime ids, whose root an admin sets as `allowed_runtime_root`;
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
    #[error(
        "this network only accepts jobs for the runtimes of its allow-list, and this job's runtime is not in \
         any list of runtimes this client knows whose root is the network's"
    )]
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

/// What the program refuses for `config`, checked before anything is stored or signed. Answers the
/// `runtime_proof` the job of `runtime_id` must carry: empty on a network that allows any runtime,
/// else its proof in the first list of `provable_runtimes` (every non-empty subset that contains
/// it) whose [`runtime_allow_list_root`] is the network's root; none is `RuntimeRestricted`.
pub fn check_network(
    config: &GlobalConfig,
    runtime_id: &[u8; 32],
    provable_runtimes: &[[u8; 32]],
    limits: &Limits,
    escrow: u64,
) -> Result<Vec<[u8; 32]>, Refusal> {
    if config.paused.get() {
        return Err(Refusal::ProtocolPaused);
    }
    let runtime_proof =
        runtime_proof(&config.allowed_runtime_root, runtime_id, provable_runtimes).ok_or(Refusal::RuntimeRestricted)?;
    let network =
        Limits { max_instructions: config.max_instructions.get(), max_memory_bytes: config.max_memory_bytes.get() };
    if limits.max_instructions > network.max_instructions || limits.max_memory_bytes > network.max_memory_bytes {
        return Err(Refusal::LimitsExceedNetwork { asked: *limits, network });
    }
    let minimum = config.min_escrow_lamports.get();
    if escrow < minimum {
        return Err(Refusal::EscrowBelowMinimum { escrow, minimum });
    }
    Ok(runtime_proof)
}

/// Most runtimes [`check_network`] tries the subsets of (2^n lists).
pub const MAX_PROVABLE_RUNTIMES: usize = 8;

/// The proof of `runtime_id` under `allowed_root` (empty when the root is zero, i.e. any runtime),
/// found by trying every non-empty subset of `known` that contains it; `None` when no subset's
/// root is `allowed_root` (only the first [`MAX_PROVABLE_RUNTIMES`] distinct ids are tried).
pub fn runtime_proof(allowed_root: &[u8; 32], runtime_id: &[u8; 32], known: &[[u8; 32]]) -> Option<Vec<[u8; 32]>> {
    if *allowed_root == [0u8; 32] {
        return Some(Vec::new());
    }
    let mut others: Vec<[u8; 32]> = known.iter().filter(|id| *id != runtime_id).copied().collect();
    others.sort_unstable();
    others.dedup();
    others.truncate(MAX_PROVABLE_RUNTIMES - 1);
    (0u32..1 << others.len()).find_map(|mask| {
        let list: Vec<[u8; 32]> = std::iter::once(*runtime_id)
            .chain(others.iter().enumerate().filter(|(bit, _)| mask >> bit & 1 == 1).map(|(_, id)| *id))
            .collect();
        (runtime_allow_list_root(&list) == Some(*allowed_root))
            .then(|| runtime_allow_list_proof(&list, runtime_id).expect("the list holds the runtime"))
    })
}

/// The allow-list tree's levels over `runtime_ids`: leaves `runtime_merkle_leaf(id)` of the
/// distinct ids in sorted order, then each level's pairs hashed with `runtime_merkle_parent` (an
/// odd last node is carried up as is), up to the root. Empty for an empty list.
fn runtime_allow_list_levels(runtime_ids: &[[u8; 32]]) -> Vec<Vec<[u8; 32]>> {
    let mut leaves: Vec<[u8; 32]> = runtime_ids.iter().map(edgerun::digest::runtime_merkle_leaf).collect();
    leaves.sort_unstable();
    leaves.dedup();
    if leaves.is_empty() {
        return Vec::new();
    }
    let mut levels = vec![leaves];
    while let Some(level) = levels.last().filter(|level| level.len() > 1) {
        let parents = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => edgerun::digest::runtime_merkle_parent(a, b),
                [odd] => *odd,
                _ => unreachable!("chunks of two"),
            })
            .collect();
        levels.push(parents);
    }
    levels
}

/// The `allowed_runtime_root` that allows exactly `runtime_ids` (the program's sorted-pair
/// blake3 tree over domain-separated leaves, `edgerun::digest`); `None` for an empty list, whose
/// root would be zero, which allows every runtime.
pub fn runtime_allow_list_root(runtime_ids: &[[u8; 32]]) -> Option<[u8; 32]> {
    runtime_allow_list_levels(runtime_ids).last().map(|root| root[0])
}

/// The `runtime_proof` of `runtime_id` in the allow-list of `runtime_ids` (its siblings, leaf
/// level first, as `post_job` folds them); `None` when it is not in the list.
pub fn runtime_allow_list_proof(runtime_ids: &[[u8; 32]], runtime_id: &[u8; 32]) -> Option<Vec<[u8; 32]>> {
    let levels = runtime_allow_list_levels(runtime_ids);
    let leaf = edgerun::digest::runtime_merkle_leaf(runtime_id);
    let mut index = levels.first()?.iter().position(|node| *node == leaf)?;
    let mut proof = Vec::new();
    for level in &levels[..levels.len() - 1] {
        if let Some(sibling) = level.get(index ^ 1) {
            proof.push(*sibling);
        }
        index /= 2;
    }
    Some(proof)
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
        let runtime = [3; 32];
        let check =
            |config: &GlobalConfig, limits: &Limits, escrow| check_network(config, &runtime, &[], limits, escrow);
        assert_eq!(check(&config(), &limits, 1_000_000), Ok(Vec::new()));
        let mut paused = config();
        paused.paused = true.into();
        assert_eq!(check(&paused, &limits, 1_000_000).unwrap_err().code(), "protocol_paused");
        let mut restricted = config();
        restricted.allowed_runtime_root = [1; 32];
        assert_eq!(check(&restricted, &limits, 1_000_000).unwrap_err().code(), "runtime_restricted");
        let big = Limits { max_instructions: 1_000_001, ..limits };
        assert_eq!(check(&config(), &big, 1_000_000).unwrap_err().code(), "limits_exceed_network");
        let refusal = check(&config(), &limits, 999_999).unwrap_err();
        assert_eq!(refusal, Refusal::EscrowBelowMinimum { escrow: 999_999, minimum: 1_000_000 });
        assert!(refusal.to_string().contains("below this network's minimum of 1000000"), "{refusal}");
    }

    #[test]
    fn allow_list_proofs_fold_to_the_root_the_program_checks() {
        use edgerun::digest::runtime_merkle_root;
        let ids: Vec<[u8; 32]> = (1..=5u8).map(|i| [i; 32]).collect();
        assert_eq!(runtime_allow_list_root(&[]), None);
        // Every list size (odd levels included), every member: the program's fold reaches the root;
        // the order and repeats of the list do not matter; a non-member has no proof.
        for n in 1..=ids.len() {
            let list = &ids[..n];
            let root = runtime_allow_list_root(list).unwrap();
            let mut shuffled: Vec<[u8; 32]> = list.iter().rev().copied().collect();
            shuffled.push(list[0]);
            assert_eq!(runtime_allow_list_root(&shuffled), Some(root));
            for id in list {
                let proof = runtime_allow_list_proof(list, id).unwrap();
                assert!(proof.len() <= edgerun::constants::MAX_RUNTIME_PROOF_LEN);
                assert_eq!(runtime_merkle_root(id, &proof), root, "{n} ids");
            }
            assert_eq!(runtime_allow_list_proof(list, &[9; 32]), None);
        }
        // One runtime: the root is its leaf, the proof empty.
        assert_eq!(runtime_allow_list_root(&[[7; 32]]), Some(edgerun::digest::runtime_merkle_leaf(&[7; 32])));
    }

    #[test]
    fn the_runtime_proof_comes_from_the_list_whose_root_the_network_set() {
        let (v1, wasi, other) = ([1; 32], [2; 32], [3; 32]);
        let known = [v1, wasi];
        let mut config = config();
        let limits = Limits { max_instructions: 1_000, max_memory_bytes: 65_536 };
        // Any runtime: no proof.
        assert_eq!(check_network(&config, &wasi, &known, &limits, 1_000_000), Ok(Vec::new()));
        // Both runtimes allowed: each gets its proof in the list of both.
        config.allowed_runtime_root = runtime_allow_list_root(&known).unwrap();
        for id in known {
            let proof = check_network(&config, &id, &known, &limits, 1_000_000).unwrap();
            assert_eq!(Some(proof), runtime_allow_list_proof(&known, &id));
        }
        // Only v1 allowed: v1 proves with an empty proof, WASI and an unknown runtime are refused.
        config.allowed_runtime_root = runtime_allow_list_root(&[v1]).unwrap();
        assert_eq!(check_network(&config, &v1, &known, &limits, 1_000_000), Ok(Vec::new()));
        assert_eq!(check_network(&config, &wasi, &known, &limits, 1_000_000), Err(Refusal::RuntimeRestricted));
        assert_eq!(check_network(&config, &other, &known, &limits, 1_000_000), Err(Refusal::RuntimeRestricted));
        // A list with a runtime this client does not know: no proof can be found.
        config.allowed_runtime_root = runtime_allow_list_root(&[v1, wasi, other]).unwrap();
        assert_eq!(check_network(&config, &wasi, &known, &limits, 1_000_000), Err(Refusal::RuntimeRestricted));
        assert!(check_network(&config, &wasi, &[v1, wasi, other], &limits, 1_000_000).is_ok());
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
