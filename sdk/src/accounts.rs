//! Edgerun accounts as read from a cluster: the owner is checked before the bytes are trusted,
//! and the Anchor discriminator by the decoder, so a look-alike account created by another
//! program never passes for ours.

use anchor_lang::AccountDeserialize;
use solana_address::Address;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("account {address} is owned by {owner}, not by the Edgerun program {program}")]
    WrongOwner { address: Address, owner: Address, program: Address },
    #[error("cannot decode account {address}: {reason}")]
    Malformed { address: Address, reason: String },
}

/// Decodes the account at `address` with `owner` and `data` as an Edgerun account of type `T`.
/// An empty account (closed, or never created) is `None`.
pub fn decode_account<T: AccountDeserialize>(
    address: &Address,
    owner: &Address,
    data: &[u8],
) -> Result<Option<T>, AccountError> {
    if data.is_empty() {
        return Ok(None);
    }
    if *owner != edgerun::ID {
        return Err(AccountError::WrongOwner { address: *address, owner: *owner, program: edgerun::ID });
    }
    T::try_deserialize(&mut &data[..])
        .map(Some)
        .map_err(|error| AccountError::Malformed { address: *address, reason: format!("{error:?}") })
}
