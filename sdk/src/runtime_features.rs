//! The runtime features a cluster must have active for the Edgerun program to run there, and
//! the check that reads them before anything is deployed or initialized.
//!
//! The program is built with Anchor v2, whose entrypoint reads the instruction data through the
//! pointer the runtime passes in register r2 (SIMD-0321). On a cluster where that feature is not
//! active, r2 holds nothing of the kind: the program deploys, and then every instruction fails.
//! A deploy must refuse before that, not after.
//!
//! A feature is active when its account (at the feature id, owned by the Feature program) holds
//! `Feature { activated_at: Some(slot) }` (bincode: a `1` byte, then the slot as a little-endian
//! u64). A `0` byte is a feature proposed but not activated yet; no account is a feature the
//! cluster has never heard of.

use std::fmt;

use solana_account::Account;
use solana_address::Address;

use crate::client::{ChainBackend, ClientError, EdgerunClient};

/// A runtime feature the program needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeFeature {
    /// The feature's account address (its id in agave's feature set).
    pub id: Address,
    /// Agave's name of it.
    pub name: &'static str,
    pub simd: &'static str,
    /// What breaks without it.
    pub why: &'static str,
}

/// Every runtime feature the Edgerun program needs active.
pub const REQUIRED_FEATURES: [RuntimeFeature; 1] = [RuntimeFeature {
    id: agave_feature_set::provide_instruction_data_offset_in_vm_r2::ID,
    name: "provide_instruction_data_offset_in_vm_r2",
    simd: "SIMD-0321",
    why: "the program (Anchor v2) reads its instruction data through register r2: every Edgerun instruction \
          would fail",
}];

/// The Feature program: the owner of every feature account.
pub const FEATURE_PROGRAM_ID: Address = anchor_lang::address!("Feature111111111111111111111111111111111111");

/// What the cluster's account at a feature id says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureState {
    /// Active since this slot.
    Active { since_slot: u64 },
    /// Proposed (the account exists) but not activated.
    Pending,
    /// No account: the cluster's software does not know the feature, or it was never proposed.
    Missing,
    /// Something else is at that address.
    NotAFeature { owner: Address },
}

impl FeatureState {
    /// The state `account` (the account at a feature id, if any) records.
    pub fn of(account: Option<&Account>) -> FeatureState {
        let Some(account) = account else { return FeatureState::Missing };
        if account.owner != FEATURE_PROGRAM_ID {
            return FeatureState::NotAFeature { owner: account.owner };
        }
        match account.data.split_first() {
            Some((0, _)) => FeatureState::Pending,
            Some((1, slot)) => match slot.get(..8).and_then(|bytes| <[u8; 8]>::try_from(bytes).ok()) {
                Some(slot) => FeatureState::Active { since_slot: u64::from_le_bytes(slot) },
                None => FeatureState::NotAFeature { owner: account.owner },
            },
            _ => FeatureState::NotAFeature { owner: account.owner },
        }
    }

    pub fn is_active(&self) -> bool {
        matches!(self, FeatureState::Active { .. })
    }
}

impl fmt::Display for FeatureState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureState::Active { since_slot } => write!(f, "active since slot {since_slot}"),
            FeatureState::Pending => f.write_str("not activated yet (proposed, pending activation)"),
            FeatureState::Missing => f.write_str("unknown to this cluster (no feature account)"),
            FeatureState::NotAFeature { owner } => {
                write!(f, "unreadable (the account there is owned by {owner}, not a feature account)")
            }
        }
    }
}

/// One required feature and its state on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureCheck {
    pub feature: RuntimeFeature,
    pub state: FeatureState,
}

/// Why a cluster cannot run the program.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// Some required feature is not active: each one, and its state.
    #[error("{}", inactive_text(.0))]
    Inactive(Vec<FeatureCheck>),
    /// The feature accounts could not be read.
    #[error("cannot read the cluster's feature accounts: {0}")]
    Read(ClientError),
}

fn inactive_text(checks: &[FeatureCheck]) -> String {
    let each: Vec<String> = checks
        .iter()
        .map(|check| {
            format!(
                "{} `{}` ({}) is {}: {}",
                check.feature.simd, check.feature.name, check.feature.id, check.state, check.feature.why
            )
        })
        .collect();
    format!("the cluster lacks a runtime feature the Edgerun program needs: {}", each.join("; "))
}

