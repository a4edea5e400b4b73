//! Protocol constants shared by the program, the SDK and the services. One fact, one place:
//! every PDA seed, limit and the frozen tier table live here and nowhere else.

/// PDA seed of the single [`crate::state::GlobalConfig`] account.
pub const CONFIG_SEED: &[u8] = b"config";
/// PDA seed of the [`crate::state::Treasury`] account (protocol fees and slashes).
pub const TREASURY_SEED: &[u8] = b"treasury";
/// PDA seed prefix of a worker's [`crate::state::WorkerStake`]: `["worker_stake", worker]`.
pub const WORKER_STAKE_SEED: &[u8] = b"worker_stake";
/// PDA seed prefix of a [`crate::state::Job`]: `["job", job_id]`.
pub const JOB_SEED: &[u8] = b"job";
/// PDA seed prefix of a [`crate::state::JobResult`]: `["job_result", job_id, worker]`.
pub const JOB_RESULT_SEED: &[u8] = b"job_result";
/// PDA seed prefix of an [`crate::state::OutputAvailability`]: `["output", job_id]`.
pub const OUTPUT_SEED: &[u8] = b"output";

/// The output hash a committee member attests when it could not obtain the job's input (the
/// bundle was not served, or not as posted). No output hashes to it (no BLAKE3 preimage is known
/// for all 0xFF), so it can never be confused with a real result. Reaching quorum, it ends the job
/// with a refund (`settle_input_unavailable`); a member that attests it while a real output wins
/// loses like any wrong result.
pub const INPUT_UNAVAILABLE_OUTPUT_HASH: [u8; 32] = [0xFF; 32];

/// Domain separator of the job id: `blake3("edgerun-job-v1" || client || bundle_hash || nonce_le)`.
pub const JOB_ID_DOMAIN: &[u8] = b"edgerun-job-v1";

/// Largest committee any job can have (spec 4.1 / 4.2: `assigned_workers: [Pubkey; 9]`).
pub const MAX_COMMITTEE_SIZE: usize = 9;
/// Most `reassign_missing` calls one job accepts; past that it should expire and refund.
pub const MAX_REASSIGNMENTS: usize = 9;
/// Size of the advisory output pointer stored in `OutputAvailability` (UTF-8, zero padded).
pub const OUTPUT_POINTER_LEN: usize = 128;
/// Longest window (`challenge_window_slots`, `da_window_slots`, `job_retention_slots`) the config
/// accepts: about 460 days at 400 ms a slot. Any slot plus a few such windows stays far below
/// `u64::MAX`, so no deadline arithmetic can overflow.
pub const MAX_WINDOW_SLOTS: u64 = 100_000_000;
/// Basis-point denominator for `protocol_fee_bps`.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Largest Merkle proof accepted for the runtime allow-list (2^16 runtimes is plenty).
pub const MAX_RUNTIME_PROOF_LEN: usize = 16;

/// One row of the frozen committee tier table (whitepaper 4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitteeTier {
    /// Smallest escrow (inclusive) that falls in this tier.
    pub min_escrow_lamports: u64,
    pub committee_size: u8,
    pub quorum: u8,
}

/// Number of tiers in [`COMMITTEE_TIERS`].
pub const COMMITTEE_TIER_COUNT: usize = 4;

/// The frozen tier table: escrow < 0.1 SOL → 3/2; < 1 SOL → 5/3; < 10 SOL → 7/5; else 9/6.
pub const COMMITTEE_TIERS: [CommitteeTier; COMMITTEE_TIER_COUNT] = [
    CommitteeTier { min_escrow_lamports: 0, committee_size: 3, quorum: 2 },
    CommitteeTier { min_escrow_lamports: 100_000_000, committee_size: 5, quorum: 3 },
    CommitteeTier { min_escrow_lamports: 1_000_000_000, committee_size: 7, quorum: 5 },
    CommitteeTier { min_escrow_lamports: 10_000_000_000, committee_size: 9, quorum: 6 },
];

/// Defaults used by deployments (migrations, local network); every one of them is a config field.
pub mod defaults {
    pub const PROTOCOL_FEE_BPS: u16 = 200;
    pub const MIN_WORKER_STAKE_LAMPORTS: u64 = 100_000_000;
    pub const CHALLENGE_WINDOW_SLOTS: u64 = 150;
    pub const DA_WINDOW_SLOTS: u64 = 900;
    pub const NON_RESPONSE_SLASH_LAMPORTS: u64 = 50_000;
    pub const COMMITTEE_SIZE: u8 = 3;
    pub const QUORUM: u8 = 2;
    pub const MAX_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
    pub const MAX_INSTRUCTIONS: u64 = 50_000_000_000;
    /// Two minutes at 400 ms a slot: the outcome is in the job's events and the output in
    /// storage; the accounts only need to outlive the services' and the customer's last look.
    /// The customer's rent comes back at `close_job`, so a short retention is cheap capital.
    pub const JOB_RETENTION_SLOTS: u64 = 300;
    /// 0.001 SOL: above the rent-exempt minimum of an empty account (890,880 lamports).
    pub const MIN_ESCROW_LAMPORTS: u64 = 1_000_000;
}
