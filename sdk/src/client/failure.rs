//! A failed transaction named the way a caller can act on it: the Edgerun error by name
//! (`EdgerunError::InvalidJobStatus`, not `Custom(6014)`), Anchor's constraint errors, the system
//! program's errors, the runtime's instruction errors, with the logs of the failure.
//!
//! A custom error code only means something together with the program that returned it (the
//! system program's 0 is `AccountAlreadyInUse`, ours start at 6000), so the failing program is read
//! from the logs (`Program <id> failed: ...`, innermost first), and only when the logs are absent
//! guessed from the code range.

use std::fmt;

use anchor_lang::prelude::ProgramError;
use anchor_lang::ErrorCode as AnchorErrorCode;
use edgerun::errors::EdgerunError;
use solana_address::Address;
use solana_instruction::error::InstructionError;
use solana_system_interface::error::SystemError;
use solana_transaction_error::TransactionError;

/// Anchor numbers a program's own errors from this code (`#[error_code]`'s default offset).
pub const EDGERUN_ERROR_OFFSET: u32 = 6000;

/// Every `EdgerunError` in declaration order, i.e. by code. Kept honest by the compiler: the
/// exhaustive `match` below fails to build when a variant is added or renamed, and the `const`
/// assertion fails when the order here differs from the declaration order.
const EDGERUN_ERRORS: [EdgerunError; 62] = {
    use EdgerunError::*;
    [
        NotAdmin,
        NotSchedulerAuthority,
        NotRandomnessAuthority,
        NotJobClient,
        ProtocolPaused,
        InvalidConfig,
        InvalidFeeBps,
        InvalidCommittee,
        ZeroAmount,
        InsufficientUnlockedStake,
        InsufficientTreasuryBalance,
        JobIdMismatch,
        InvalidJobLimits,
        RuntimeNotAllowed,
        InvalidJobStatus,
        SeedAlreadySet,
        SeedNotSet,
        WrongCommitteeSize,
        DuplicateWorker,
        WorkerNotActive,
        InvalidWorkerStakeAccount,
        InvalidJobResultAccount,
        InvalidOutputAccount,
        WrongRemainingAccounts,
        WorkerNotAssigned,
        DeadlinePassed,
        DeadlineNotPassed,
        AlreadySubmitted,
        MissingEd25519Instruction,
        MalformedEd25519Instruction,
        AttestationKeyMismatch,
        AttestationMessageMismatch,
        AttestationSignatureMismatch,
        QuorumNotReached,
        NotWinningOutput,
        NotAWinner,
        PointerTooLong,
        OutputAlreadyDeclared,
        OutputNotDeclared,
        DaWindowNotPassed,
        NothingToPenalize,
        WorkerAlreadySubmitted,
        ReplacementAlreadyAssigned,
        RetentionNotPassed,
        WrongRentRecipient,
        InvalidTreasury,
        ArithmeticOverflow,
        StakeInvariantViolated,
        ReplacementPreviouslyRemoved,
        ReassignmentLimitReached,
        NotUpgradeAuthority,
        InvalidProgramData,
        NotPendingAdmin,
        InvalidPenalty,
        WindowTooLong,
        MinEscrowBelowRentExemption,
        EscrowBelowMinimum,
        MemberDeadlineNotPassed,
        InputUnavailableQuorum,
        InputUnavailableNotReached,
        RentReserveExhausted,
        InvalidWorkerCapacity,
    ]
};

const _: () = {
    let mut index = 0;
    while index < EDGERUN_ERRORS.len() {
        assert!(EDGERUN_ERRORS[index] as usize == index, "EDGERUN_ERRORS is not in declaration order");
        index += 1;
    }
};