/// The state of every required feature on the cluster behind `client` (one request).
pub async fn required_features<B: ChainBackend>(client: &EdgerunClient<B>) -> Result<Vec<FeatureCheck>, ClientError> {
    let ids: Vec<Address> = REQUIRED_FEATURES.iter().map(|feature| feature.id).collect();
    let accounts = client
        .backend()
        .get_multiple_accounts(&ids)
        .await
        .map_err(|error| ClientError::Transport { attempts: 1, message: error.to_string() })?;
    Ok(REQUIRED_FEATURES
        .iter()
        .zip(accounts.iter().map(Option::as_ref).chain(std::iter::repeat(None)))
        .map(|(feature, account)| FeatureCheck { feature: *feature, state: FeatureState::of(account) })
        .collect())
}

/// Ok when every required feature is active on the cluster behind `client`; else
/// [`FeatureError::Inactive`] naming each one that is not and its state.
pub async fn ensure_required_features<B: ChainBackend>(client: &EdgerunClient<B>) -> Result<(), FeatureError> {
    let inactive: Vec<FeatureCheck> = required_features(client)
        .await
        .map_err(FeatureError::Read)?
        .into_iter()
        .filter(|check| !check.state.is_active())
        .collect();
    if inactive.is_empty() {
        Ok(())
    } else {
        Err(FeatureError::Inactive(inactive))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature_account(data: Vec<u8>) -> Account {
        Account { lamports: 1_000_000, data, owner: FEATURE_PROGRAM_ID, executable: false, rent_epoch: 0 }
    }

    #[test]
    fn a_feature_account_says_whether_and_since_when_it_is_active() {
        let mut active = vec![1];
        active.extend_from_slice(&410_400_000u64.to_le_bytes());
        assert_eq!(FeatureState::of(Some(&feature_account(active))), FeatureState::Active { since_slot: 410_400_000 });
        // The size the Feature program allocates (9 bytes), never activated.
        assert_eq!(FeatureState::of(Some(&feature_account(vec![0; 9]))), FeatureState::Pending);
        assert_eq!(FeatureState::of(None), FeatureState::Missing);
        let other = Address::new_from_array([7; 32]);
        let mut system_owned = feature_account(vec![1; 9]);
        system_owned.owner = other;
        assert_eq!(FeatureState::of(Some(&system_owned)), FeatureState::NotAFeature { owner: other });
        // Truncated or a tag bincode never writes for an Option.
        assert!(!FeatureState::of(Some(&feature_account(vec![1, 2, 3]))).is_active());
        assert!(!FeatureState::of(Some(&feature_account(vec![2; 9]))).is_active());
        assert!(!FeatureState::of(Some(&feature_account(Vec::new()))).is_active());
    }

    /// Through the chain client, on LiteSVM (which writes a feature account for each feature it
    /// activates, as a cluster does): passes as it comes; refuses once the account says the
    /// feature is pending, or once no account is there.
    #[cfg(feature = "litesvm")]
    #[tokio::test]
    async fn the_check_reads_the_cluster_and_refuses_a_feature_that_is_not_active() {
        use crate::client::{ClientConfig, LiteSvmBackend};
        let client = EdgerunClient::new(LiteSvmBackend::new(litesvm::LiteSVM::new()), ClientConfig::default());
        let id = REQUIRED_FEATURES[0].id;
        let checks = required_features(&client).await.unwrap();
        assert!(checks[0].state.is_active(), "{checks:?}");
        ensure_required_features(&client).await.expect("LiteSVM activates mainnet's features");

        let set = |account: Account| client.backend().with_svm(|svm| svm.set_account(id, account).unwrap());
        set(feature_account(vec![0; 9]));
        match ensure_required_features(&client).await {
            Err(FeatureError::Inactive(checks)) => {
                assert_eq!(checks, [FeatureCheck { feature: REQUIRED_FEATURES[0], state: FeatureState::Pending }])
            }
            other => panic!("a pending feature passed: {other:?}"),
        }
        // No lamports: the account is gone.
        set(Account { lamports: 0, ..feature_account(Vec::new()) });
        match ensure_required_features(&client).await {
            Err(FeatureError::Inactive(checks)) => assert_eq!(checks[0].state, FeatureState::Missing),
            other => panic!("a missing feature passed: {other:?}"),
        }
    }

    #[test]
    fn the_refusal_names_the_feature_its_id_and_what_breaks() {
        let text =
            FeatureError::Inactive(vec![FeatureCheck { feature: REQUIRED_FEATURES[0], state: FeatureState::Missing }])
                .to_string();
        assert!(text.contains("SIMD-0321"), "{text}");
        assert!(text.contains("5xXZc66h4UdB6Yq7FzdBxBiRAFMMScMLwHxk2QZDaNZL"), "{text}");
        assert!(text.contains("no feature account"), "{text}");
        assert!(text.contains("register r2"), "{text}");
    }
}
