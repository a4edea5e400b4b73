//! Every way an Edgerun instruction can refuse. Codes start at 6000 (Anchor's custom offset) and
//! are part of the client contract: append new variants, never reorder.

use anchor_lang::prelude::*;

#[error_code]
#[derive(Debug, PartialEq, Eq)]
pub enum EdgerunError {
    #[msg("Signer is not the config admin")]
    NotAdmin,
    #[msg("Signer is not the config scheduler authority")]
    NotSchedulerAuthority,
    #[msg("Signer is not the config randomness authority")]
    NotRandomnessAuthority,
    #[msg("Signer is not the job's client")]
    NotJobClient,
    #[msg("The protocol is paused")]
    ProtocolPaused,
    #[msg("Config value out of range")]
    InvalidConfig,
    #[msg("protocol_fee_bps exceeds 10000")]
    InvalidFeeBps,
    #[msg("Committee size or quorum invalid (need 1 <= quorum <= size <= 9 and 2 * quorum > size)")]
    InvalidCommittee,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Amount exceeds the unlocked stake")]
    InsufficientUnlockedStake,
    #[msg("Amount exceeds the treasury's withdrawable balance")]
    InsufficientTreasuryBalance,
    #[msg("job_id does not match blake3(\"edgerun-job-v1\" || client || bundle_hash || nonce)")]
    JobIdMismatch,
    #[msg("Job limits are zero or exceed the config caps")]
    InvalidJobLimits,
    #[msg("runtime_id is not in the config's runtime allow-list")]
    RuntimeNotAllowed,
    #[msg("Job is not in the status this instruction requires")]
    InvalidJobStatus,
    #[msg("Job seed was already set")]
    SeedAlreadySet,
    #[msg("Job seed is not set")]
    SeedNotSet,
    #[msg("Wrong number of workers for this job's committee")]
    WrongCommitteeSize,
    #[msg("A worker appears twice in the committee")]
    DuplicateWorker,
    #[msg("Worker is not active")]
    WorkerNotActive,
    #[msg("Account is not the expected worker stake PDA")]
    InvalidWorkerStakeAccount,
    #[msg("Account is not the expected job result PDA")]
    InvalidJobResultAccount,
    #[msg("Account is not the expected output availability PDA")]
    InvalidOutputAccount,
    #[msg("Remaining accounts must be exactly the committee's accounts, in assignment order")]
    WrongRemainingAccounts,
    #[msg("Signer is not assigned to this job")]
    WorkerNotAssigned,
    #[msg("The job's deadline has passed")]
    DeadlinePassed,
    #[msg("The job's deadline has not passed yet")]
    DeadlineNotPassed,
    #[msg("This worker already submitted a result for this job")]
    AlreadySubmitted,
    #[msg("Missing Ed25519 instruction right before submit_result")]
    MissingEd25519Instruction,
    #[msg("Ed25519 instruction must hold exactly one signature with inline offsets")]
    MalformedEd25519Instruction,
    #[msg("Ed25519 public key is not the submitting worker")]
    AttestationKeyMismatch,
    #[msg("Ed25519 message is not the ResultDigest of this submission")]
    AttestationMessageMismatch,
    #[msg("Ed25519 signature is not attestation_sig")]
    AttestationSignatureMismatch,
    #[msg("No output hash has reached the job's quorum")]
    QuorumNotReached,
    #[msg("Output hash is not the job's winning output hash")]
    NotWinningOutput,
    #[msg("Signer's result is not the winning output")]
    NotAWinner,
    #[msg("Output pointer is longer than 128 bytes")]
    PointerTooLong,
    #[msg("Output availability was already declared")]
    OutputAlreadyDeclared,
    #[msg("Output availability has not been declared")]
    OutputNotDeclared,
    #[msg("The DA window has not passed yet")]
    DaWindowNotPassed,
    #[msg("No assigned worker is left to penalize")]
    NothingToPenalize,
    #[msg("Worker to replace has submitted a result")]
    WorkerAlreadySubmitted,
    #[msg("Replacement worker is already in the committee")]
    ReplacementAlreadyAssigned,
    #[msg("Job's retention window has not passed")]
    RetentionNotPassed,
    #[msg("Rent recipient is not the account's payer")]
    WrongRentRecipient,
    #[msg("Treasury account is not the treasury PDA")]
    InvalidTreasury,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("Stake accounting invariant violated")]
    StakeInvariantViolated,
    #[msg("Replacement worker was removed from this job before")]
    ReplacementPreviouslyRemoved,
    #[msg("This job reached its reassignment limit")]
    ReassignmentLimitReached,
    #[msg("Signer is not the program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("Account is not the program's ProgramData account of the upgradeable loader")]
    InvalidProgramData,
    #[msg("Signer is not the pending admin")]
    NotPendingAdmin,
    #[msg("Non-response penalty must be at least 1 and at most min_worker_stake_lamports")]
    InvalidPenalty,
    #[msg("A window is longer than MAX_WINDOW_SLOTS")]
    WindowTooLong,
    #[msg("min_escrow_lamports is below the rent-exempt minimum of an empty account")]
    MinEscrowBelowRentExemption,
    #[msg("Escrow is below the config's min_escrow_lamports")]
    EscrowBelowMinimum,
    #[msg("The member's own deadline has not passed yet")]
    MemberDeadlineNotPassed,
    #[msg("The quorum says the job's input was unavailable: settle it with settle_input_unavailable")]
    InputUnavailableQuorum,
    #[msg("The job's quorum is not on the input-unavailable result")]
    InputUnavailableNotReached,
    #[msg("The job's rent reserve cannot fund this account")]
    RentReserveExhausted,
    #[msg("Worker capacity must be at least 1 concurrent job and 1 instruction per second")]
    InvalidWorkerCapacity,
}