/// Compile-time completeness of [`EDGERUN_ERRORS`]: a new variant makes this match non-exhaustive,
/// and the const assertion above then forces it into the table at its code.
const fn _every_edgerun_error_is_listed(error: EdgerunError) -> usize {
    use EdgerunError::*;
    match error {
        NotAdmin
        | NotSchedulerAuthority
        | NotRandomnessAuthority
        | NotJobClient
        | ProtocolPaused
        | InvalidConfig
        | InvalidFeeBps
        | InvalidCommittee
        | ZeroAmount
        | InsufficientUnlockedStake
        | InsufficientTreasuryBalance
        | JobIdMismatch
        | InvalidJobLimits
        | RuntimeNotAllowed
        | InvalidJobStatus
        | SeedAlreadySet
        | SeedNotSet
        | WrongCommitteeSize
        | DuplicateWorker
        | WorkerNotActive
        | InvalidWorkerStakeAccount
        | InvalidJobResultAccount
        | InvalidOutputAccount
        | WrongRemainingAccounts
        | WorkerNotAssigned
        | DeadlinePassed
        | DeadlineNotPassed
        | AlreadySubmitted
        | MissingEd25519Instruction
        | MalformedEd25519Instruction
        | AttestationKeyMismatch
        | AttestationMessageMismatch
        | AttestationSignatureMismatch
        | QuorumNotReached
        | NotWinningOutput
        | NotAWinner
        | PointerTooLong
        | OutputAlreadyDeclared
        | OutputNotDeclared
        | DaWindowNotPassed
        | NothingToPenalize
        | WorkerAlreadySubmitted
        | ReplacementAlreadyAssigned
        | RetentionNotPassed
        | WrongRentRecipient
        | InvalidTreasury
        | ArithmeticOverflow
        | StakeInvariantViolated
        | ReplacementPreviouslyRemoved
        | ReassignmentLimitReached
        | NotUpgradeAuthority
        | InvalidProgramData
        | NotPendingAdmin
        | InvalidPenalty
        | WindowTooLong
        | MinEscrowBelowRentExemption
        | EscrowBelowMinimum
        | MemberDeadlineNotPassed
        | InputUnavailableQuorum
        | InputUnavailableNotReached
        | RentReserveExhausted
        | InvalidWorkerCapacity => error as usize,
    }
}

/// The Edgerun error with custom code `code`, if there is one.
pub fn edgerun_error_from_code(code: u32) -> Option<EdgerunError> {
    let index = code.checked_sub(EDGERUN_ERROR_OFFSET)?;
    EDGERUN_ERRORS.get(usize::try_from(index).ok()?).copied()
}

/// The custom code of `error` (what the runtime reports as `Custom(code)`).
pub fn edgerun_error_code(error: EdgerunError) -> u32 {
    error as u32 + EDGERUN_ERROR_OFFSET
}

/// Anchor's own errors that surface as custom codes (`ConstraintMut` is 2000, ...). The codes
/// come from Anchor's own `From<ErrorCode> for ProgramError`; variants that convert to a standard
/// `ProgramError` never match and are named by [`InstructionError`]'s variants instead.
fn anchor_error_name(code: u32) -> Option<&'static str> {
    use AnchorErrorCode::*;
    // `ErrorCode` is neither `Clone` nor `Debug`: each entry builds its variant on demand.
    type Named = (&'static str, fn() -> AnchorErrorCode);
    let all: [Named; 25] = [
        ("AccountNotEnoughKeys", || AccountNotEnoughKeys),
        ("ConstraintMut", || ConstraintMut),
        ("ConstraintSigner", || ConstraintSigner),
        ("ConstraintSeeds", || ConstraintSeeds),
        ("ConstraintHasOne", || ConstraintHasOne),
        ("ConstraintAddress", || ConstraintAddress),
        ("ConstraintAccountIsNone", || ConstraintAccountIsNone),
        ("ConstraintClose", || ConstraintClose),
        ("ConstraintOwner", || ConstraintOwner),
        ("ConstraintSpace", || ConstraintSpace),
        ("ConstraintRentExempt", || ConstraintRentExempt),
        ("ConstraintRaw", || ConstraintRaw),
        ("ConstraintExecutable", || ConstraintExecutable),
        ("ConstraintZero", || ConstraintZero),
        ("InstructionDidNotDeserialize", || InstructionDidNotDeserialize),
        ("DeclaredProgramIdMismatch", || DeclaredProgramIdMismatch),
        ("InstructionFallbackNotFound", || InstructionFallbackNotFound),
        ("RequireViolated", || RequireViolated),
        ("RequireEqViolated", || RequireEqViolated),
        ("RequireNeqViolated", || RequireNeqViolated),
        ("RequireKeysEqViolated", || RequireKeysEqViolated),
        ("RequireKeysNeqViolated", || RequireKeysNeqViolated),
        ("RequireGtViolated", || RequireGtViolated),
        ("RequireGteViolated", || RequireGteViolated),
        ("ConstraintDuplicateMutableAccount", || ConstraintDuplicateMutableAccount),
    ];
    all.into_iter().find(|(_, make)| ProgramError::from(make()) == ProgramError::Custom(code)).map(|(name, _)| name)
}

