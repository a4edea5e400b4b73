use anchor_lang::prelude::*;

/// Protocol fees, division remainders and slashes, PDA `["treasury"]`. Its lamports above the
/// rent-exempt minimum are exactly what the admin may withdraw.
#[account]
pub struct Treasury {
    /// Lifetime protocol fees and payout remainders received.
    pub fees_collected: PodU64,
    /// Lifetime slashes of wrong results received.
    pub slashes_collected: PodU64,
    /// Lifetime non-response penalties received.
    pub penalties_collected: PodU64,
    /// Lifetime withdrawals by the admin.
    pub withdrawn: PodU64,
    pub bump: u8,
}
