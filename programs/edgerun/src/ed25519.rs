//! Attestation check: the Ed25519 precompile instruction placed immediately before
//! `submit_result` must verify exactly (worker key, ResultDigest, attestation_sig).
//!
//! The precompile has already verified the signature when this program runs (a transaction with a
//! bad signature never executes); what remains is to prove that what it verified is *this*
//! attestation: one signature, every offset inside that same instruction, and the key, message and
//! signature bytes equal to what the program expects.

use anchor_lang::prelude::*;
use pinocchio::sysvars::instructions::Instructions;

use crate::errors::EdgerunError;

/// Native Ed25519 signature-verification program.
pub const ED25519_PROGRAM_ID: Address = anchor_lang::address!("Ed25519SigVerify111111111111111111111111111");
/// The instructions sysvar, through which a program reads its own transaction.
pub const INSTRUCTIONS_SYSVAR_ID: Address = anchor_lang::address!("Sysvar1nstructions1111111111111111111111111");

/// `instruction_index` value that means "this instruction" in the precompile's offsets.
const SAME_INSTRUCTION: u16 = u16::MAX;
/// `num_signatures: u8, padding: u8`.
const HEADER_LEN: usize = 2;
/// Seven u16 fields per signature.
const OFFSETS_LEN: usize = 14;
const PUBKEY_LEN: usize = 32;
const SIGNATURE_LEN: usize = 64;
const MESSAGE_LEN: usize = 32;

fn read_u16(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([data[at], data[at + 1]])
}

fn field<const N: usize>(data: &[u8], offset: u16) -> Result<&[u8; N]> {
    let start = offset as usize;
    data.get(start..start + N)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| EdgerunError::MalformedEd25519Instruction.into())
}

/// Checks that the instruction right before the current one is an Ed25519 precompile
/// instruction over (`pubkey`, `message`) with signature `signature`.
pub fn verify_attestation(
    instructions_sysvar: &AccountView,
    pubkey: &Address,
    message: &[u8; 32],
    signature: &[u8; 64],
) -> Result<()> {
    if instructions_sysvar.address() != &INSTRUCTIONS_SYSVAR_ID {
        return Err(EdgerunError::MissingEd25519Instruction.into());
    }
    let instructions = Instructions::try_from(instructions_sysvar)?;
    let current = instructions.load_current_index();
    if current == 0 {
        return Err(EdgerunError::MissingEd25519Instruction.into());
    }
    let previous = instructions
        .load_instruction_at(usize::from(current - 1))
        .map_err(|_| EdgerunError::MissingEd25519Instruction)?;
    if previous.get_program_id() != &ED25519_PROGRAM_ID {
        return Err(EdgerunError::MissingEd25519Instruction.into());
    }
    let data = previous.get_instruction_data();
    if data.len() < HEADER_LEN + OFFSETS_LEN || data[0] != 1 {
        return Err(EdgerunError::MalformedEd25519Instruction.into());
    }
    let offsets = HEADER_LEN;
    let signature_offset = read_u16(data, offsets);
    let signature_ix = read_u16(data, offsets + 2);
    let pubkey_offset = read_u16(data, offsets + 4);
    let pubkey_ix = read_u16(data, offsets + 6);
    let message_offset = read_u16(data, offsets + 8);
    let message_size = read_u16(data, offsets + 10);
    let message_ix = read_u16(data, offsets + 12);
    if signature_ix != SAME_INSTRUCTION
        || pubkey_ix != SAME_INSTRUCTION
        || message_ix != SAME_INSTRUCTION
        || usize::from(message_size) != MESSAGE_LEN
    {
        return Err(EdgerunError::MalformedEd25519Instruction.into());
    }
    let signed_pubkey: &[u8; PUBKEY_LEN] = field(data, pubkey_offset)?;
    let signed_message: &[u8; MESSAGE_LEN] = field(data, message_offset)?;
    let signed_signature: &[u8; SIGNATURE_LEN] = field(data, signature_offset)?;
    if signed_pubkey != pubkey.as_array() {
        return Err(EdgerunError::AttestationKeyMismatch.into());
    }
    if signed_message != message {
        return Err(EdgerunError::AttestationMessageMismatch.into());
    }
    if signed_signature != signature {
        return Err(EdgerunError::AttestationSignatureMismatch.into());
    }
    Ok(())
}