/// Why a transaction failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// The Edgerun program refused.
    Edgerun(EdgerunError),
    /// An Anchor account constraint or `require!` of the Edgerun program failed.
    Anchor { code: u32, name: &'static str },
    /// The system program refused (e.g. an account that already exists, too few lamports).
    System(SystemError),
    /// A custom code from a program this client cannot name.
    UnknownCustom { program: Option<Address>, code: u32 },
    /// A runtime instruction error (missing signature, wrong account owner, out of compute...);
    /// its variant is its name.
    Instruction(InstructionError),
    /// The transaction failed before or outside any instruction (fees, blockhash, signatures).
    Transaction(TransactionError),
}

impl FailureReason {
    /// A stable name: `EdgerunError::InvalidJobStatus`, `SystemError::AccountAlreadyInUse`, ...
    pub fn name(&self) -> String {
        match self {
            FailureReason::Edgerun(error) => format!("EdgerunError::{error:?}"),
            FailureReason::Anchor { name, .. } => format!("AnchorError::{name}"),
            FailureReason::System(error) => format!("SystemError::{error:?}"),
            FailureReason::UnknownCustom { program: Some(program), code } => {
                format!("custom error {code} of program {program}")
            }
            FailureReason::UnknownCustom { program: None, code } => format!("custom error {code}"),
            FailureReason::Instruction(error) => format!("InstructionError::{error:?}"),
            FailureReason::Transaction(error) => format!("TransactionError::{error:?}"),
        }
    }
}

/// A transaction the cluster (or the simulation) refused, with its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionFailure {
    /// Index of the failing instruction in the transaction as sent (a compute-budget instruction
    /// prepended by the client counts).
    pub instruction_index: Option<u8>,
    pub reason: FailureReason,
    pub logs: Vec<String>,
}

impl TransactionFailure {
    /// Names `error` (of a transaction whose instructions' programs are `programs`, in order).
    pub fn new(error: TransactionError, programs: &[Address], logs: Vec<String>) -> Self {
        let (instruction_index, reason) = match &error {
            TransactionError::InstructionError(index, InstructionError::Custom(code)) => {
                let program = failing_program(&logs).or_else(|| programs.get(usize::from(*index)).copied());
                (Some(*index), name_custom(program, *code))
            }
            TransactionError::InstructionError(index, instruction_error) => {
                (Some(*index), FailureReason::Instruction(instruction_error.clone()))
            }
            _ => (None, FailureReason::Transaction(error)),
        };
        TransactionFailure { instruction_index, reason, logs }
    }

    /// The Edgerun error, when the Edgerun program is what refused.
    pub fn edgerun_error(&self) -> Option<EdgerunError> {
        match self.reason {
            FailureReason::Edgerun(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for TransactionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.instruction_index {
            Some(index) => write!(f, "instruction {index} failed: {}", self.reason.name())?,
            None => write!(f, "transaction failed: {}", self.reason.name())?,
        }
        // The last program logs say what the program saw; the whole list is in `logs`.
        let tail: Vec<&str> = self.logs.iter().rev().take(4).rev().map(String::as_str).collect();
        if !tail.is_empty() {
            write!(f, " (logs: ... {})", tail.join(" | "))?;
        }
        Ok(())
    }
}

/// The innermost program that failed: the first `Program <id> failed: ...` line.
fn failing_program(logs: &[String]) -> Option<Address> {
    logs.iter().find_map(|line| {
        let rest = line.strip_prefix("Program ")?;
        let (id, verb) = rest.split_once(' ')?;
        verb.starts_with("failed").then(|| id.parse().ok()).flatten()
    })
}

fn name_custom(program: Option<Address>, code: u32) -> FailureReason {
    let system = crate::instructions::SYSTEM_PROGRAM_ID;
    match program {
        Some(id) if id == edgerun::ID => {
            if let Some(error) = edgerun_error_from_code(code) {
                FailureReason::Edgerun(error)
            } else if let Some(name) = anchor_error_name(code) {
                FailureReason::Anchor { code, name }
            } else {
                FailureReason::UnknownCustom { program, code }
            }
        }
        Some(id) if id == system => match SystemError::try_from(code) {
            Ok(error) => FailureReason::System(error),
            Err(_) => FailureReason::UnknownCustom { program, code },
        },
        _ => FailureReason::UnknownCustom { program, code },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edgerun_codes_round_trip_through_the_program_conversion() {
        for error in EDGERUN_ERRORS {
            let ProgramError::Custom(code) = ProgramError::from(anchor_lang::Error::from(error)) else {
                panic!("{error:?} is not a custom error");
            };
            assert_eq!(code, edgerun_error_code(error));
            assert_eq!(edgerun_error_from_code(code), Some(error));
        }
        assert_eq!(edgerun_error_from_code(EDGERUN_ERROR_OFFSET - 1), None);
        assert_eq!(edgerun_error_from_code(EDGERUN_ERROR_OFFSET + EDGERUN_ERRORS.len() as u32), None);
    }

    fn failure_of(code: u32, logs: &[String]) -> TransactionFailure {
        TransactionFailure::new(
            TransactionError::InstructionError(1, InstructionError::Custom(code)),
            &[Address::new_from_array([3; 32]), edgerun::ID],
            logs.to_vec(),
        )
    }

    #[test]
    fn custom_codes_are_named_after_the_program_that_failed() {
        let edgerun = edgerun::ID;
        let system = crate::instructions::SYSTEM_PROGRAM_ID;
        let ours = [
            format!("Program {edgerun} invoke [1]"),
            format!("Program {edgerun} failed: custom program error: 0x177e"),
        ];
        let failure = failure_of(6014, &ours);
        assert_eq!(failure.edgerun_error(), Some(EdgerunError::InvalidJobStatus));
        assert_eq!(failure.reason.name(), "EdgerunError::InvalidJobStatus");
        assert!(failure.to_string().starts_with("instruction 1 failed: EdgerunError::InvalidJobStatus"), "{failure}");

        // The system program's 0 inside an Edgerun instruction (a CPI) is the system's error.
        let cpi = [
            format!("Program {edgerun} invoke [1]"),
            format!("Program {system} invoke [2]"),
            format!("Program {system} failed: custom program error: 0x0"),
            format!("Program {edgerun} failed: custom program error: 0x0"),
        ];
        assert_eq!(failure_of(0, &cpi).reason, FailureReason::System(SystemError::AccountAlreadyInUse));

        // Anchor's constraint codes, numbered by Anchor's own conversion.
        assert_eq!(failure_of(2001, &ours).reason, FailureReason::Anchor { code: 2001, name: "ConstraintHasOne" });
        // Without logs the instruction's program decides.
        assert_eq!(failure_of(6000, &[]).edgerun_error(), Some(EdgerunError::NotAdmin));
        assert_eq!(failure_of(6999, &[]).reason, FailureReason::UnknownCustom { program: Some(edgerun), code: 6999 });

        let plain = TransactionFailure::new(
            TransactionError::InstructionError(0, InstructionError::MissingRequiredSignature),
            &[edgerun],
            Vec::new(),
        );
        assert_eq!(plain.reason.name(), "InstructionError::MissingRequiredSignature");
        let outside = TransactionFailure::new(TransactionError::BlockhashNotFound, &[edgerun], Vec::new());
        assert_eq!(
            (outside.instruction_index, outside.reason.name()),
            (None, "TransactionError::BlockhashNotFound".into())
        );
    }
}
