use std::{collections::HashSet, vec};

use base64::{Engine, prelude::BASE64_STANDARD};
use bytemuck::{Pod, Zeroable, bytes_of, from_bytes};
use chrono::Utc;
use litesvm::types::TransactionMetadata;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use solana_account::Account;
use solana_account_decoder::{
    parse_account_data::{AccountAdditionalDataV3, SplTokenAdditionalDataV2},
    parse_token::{UiTokenAmount, token_amount_to_ui_amount_v3},
};
use solana_clock::{Epoch, Slot};
use solana_hash::Hash;
use solana_message::v0::{LoadedAddresses, MessageAddressTableLookup};
use solana_program_option::COption;
use solana_program_pack::Pack;
use solana_pubkey::Pubkey;
use solana_signature::{SIGNATURE_BYTES, Signature};
use solana_transaction::{sanitized::SanitizedTransaction, versioned::VersionedTransaction};
use solana_transaction_context::transaction::TransactionReturnData;
use solana_transaction_error::TransactionError;
use solana_transaction_status::{
    InnerInstructions, Reward, TransactionConfirmationStatus, TransactionStatus,
    TransactionStatusMeta, TransactionTokenBalance, VersionedTransactionWithStatusMeta,
    map_inner_instructions,
};
use solana_zk_sdk::encryption::{
    auth_encryption::{AeCiphertext, AeKey},
    derivation::derive_confidential_keys_from_signature,
    elgamal::{ElGamalCiphertext, ElGamalPubkey, ElGamalSecretKey},
};
use solana_zk_sdk_pod::encryption::{
    auth_encryption::PodAeCiphertext,
    elgamal::{PodElGamalCiphertext, PodElGamalPubkey},
};
use spl_token_2022_interface::extension::{
    BaseStateWithExtensions, BaseStateWithExtensionsMut, ExtensionType, StateWithExtensions,
    StateWithExtensionsMut,
    confidential_transfer::{ConfidentialTransferAccount, PENDING_BALANCE_LO_BIT_LENGTH},
    confidential_transfer_fee::ConfidentialTransferFeeAmount,
    interest_bearing_mint::InterestBearingConfig,
    scaled_ui_amount::ScaledUiAmountConfig,
    transfer_fee::TransferFeeConfig,
};
use surfpool_types::types::{
    ConfidentialBalanceKeys, ConfidentialTransferAccountUpdate, DeriveConfidentialKeysResponse,
    GetConfidentialBalanceResponse,
};
use txtx_addon_kit::indexmap::IndexMap;

use crate::error::{SurfpoolError, SurfpoolResult};

/// Helper function to serialize a Pod type to base64
fn serialize_pod_to_base64<T: Pod>(value: &T) -> String {
    BASE64_STANDARD.encode(bytes_of(value))
}

/// Helper function to deserialize a Pod type from base64
fn deserialize_pod_from_base64<T: Pod + Copy>(encoded: &str) -> Result<T, String> {
    let bytes = BASE64_STANDARD
        .decode(encoded)
        .map_err(|e| format!("base64 decode error: {}", e))?;
    if bytes.len() != std::mem::size_of::<T>() {
        return Err(format!(
            "Invalid byte length: expected {}, got {}",
            std::mem::size_of::<T>(),
            bytes.len()
        ));
    }
    Ok(*from_bytes::<T>(&bytes))
}

/// Serializable version of SplTokenAdditionalDataV2
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SerializableSplTokenAdditionalData {
    pub decimals: u8,
    /// InterestBearingConfig serialized as base64, paired with unix timestamp
    pub interest_bearing_config: Option<(String, i64)>,
    /// ScaledUiAmountConfig serialized as base64, paired with unix timestamp
    pub scaled_ui_amount_config: Option<(String, i64)>,
}

impl From<SplTokenAdditionalDataV2> for SerializableSplTokenAdditionalData {
    fn from(data: SplTokenAdditionalDataV2) -> Self {
        Self {
            decimals: data.decimals,
            interest_bearing_config: data
                .interest_bearing_config
                .map(|(config, ts)| (serialize_pod_to_base64(&config), ts)),
            scaled_ui_amount_config: data
                .scaled_ui_amount_config
                .map(|(config, ts)| (serialize_pod_to_base64(&config), ts)),
        }
    }
}

impl TryFrom<SerializableSplTokenAdditionalData> for SplTokenAdditionalDataV2 {
    type Error = String;

    fn try_from(data: SerializableSplTokenAdditionalData) -> Result<Self, Self::Error> {
        Ok(Self {
            decimals: data.decimals,
            interest_bearing_config: data
                .interest_bearing_config
                .map(|(encoded, ts)| {
                    deserialize_pod_from_base64::<InterestBearingConfig>(&encoded)
                        .map(|config| (config, ts))
                })
                .transpose()?,
            scaled_ui_amount_config: data
                .scaled_ui_amount_config
                .map(|(encoded, ts)| {
                    deserialize_pod_from_base64::<ScaledUiAmountConfig>(&encoded)
                        .map(|config| (config, ts))
                })
                .transpose()?,
        })
    }
}

/// Serializable version of AccountAdditionalDataV3
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SerializableAccountAdditionalData {
    pub spl_token_additional_data: Option<SerializableSplTokenAdditionalData>,
}

impl From<AccountAdditionalDataV3> for SerializableAccountAdditionalData {
    fn from(data: AccountAdditionalDataV3) -> Self {
        Self {
            spl_token_additional_data: data.spl_token_additional_data.map(Into::into),
        }
    }
}

impl TryFrom<SerializableAccountAdditionalData> for AccountAdditionalDataV3 {
    type Error = String;

    fn try_from(data: SerializableAccountAdditionalData) -> Result<Self, Self::Error> {
        Ok(Self {
            spl_token_additional_data: data
                .spl_token_additional_data
                .map(TryInto::try_into)
                .transpose()?,
        })
    }
}

/// Serializable version of TransactionTokenBalance
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SerializableTransactionTokenBalance {
    pub account_index: u8,
    pub mint: String,
    pub ui_token_amount: UiTokenAmount,
    pub owner: String,
    pub program_id: String,
}

impl From<TransactionTokenBalance> for SerializableTransactionTokenBalance {
    fn from(ttb: TransactionTokenBalance) -> Self {
        Self {
            account_index: ttb.account_index,
            mint: ttb.mint,
            ui_token_amount: ttb.ui_token_amount,
            owner: ttb.owner,
            program_id: ttb.program_id,
        }
    }
}

impl From<SerializableTransactionTokenBalance> for TransactionTokenBalance {
    fn from(sttb: SerializableTransactionTokenBalance) -> Self {
        Self {
            account_index: sttb.account_index,
            mint: sttb.mint,
            ui_token_amount: sttb.ui_token_amount,
            owner: sttb.owner,
            program_id: sttb.program_id,
        }
    }
}

/// Serializable version of TransactionStatusMeta
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SerializableTransactionStatusMeta {
    pub status: Result<(), TransactionError>,
    pub fee: u64,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub inner_instructions: Option<Vec<InnerInstructions>>,
    pub log_messages: Option<Vec<String>>,
    pub pre_token_balances: Option<Vec<SerializableTransactionTokenBalance>>,
    pub post_token_balances: Option<Vec<SerializableTransactionTokenBalance>>,
    pub rewards: Option<Vec<Reward>>,
    pub loaded_addresses: LoadedAddresses,
    pub return_data: Option<TransactionReturnData>,
    pub compute_units_consumed: Option<u64>,
    pub cost_units: Option<u64>,
}

impl From<TransactionStatusMeta> for SerializableTransactionStatusMeta {
    fn from(meta: TransactionStatusMeta) -> Self {
        Self {
            status: meta.status,
            fee: meta.fee,
            pre_balances: meta.pre_balances,
            post_balances: meta.post_balances,
            inner_instructions: meta.inner_instructions,
            log_messages: meta.log_messages,
            pre_token_balances: meta
                .pre_token_balances
                .map(|v| v.into_iter().map(Into::into).collect()),
            post_token_balances: meta
                .post_token_balances
                .map(|v| v.into_iter().map(Into::into).collect()),
            rewards: meta.rewards,
            loaded_addresses: meta.loaded_addresses,
            return_data: meta.return_data,
            compute_units_consumed: meta.compute_units_consumed,
            cost_units: meta.cost_units,
        }
    }
}

impl From<SerializableTransactionStatusMeta> for TransactionStatusMeta {
    fn from(smeta: SerializableTransactionStatusMeta) -> Self {
        Self {
            status: smeta.status,
            fee: smeta.fee,
            pre_balances: smeta.pre_balances,
            post_balances: smeta.post_balances,
            inner_instructions: smeta.inner_instructions,
            log_messages: smeta.log_messages,
            pre_token_balances: smeta
                .pre_token_balances
                .map(|v| v.into_iter().map(Into::into).collect()),
            post_token_balances: smeta
                .post_token_balances
                .map(|v| v.into_iter().map(Into::into).collect()),
            rewards: smeta.rewards,
            loaded_addresses: smeta.loaded_addresses,
            return_data: smeta.return_data,
            compute_units_consumed: smeta.compute_units_consumed,
            cost_units: smeta.cost_units,
        }
    }
}

/// Helper struct for serializing TransactionWithStatusMeta
/// The transaction is stored as base64-encoded Solana wire bytes.
#[derive(Serialize, Deserialize)]
struct SerializableTransactionWithStatusMeta {
    pub slot: u64,
    /// Base64-encoded wire serialization of VersionedTransaction.
    pub transaction_bytes: String,
    pub meta: SerializableTransactionStatusMeta,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum SurfnetTransactionStatus {
    Received,
    Processed(Box<(TransactionWithStatusMeta, HashSet<Pubkey>)>),
}

impl SurfnetTransactionStatus {
    pub fn expect_processed(&self) -> &(TransactionWithStatusMeta, HashSet<Pubkey>) {
        match &self {
            SurfnetTransactionStatus::Received => unreachable!(),
            SurfnetTransactionStatus::Processed(data) => data,
        }
    }

    pub fn as_processed(self) -> Option<(TransactionWithStatusMeta, HashSet<Pubkey>)> {
        match self {
            SurfnetTransactionStatus::Received => None,
            SurfnetTransactionStatus::Processed(data) => Some(*data),
        }
    }

    pub fn processed(status: TransactionWithStatusMeta, updated_accounts: HashSet<Pubkey>) -> Self {
        Self::Processed(Box::new((status, updated_accounts)))
    }
}

#[derive(Debug, Clone, Default)]
pub struct TransactionWithStatusMeta {
    pub slot: u64,
    pub transaction: VersionedTransaction,
    pub meta: TransactionStatusMeta,
}

impl Serialize for TransactionWithStatusMeta {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let tx_bytes = wincode::serialize(&self.transaction)
            .map_err(|e| serde::ser::Error::custom(format!("wincode error: {}", e)))?;
        let tx_base64 = BASE64_STANDARD.encode(&tx_bytes);

        let helper = SerializableTransactionWithStatusMeta {
            slot: self.slot,
            transaction_bytes: tx_base64,
            meta: self.meta.clone().into(),
        };
        helper.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TransactionWithStatusMeta {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        let helper = SerializableTransactionWithStatusMeta::deserialize(deserializer)?;

        let tx_bytes = BASE64_STANDARD
            .decode(&helper.transaction_bytes)
            .map_err(|e| serde::de::Error::custom(format!("base64 decode error: {}", e)))?;
        let transaction: VersionedTransaction = wincode::deserialize(&tx_bytes)
            .map_err(|e| serde::de::Error::custom(format!("wincode deserialize error: {}", e)))?;

        Ok(Self {
            slot: helper.slot,
            transaction,
            meta: helper.meta.into(),
        })
    }
}

#[cfg(test)]
mod transaction_with_status_meta_tests {
    use solana_keypair::Keypair;
    use solana_message::{MessageHeader, VersionedMessage, legacy, v0, v1};
    use solana_signature::Signature;
    use solana_signer::Signer;
    use solana_system_interface::instruction::transfer;

    use super::*;

    #[test]
    fn persists_v1_transaction_wire_format() {
        let transaction = VersionedTransaction {
            signatures: vec![Signature::default()],
            message: VersionedMessage::V1(v1::Message::new(
                MessageHeader {
                    num_required_signatures: 1,
                    ..MessageHeader::default()
                },
                v1::TransactionConfig::empty(),
                Hash::default(),
                vec![Pubkey::new_unique()],
                vec![],
            )),
        };
        let stored = TransactionWithStatusMeta {
            transaction: transaction.clone(),
            ..TransactionWithStatusMeta::default()
        };

        let json = serde_json::to_string(&stored).unwrap();
        let restored: TransactionWithStatusMeta = serde_json::from_str(&json).unwrap();

        assert_eq!(restored.transaction, transaction);
    }

    #[test]
    fn reads_legacy_and_v0_bincode_persistence() {
        let payer = Keypair::new();
        let recipient = Pubkey::new_unique();
        let recent_blockhash = Hash::new_unique();
        let transfer_instruction = transfer(&payer.pubkey(), &recipient, 1);
        let signed_legacy = VersionedTransaction::try_new(
            VersionedMessage::Legacy(legacy::Message::new_with_blockhash(
                &[transfer_instruction.clone()],
                Some(&payer.pubkey()),
                &recent_blockhash,
            )),
            &[&payer],
        )
        .unwrap();
        let signed_v0 = VersionedTransaction::try_new(
            VersionedMessage::V0(
                v0::Message::try_compile(
                    &payer.pubkey(),
                    &[transfer_instruction],
                    &[],
                    recent_blockhash,
                )
                .unwrap(),
            ),
            &[&payer],
        )
        .unwrap();

        for transaction in [&signed_legacy, &signed_v0] {
            assert_ne!(transaction.signatures[0], Signature::default());
            assert!(!transaction.message.static_account_keys().is_empty());
            assert!(!transaction.message.instructions().is_empty());
        }

        let transactions = [
            VersionedTransaction::default(),
            VersionedTransaction {
                signatures: vec![],
                message: VersionedMessage::V0(v0::Message::default()),
            },
            signed_legacy,
            signed_v0,
        ];

        for transaction in transactions {
            let helper = SerializableTransactionWithStatusMeta {
                slot: 42,
                transaction_bytes: BASE64_STANDARD
                    .encode(bincode::serialize(&transaction).unwrap()),
                meta: TransactionStatusMeta::default().into(),
            };

            let json = serde_json::to_string(&helper).unwrap();
            let restored: TransactionWithStatusMeta = serde_json::from_str(&json).unwrap();

            assert_eq!(restored.slot, 42);
            assert_eq!(restored.transaction, transaction);
        }
    }
}

impl From<TransactionWithStatusMeta> for VersionedTransactionWithStatusMeta {
    fn from(tx: TransactionWithStatusMeta) -> Self {
        Self {
            transaction: tx.transaction,
            meta: tx.meta,
        }
    }
}

impl TransactionWithStatusMeta {
    pub fn into_status(&self, current_slot: u64) -> TransactionStatus {
        TransactionStatus {
            slot: self.slot,
            confirmations: Some((current_slot - self.slot) as usize),
            status: self.meta.status.clone(),
            err: match &self.meta.status {
                Ok(_) => None,
                Err(e) => Some(e.clone()),
            },
            confirmation_status: Some(TransactionConfirmationStatus::Finalized),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new(
        slot: u64,
        transaction: VersionedTransaction,
        transaction_meta: TransactionMetadata,
        accounts_before: &[Option<Account>],
        accounts_after: &[Option<Account>],
        pre_token_accounts_with_indexes: &[(usize, TokenAccount)],
        post_token_accounts_with_indexes: &[(usize, TokenAccount)],
        token_mints: Vec<MintAccount>,
        pre_token_program_ids: &[Pubkey],
        post_token_program_ids: &[Pubkey],
        loaded_addresses: LoadedAddresses,
    ) -> Self {
        Self {
            slot,
            transaction,
            meta: TransactionStatusMeta {
                status: Ok(()),
                fee: transaction_meta.fee,
                pre_balances: accounts_before
                    .iter()
                    .map(|a| a.clone().map(|a| a.lamports).unwrap_or(0))
                    .collect(),
                post_balances: accounts_after
                    .iter()
                    .map(|a| a.clone().map(|a| a.lamports).unwrap_or(0))
                    .collect(),
                inner_instructions: Some(
                    map_inner_instructions(transaction_meta.inner_instructions).collect(),
                ),
                log_messages: Some(transaction_meta.logs),
                pre_token_balances: Some(
                    pre_token_accounts_with_indexes
                        .iter()
                        .zip(token_mints.clone())
                        .zip(pre_token_program_ids)
                        .map(|(((i, a), mint), token_program)| TransactionTokenBalance {
                            account_index: *i as u8,
                            mint: a.mint().to_string(),
                            ui_token_amount: token_amount_to_ui_amount_v3(
                                a.amount(),
                                &SplTokenAdditionalDataV2::with_decimals(mint.decimals()),
                            ),
                            owner: a.owner().to_string(),
                            program_id: token_program.to_string(),
                        })
                        .collect(),
                ),
                post_token_balances: Some(
                    post_token_accounts_with_indexes
                        .iter()
                        .zip(token_mints)
                        .zip(post_token_program_ids)
                        .map(|(((i, a), mint), token_program)| TransactionTokenBalance {
                            account_index: *i as u8,
                            mint: a.mint().to_string(),
                            ui_token_amount: token_amount_to_ui_amount_v3(
                                a.amount(),
                                &SplTokenAdditionalDataV2::with_decimals(mint.decimals()),
                            ),
                            owner: a.owner().to_string(),
                            program_id: token_program.to_string(),
                        })
                        .collect(),
                ),
                rewards: Some(vec![]),
                loaded_addresses,
                return_data: Some(transaction_meta.return_data).filter(|d| !d.data.is_empty()),
                compute_units_consumed: Some(transaction_meta.compute_units_consumed),
                cost_units: None,
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn from_failure(
        slot: u64,
        transaction: VersionedTransaction,
        failure: &litesvm::types::FailedTransactionMetadata,
        accounts_before: &[Option<Account>],
        accounts_after: &[Option<Account>],
        pre_token_accounts_with_indexes: &[(usize, TokenAccount)],
        token_mints: Vec<MintAccount>,
        token_program_ids: &[Pubkey],
        loaded_addresses: LoadedAddresses,
    ) -> Self {
        let pre_balances: Vec<u64> = accounts_before
            .iter()
            .map(|a| a.as_ref().map(|a| a.lamports).unwrap_or(0))
            .collect();

        let fee = failure.meta.fee;

        let post_balances: Vec<u64> = accounts_after
            .iter()
            .map(|a| a.clone().map(|a| a.lamports).unwrap_or(0))
            .collect();

        let balances: Vec<TransactionTokenBalance> = pre_token_accounts_with_indexes
            .iter()
            .zip(token_mints)
            .zip(token_program_ids)
            .map(|(((i, a), mint), token_program)| TransactionTokenBalance {
                account_index: *i as u8,
                mint: a.mint().to_string(),
                ui_token_amount: token_amount_to_ui_amount_v3(
                    a.amount(),
                    &SplTokenAdditionalDataV2::with_decimals(mint.decimals()),
                ),
                owner: a.owner().to_string(),
                program_id: token_program.to_string(),
            })
            .collect();

        Self {
            slot,
            transaction,
            meta: TransactionStatusMeta {
                status: Err(failure.err.clone()),
                fee,
                pre_balances,
                post_balances,
                inner_instructions: Some(
                    map_inner_instructions(failure.meta.inner_instructions.clone()).collect(),
                ),
                log_messages: Some(failure.meta.logs.clone()),
                pre_token_balances: Some(balances.clone()),
                post_token_balances: Some(balances),
                rewards: Some(vec![]),
                loaded_addresses,
                return_data: Some(failure.meta.return_data.clone()).filter(|d| !d.data.is_empty()),
                compute_units_consumed: Some(failure.meta.compute_units_consumed),
                cost_units: None,
            },
        }
    }
}

pub fn surfpool_tx_metadata_to_litesvm_tx_metadata(
    metadata: &surfpool_types::TransactionMetadata,
) -> litesvm::types::TransactionMetadata {
    litesvm::types::TransactionMetadata {
        compute_units_consumed: metadata.compute_units_consumed,
        logs: metadata.logs.clone(),
        return_data: metadata.return_data.clone(),
        inner_instructions: metadata.inner_instructions.clone(),
        signature: metadata.signature,
        fee: metadata.fee,
    }
}

#[derive(Debug, Clone)]
pub enum RemoteRpcResult<T> {
    Ok(T),
    MethodNotSupported,
}

impl<T> RemoteRpcResult<T> {
    /// Converts RemoteRpcResult to SurfpoolResult
    pub fn into_result(self) -> SurfpoolResult<T> {
        match self {
            RemoteRpcResult::Ok(value) => Ok(value),
            RemoteRpcResult::MethodNotSupported => Err(SurfpoolError::rpc_method_not_supported()),
        }
    }

    /// Converts RemoteRpcResult to SurfpoolResult, treating MethodNotSupported as a default value
    pub fn into_result_or_default(self, default: T) -> SurfpoolResult<T> {
        match self {
            RemoteRpcResult::Ok(value) => Ok(value),
            RemoteRpcResult::MethodNotSupported => Ok(default),
        }
    }

    /// Handles RemoteRpcResult with a callback for MethodNotSupported that returns a default value
    pub fn handle_method_not_supported<F>(self, on_not_supported: F) -> T
    where
        F: FnOnce() -> T,
    {
        match self {
            RemoteRpcResult::Ok(value) => value,
            RemoteRpcResult::MethodNotSupported => on_not_supported(),
        }
    }

    /// Maps the Ok variant while preserving MethodNotSupported
    pub fn map<U, F>(self, f: F) -> RemoteRpcResult<U>
    where
        F: FnOnce(T) -> U,
    {
        match self {
            RemoteRpcResult::Ok(value) => RemoteRpcResult::Ok(f(value)),
            RemoteRpcResult::MethodNotSupported => RemoteRpcResult::MethodNotSupported,
        }
    }
}

/// Discriminant byte used for serializing token program variants.
/// Ensures consistent encoding between TokenAccount and MintAccount.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProgramDiscriminant {
    SplToken = 0,
    SplToken2022 = 1,
}

impl TokenProgramDiscriminant {
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::SplToken),
            1 => Some(Self::SplToken2022),
            _ => None,
        }
    }

    pub fn as_byte(self) -> u8 {
        self as u8
    }
}

/// Emits `Serialize`/`Deserialize` impls for the two-variant
/// (`SplToken2022`, `SplToken`) packable enums `TokenAccount` and
/// `MintAccount`. The algorithm is identical for both: prepend a
/// discriminant byte, `pack_into_slice` into a fixed-length buffer, and
/// base64-encode; reverse on the way in. The only things that vary per
/// enum are the packed inner types and the human label used in error
/// messages, so those are the macro parameters.
macro_rules! impl_token_program_packable_serde {
    ($enum_name:ident, $ty_2022:ty, $ty_legacy:ty, $label:literal) => {
        impl Serialize for $enum_name {
            fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
            where
                S: Serializer,
            {
                let mut bytes = Vec::with_capacity(1 + <$ty_2022>::LEN);
                match self {
                    Self::SplToken2022(inner) => {
                        bytes.push(TokenProgramDiscriminant::SplToken2022.as_byte());
                        let mut dst = [0u8; <$ty_2022>::LEN];
                        inner.pack_into_slice(&mut dst);
                        bytes.extend_from_slice(&dst);
                    }
                    Self::SplToken(inner) => {
                        bytes.push(TokenProgramDiscriminant::SplToken.as_byte());
                        let mut dst = [0u8; <$ty_legacy>::LEN];
                        inner.pack_into_slice(&mut dst);
                        bytes.extend_from_slice(&dst);
                    }
                }
                let encoded = BASE64_STANDARD.encode(&bytes);
                serializer.serialize_str(&encoded)
            }
        }

        impl<'de> Deserialize<'de> for $enum_name {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: Deserializer<'de>,
            {
                let encoded = String::deserialize(deserializer)?;
                let bytes = BASE64_STANDARD
                    .decode(&encoded)
                    .map_err(serde::de::Error::custom)?;

                if bytes.is_empty() {
                    return Err(serde::de::Error::custom(concat!(
                        "Empty ", $label, " bytes"
                    )));
                }

                let discriminant =
                    TokenProgramDiscriminant::from_byte(bytes[0]).ok_or_else(|| {
                        serde::de::Error::custom(format!(
                            concat!("Unknown ", $label, " discriminant: {}"),
                            bytes[0]
                        ))
                    })?;
                let data = &bytes[1..];

                match discriminant {
                    TokenProgramDiscriminant::SplToken2022 => {
                        let inner = <$ty_2022>::unpack(data).map_err(serde::de::Error::custom)?;
                        Ok($enum_name::SplToken2022(inner))
                    }
                    TokenProgramDiscriminant::SplToken => {
                        let inner = <$ty_legacy>::unpack(data).map_err(serde::de::Error::custom)?;
                        Ok($enum_name::SplToken(inner))
                    }
                }
            }
        }
    };
}

#[derive(Debug, Copy, Clone, PartialEq)]
pub enum TokenAccount {
    SplToken2022(spl_token_2022_interface::state::Account),
    SplToken(spl_token_interface::state::Account),
}

impl TokenAccount {
    pub fn token_program_id(&self) -> Pubkey {
        match self {
            Self::SplToken2022(_) => spl_token_2022_interface::id(),
            Self::SplToken(_) => spl_token_interface::id(),
        }
    }

    pub fn unpack(bytes: &[u8]) -> SurfpoolResult<Self> {
        if let Ok(account) = spl_token_2022_interface::state::Account::unpack(bytes) {
            Ok(Self::SplToken2022(account))
        } else if let Ok(account) = spl_token_interface::state::Account::unpack(bytes) {
            Ok(Self::SplToken(account))
        } else if let Ok(account) =
            StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(bytes)
        {
            Ok(Self::SplToken2022(account.base))
        } else {
            Err(SurfpoolError::unpack_token_account())
        }
    }

    pub fn new(
        token_program_id: &Pubkey,
        owner: Pubkey,
        mint: Pubkey,
        is_native: Option<u64>,
    ) -> Self {
        if token_program_id == &spl_token_2022_interface::id() {
            Self::SplToken2022(spl_token_2022_interface::state::Account {
                mint,
                owner,
                state: spl_token_2022_interface::state::AccountState::Initialized,
                is_native: is_native.into(),
                ..Default::default()
            })
        } else {
            Self::SplToken(spl_token_interface::state::Account {
                mint,
                owner,
                state: spl_token_interface::state::AccountState::Initialized,
                is_native: is_native.into(),
                ..Default::default()
            })
        }
    }

    pub fn pack_into_vec(&self) -> Vec<u8> {
        match self {
            Self::SplToken2022(account) => {
                let mut dst = [0u8; spl_token_2022_interface::state::Account::LEN];
                account.pack_into_slice(&mut dst);
                dst.to_vec()
            }
            Self::SplToken(account) => {
                let mut dst = [0u8; spl_token_interface::state::Account::LEN];
                account.pack_into_slice(&mut dst);
                dst.to_vec()
            }
        }
    }

    pub fn pack_into_preserving_extensions(&self, original: &[u8]) -> SurfpoolResult<Vec<u8>> {
        let base_len = spl_token_interface::state::Account::LEN;
        if original.len() < base_len {
            return Err(SurfpoolError::unpack_token_account());
        }

        let mut data = original.to_vec();
        match self {
            Self::SplToken2022(account) => account.pack_into_slice(&mut data[..base_len]),
            Self::SplToken(account) => account.pack_into_slice(&mut data[..base_len]),
        }
        Ok(data)
    }

    pub fn owner(&self) -> Pubkey {
        match self {
            Self::SplToken2022(account) => account.owner,
            Self::SplToken(account) => account.owner,
        }
    }

    pub fn mint(&self) -> Pubkey {
        match self {
            Self::SplToken2022(account) => account.mint,
            Self::SplToken(account) => account.mint,
        }
    }

    pub fn delegate(&self) -> COption<Pubkey> {
        match self {
            Self::SplToken2022(account) => account.delegate,
            Self::SplToken(account) => account.delegate,
        }
    }

    pub fn set_delegate(&mut self, delegate: COption<Pubkey>) {
        match self {
            Self::SplToken2022(account) => account.delegate = delegate,
            Self::SplToken(account) => account.delegate = delegate,
        }
    }

    pub fn set_delegated_amount(&mut self, delegated_amount: u64) {
        match self {
            Self::SplToken2022(account) => account.delegated_amount = delegated_amount,
            Self::SplToken(account) => account.delegated_amount = delegated_amount,
        }
    }

    pub fn set_close_authority(&mut self, close_authority: COption<Pubkey>) {
        match self {
            Self::SplToken2022(account) => account.close_authority = close_authority,
            Self::SplToken(account) => account.close_authority = close_authority,
        }
    }

    pub fn amount(&self) -> u64 {
        match self {
            Self::SplToken2022(account) => account.amount,
            Self::SplToken(account) => account.amount,
        }
    }

    pub fn set_amount(&mut self, amount: u64) {
        match self {
            Self::SplToken2022(account) => account.amount = amount,
            Self::SplToken(account) => account.amount = amount,
        }
    }

    pub fn get_packed_len_for_token_program_id(token_program_id: &Pubkey) -> usize {
        if *token_program_id == spl_token_interface::id() {
            spl_token_interface::state::Account::get_packed_len()
        } else {
            spl_token_2022_interface::state::Account::get_packed_len()
        }
    }

    pub fn set_state_from_str(&mut self, state: &str) -> SurfpoolResult<()> {
        match self {
            Self::SplToken2022(account) => {
                account.state = match state {
                    "uninitialized" => spl_token_2022_interface::state::AccountState::Uninitialized,
                    "frozen" => spl_token_2022_interface::state::AccountState::Frozen,
                    "initialized" => spl_token_2022_interface::state::AccountState::Initialized,
                    _ => {
                        return Err(SurfpoolError::invalid_token_account_state(state));
                    }
                }
            }
            Self::SplToken(account) => {
                account.state = match state {
                    "uninitialized" => spl_token_interface::state::AccountState::Uninitialized,
                    "frozen" => spl_token_interface::state::AccountState::Frozen,
                    "initialized" => spl_token_interface::state::AccountState::Initialized,
                    _ => {
                        return Err(SurfpoolError::invalid_token_account_state(state));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod token_account_packing_tests {
    use super::*;

    #[test]
    fn packing_preserves_token_2022_extension_bytes() {
        let mut token_account = TokenAccount::new(
            &spl_token_2022_interface::id(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            None,
        );
        token_account.set_amount(42);
        let mut original = vec![0u8; 170];
        original[165..].copy_from_slice(&[1, 2, 3, 4, 5]);

        let packed = token_account
            .pack_into_preserving_extensions(&original)
            .unwrap();

        assert_eq!(packed.len(), 170);
        assert_eq!(&packed[64..72], &42u64.to_le_bytes());
        assert_eq!(&packed[165..], &[1, 2, 3, 4, 5]);
    }

    #[test]
    fn packing_keeps_classic_token_accounts_at_165_bytes() {
        let mut token_account = TokenAccount::new(
            &spl_token_interface::id(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            None,
        );
        token_account.set_amount(42);

        let packed = token_account
            .pack_into_preserving_extensions(&[0u8; 165])
            .unwrap();

        assert_eq!(packed.len(), 165);
        assert_eq!(&packed[64..72], &42u64.to_le_bytes());
    }

    #[test]
    fn amount_only_repack_changes_only_the_amount_bytes() {
        for token_program in [spl_token_interface::id(), spl_token_2022_interface::id()] {
            let mut token_account = TokenAccount::new(
                &token_program,
                Pubkey::new_unique(),
                Pubkey::new_unique(),
                None,
            );
            let mut original = token_account.pack_into_vec();
            if token_program == spl_token_2022_interface::id() {
                original.extend_from_slice(&[1, 2, 3, 4, 5]);
            }
            token_account.set_amount(42);

            let patched = token_account
                .pack_into_preserving_extensions(&original)
                .unwrap();

            assert_eq!(patched.len(), original.len());
            assert_eq!(&patched[64..72], &42u64.to_le_bytes());
            assert_eq!(&patched[..64], &original[..64]);
            assert_eq!(&patched[72..], &original[72..]);
        }
    }
}

/// Returns `true` if the given account bytes are a Token-2022 mint that carries
/// the transfer-fee config extension. Used to decide whether a fabricated
/// confidential account also needs the companion confidential-transfer
/// fee-amount extension (which the real `ConfigureAccount` adds in that case).
pub fn mint_has_transfer_fee_config(mint_data: &[u8]) -> bool {
    StateWithExtensions::<spl_token_2022_interface::state::Mint>::unpack(mint_data)
        .map(|mint| mint.get_extension::<TransferFeeConfig>().is_ok())
        .unwrap_or(false)
}

/// Decode a confidential-transfer key (ElGamal pubkey or AES key) from a
/// base58 or base64 string, validating the decoded length.
fn decode_confidential_key(input: &str, expected_len: usize) -> Result<Vec<u8>, String> {
    if let Ok(bytes) = bs58::decode(input).into_vec() {
        if bytes.len() == expected_len {
            return Ok(bytes);
        }
    }
    let bytes = BASE64_STANDARD
        .decode(input)
        .map_err(|e| format!("expected base58 or base64 ({e})"))?;
    if bytes.len() != expected_len {
        return Err(format!(
            "expected {expected_len} bytes, got {}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Decode one of the owner signatures the confidential key derivation is hashed
/// from, accepting the same base58-or-base64 encodings as the key parameters.
fn parse_confidential_key_signature(input: &str) -> Result<Signature, String> {
    let bytes = decode_confidential_key(input, SIGNATURE_BYTES)?;
    let signature = Signature::try_from(bytes.as_slice())
        .map_err(|_| format!("expected a {SIGNATURE_BYTES}-byte Solana signature"))?;
    // Some `Signer` implementations return the all-zero default signature instead of
    // signing. `new_from_signer` rejects it as key material; `new_from_signature`, which
    // this derivation calls, hashes whatever it is handed and would return a fixed key
    // pair anyone can compute. Reject it here so both paths agree on this input.
    if signature == Signature::default() {
        return Err("expected a real signature, got the all-zero default".to_string());
    }
    Ok(signature)
}

/// Build the raw account data for a Token-2022 token account that carries the
/// confidential-transfer extension (and, when `mint_has_transfer_fee` is set,
/// the companion confidential-transfer fee-amount extension).
///
/// Test-only helper backing the `surfnet_setTokenAccount` cheatcode: it
/// fabricates a configured (and optionally funded) confidential account
/// directly, bypassing the on-chain configure / deposit / apply-pending-balance
/// flow. The crypto split is: `available_balance` only needs the owner's
/// ElGamal *public* key, while `decryptable_available_balance` needs the owner's
/// AES *secret* key — so `aes_key` is required for every confidential account
/// (it encrypts the balance, or zero, into the owner-readable field).
pub fn build_confidential_token_account_data(
    base: &spl_token_2022_interface::state::Account,
    mint_has_transfer_fee: bool,
    conf: &ConfidentialTransferAccountUpdate,
) -> Result<Vec<u8>, String> {
    let elgamal_bytes = decode_confidential_key(&conf.elgamal_pubkey, 32)
        .map_err(|e| format!("elgamalPubkey: {e}"))?;
    let elgamal_pubkey = ElGamalPubkey::try_from(elgamal_bytes.as_slice())
        .map_err(|e| format!("elgamalPubkey: invalid ElGamal public key ({e})"))?;

    let amount = conf.amount.unwrap_or(0);

    // `decryptable_available_balance` is what the owner (and wallets) decrypt to
    // read their balance. It must be a real `AeKey::encrypt(amount)` — even for a
    // zero balance, where it is `encrypt(0)`, mirroring the `decryptable_zero_balance`
    // the on-chain `ConfigureAccount` requires. An all-zero placeholder is NOT a
    // valid AES-GCM-SIV ciphertext and would fail owner-side reads, so `aesKey`
    // is required for every confidential account (including receive-only ones).
    let aes_key_str = conf.aes_key.as_ref().ok_or_else(|| {
        "aesKey is required to produce the owner-decryptable available balance \
         (even for a zero-balance receive-only account)"
            .to_string()
    })?;
    let ae_bytes = decode_confidential_key(aes_key_str, 16).map_err(|e| format!("aesKey: {e}"))?;
    let ae_array: [u8; 16] = ae_bytes
        .as_slice()
        .try_into()
        .map_err(|_| "aesKey: expected 16 bytes".to_string())?;
    let decryptable_available_balance: PodAeCiphertext =
        AeKey::from(ae_array).encrypt(amount).into();

    // `available_balance` is the authoritative ElGamal ciphertext the program
    // does homomorphic math on. The all-zero ciphertext is the canonical valid
    // encryption of zero (exactly what `process_configure_account` writes), so a
    // zero-balance account starts from it; a funded account encrypts `amount`
    // under the owner's ElGamal key.
    let available_balance: PodElGamalCiphertext = if amount > 0 {
        elgamal_pubkey.encrypt_u64(amount).into()
    } else {
        PodElGamalCiphertext::zeroed()
    };

    let mut extension_types = vec![ExtensionType::ConfidentialTransferAccount];
    if mint_has_transfer_fee {
        extension_types.push(ExtensionType::ConfidentialTransferFeeAmount);
    }
    let account_len = ExtensionType::try_calculate_account_len::<
        spl_token_2022_interface::state::Account,
    >(&extension_types)
    .map_err(|e| format!("failed to size confidential account: {e}"))?;

    let mut buffer = vec![0u8; account_len];
    let mut state =
        StateWithExtensionsMut::<spl_token_2022_interface::state::Account>::unpack_uninitialized(
            &mut buffer,
        )
        .map_err(|e| format!("failed to init confidential account buffer: {e}"))?;

    state.base = *base;
    state.pack_base();
    state
        .init_account_type()
        .map_err(|e| format!("failed to set account type: {e}"))?;

    {
        let ct = state
            .init_extension::<ConfidentialTransferAccount>(false)
            .map_err(|e| format!("failed to init confidential extension: {e}"))?;
        ct.approved = conf.approved.unwrap_or(true).into();
        ct.elgamal_pubkey = PodElGamalPubkey::from(elgamal_pubkey);
        ct.pending_balance_lo = PodElGamalCiphertext::zeroed();
        ct.pending_balance_hi = PodElGamalCiphertext::zeroed();
        ct.available_balance = available_balance;
        ct.decryptable_available_balance = decryptable_available_balance;
        ct.allow_confidential_credits = conf.allow_confidential_credits.unwrap_or(true).into();
        ct.allow_non_confidential_credits =
            conf.allow_non_confidential_credits.unwrap_or(true).into();
        ct.pending_balance_credit_counter = 0u64.into();
        ct.maximum_pending_balance_credit_counter = conf
            .maximum_pending_balance_credit_counter
            .unwrap_or(65536)
            .into();
        ct.expected_pending_balance_credit_counter = 0u64.into();
        ct.actual_pending_balance_credit_counter = 0u64.into();
    }

    if mint_has_transfer_fee {
        let fee_amount = state
            .init_extension::<ConfidentialTransferFeeAmount>(false)
            .map_err(|e| format!("failed to init confidential fee extension: {e}"))?;
        fee_amount.withheld_amount = PodElGamalCiphertext::zeroed();
    }

    drop(state);
    Ok(buffer)
}

/// Decrypt the confidential balances held on a Token-2022 token account.
///
/// Backs the `surfnet_getConfidentialBalance` cheatcode, the read half of the
/// confidential test loop whose write half is `surfnet_setTokenAccount`. Each
/// balance has its own key because the extension stores them differently:
/// - **available** is read from `decryptable_available_balance`, the AES copy the
///   owner supplies and the program stores verbatim. The program holds no AES key,
///   so it never computes this field. The authoritative `available_balance` is an
///   ElGamal ciphertext over a full u64 and is not recoverable by the u32
///   discrete-log decode, so the AES copy is the only read path.
/// - **pending** is read from the `lo`/`hi` ElGamal ciphertexts, each within the
///   u32 decode range, and recombined.
pub fn decrypt_confidential_balances(
    account_data: &[u8],
    keys: &ConfidentialBalanceKeys,
) -> Result<GetConfidentialBalanceResponse, String> {
    let state =
        StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(account_data)
            .map_err(|e| format!("not a Token-2022 token account: {e}"))?;
    let ext = state
        .get_extension::<ConfidentialTransferAccount>()
        .map_err(|e| format!("account has no confidential-transfer extension: {e}"))?;

    let available = match keys.aes_key.as_deref() {
        Some(aes_key) => {
            let bytes = decode_confidential_key(aes_key, 16).map_err(|e| format!("aesKey: {e}"))?;
            let key = AeKey::try_from(bytes.as_slice())
                .map_err(|e| format!("aesKey: invalid AES key ({e})"))?;
            let ciphertext = AeCiphertext::try_from(ext.decryptable_available_balance)
                .map_err(|e| format!("available balance is not a valid AES ciphertext: {e}"))?;
            Some(key.decrypt(&ciphertext).ok_or_else(|| {
                "aesKey does not decrypt this account's available balance".to_string()
            })?)
        }
        None => None,
    };

    let pending = match keys.elgamal_secret_key.as_deref() {
        Some(secret_key) => {
            let bytes = decode_confidential_key(secret_key, 32)
                .map_err(|e| format!("elgamalSecretKey: {e}"))?;
            let secret = ElGamalSecretKey::try_from(bytes.as_slice())
                .map_err(|e| format!("elgamalSecretKey: invalid ElGamal secret key ({e})"))?;
            let lo = decrypt_pending_balance(ext.pending_balance_lo, &secret, "lo")?;
            let hi = decrypt_pending_balance(ext.pending_balance_hi, &secret, "hi")?;
            Some(
                hi.checked_shl(PENDING_BALANCE_LO_BIT_LENGTH)
                    .and_then(|hi| hi.checked_add(lo))
                    .ok_or_else(|| "pending balance overflows u64".to_string())?,
            )
        }
        None => None,
    };

    Ok(GetConfidentialBalanceResponse {
        available,
        pending,
        pending_balance_credit_counter: ext.pending_balance_credit_counter.into(),
    })
}

fn decrypt_pending_balance(
    ciphertext: PodElGamalCiphertext,
    secret: &ElGamalSecretKey,
    half: &str,
) -> Result<u64, String> {
    let ciphertext = ElGamalCiphertext::try_from(ciphertext)
        .map_err(|e| format!("pending balance {half} is not a valid ElGamal ciphertext: {e}"))?;
    secret.decrypt_u32(&ciphertext).ok_or_else(|| {
        format!("elgamalSecretKey does not decrypt this account's pending balance {half}")
    })
}

/// Derive an owner's confidential-transfer keys from the owner's signature.
///
/// Backs the `surfnet_deriveConfidentialKeys` cheatcode: the caller signs the
/// canonical confidential-balance derivation message and gets back keys ready to
/// pass to the other confidential cheatcodes.
///
/// The SDK's domain separation and what does and does not cross the wire are documented on
/// `surfnet_deriveConfidentialKeys` in [`crate::rpc::surfnet_cheatcodes::SurfnetCheatcodes`].
///
/// `derive_confidential_keys` itself imposes no seed: the caller owns what the keys are
/// scoped to, because the caller owns what it signed.
pub fn derive_confidential_keys(signature: &str) -> Result<DeriveConfidentialKeysResponse, String> {
    let signature =
        parse_confidential_key_signature(signature).map_err(|e| format!("signature: {e}"))?;
    let (elgamal, aes_key) = derive_confidential_keys_from_signature(&signature)
        .map_err(|e| format!("failed to derive confidential keys: {e}"))?;

    let elgamal_secret_key: [u8; 32] = elgamal.secret().into();
    let aes_key: [u8; 16] = aes_key.into();
    Ok(DeriveConfidentialKeysResponse {
        elgamal_pubkey: bs58::encode(bytes_of(&PodElGamalPubkey::from(elgamal.pubkey_owned())))
            .into_string(),
        elgamal_secret_key: bs58::encode(elgamal_secret_key).into_string(),
        aes_key: bs58::encode(aes_key).into_string(),
    })
}

/// Sign the canonical confidential-balance derivation message, scoping the keys
/// to `token_account`.
///
/// This is the client-side half of the cheatcode and mirrors
/// `solana_zk_sdk::encryption::derivation::derive_confidential_keys`.
#[cfg(test)]
pub(crate) fn confidential_key_signature(
    owner: &solana_keypair::Keypair,
    token_account: &Pubkey,
) -> String {
    use solana_signer::Signer;

    owner
        .sign_message(
            &solana_zk_sdk::encryption::derivation::confidential_derivation_message(
                token_account.as_ref(),
            ),
        )
        .to_string()
}

#[cfg(test)]
mod confidential_key_derivation_tests {
    use solana_keypair::Keypair;

    use super::*;

    /// The canonical signer and precomputed-signature paths must produce the same
    /// HKDF-derived key material.
    #[test]
    fn signatures_reproduce_the_keys_the_signer_path_derived() {
        let owner = Keypair::new();
        let token_account = Pubkey::new_unique();

        let signature = confidential_key_signature(&owner, &token_account);
        let from_signature =
            derive_confidential_keys(&signature).expect("deriving from signatures should succeed");

        let (elgamal, aes_key) = solana_zk_sdk::encryption::derivation::derive_confidential_keys(
            &owner,
            token_account.as_ref(),
        )
        .unwrap();
        let elgamal_secret: [u8; 32] = elgamal.secret().into();
        let aes_key_bytes: [u8; 16] = aes_key.into();

        assert_eq!(
            from_signature.elgamal_pubkey,
            bs58::encode(bytes_of(&PodElGamalPubkey::from(elgamal.pubkey_owned()))).into_string(),
        );
        assert_eq!(
            from_signature.elgamal_secret_key,
            bs58::encode(elgamal_secret).into_string(),
        );
        assert_eq!(
            from_signature.aes_key,
            bs58::encode(aes_key_bytes).into_string(),
        );
    }

    /// The account seed is part of the canonical signed message, so changing it
    /// changes both keys.
    #[test]
    fn different_seed_produces_different_keys() {
        let owner = Keypair::new();
        let token_account = Pubkey::new_unique();

        let current =
            derive_confidential_keys(&confidential_key_signature(&owner, &token_account)).unwrap();
        let other =
            derive_confidential_keys(&confidential_key_signature(&owner, &Pubkey::new_unique()))
                .unwrap();

        assert_ne!(current.elgamal_pubkey, other.elgamal_pubkey);
        assert_ne!(current.aes_key, other.aes_key);
    }

    /// The SDK rejects the all-zero signature so the cheatcode cannot hand back a
    /// fixed, publicly computable key pair.
    #[test]
    fn the_default_signature_is_rejected() {
        let owner = Keypair::new();
        let token_account = Pubkey::new_unique();
        let signature = confidential_key_signature(&owner, &token_account);
        let default_signature = Signature::default().to_string();

        let error = derive_confidential_keys(&default_signature).unwrap_err();
        assert!(error.starts_with("signature:"), "got: {error}");

        assert!(derive_confidential_keys(&signature).is_ok());
    }

    /// A 32-byte pubkey is valid base58 but is not a signature, and the error has
    /// to name which of the two parameters was wrong.
    #[test]
    fn a_malformed_signature_names_its_parameter() {
        let owner = Keypair::new();
        let token_account = Pubkey::new_unique();
        let signature = confidential_key_signature(&owner, &token_account);
        let not_a_signature = token_account.to_string();

        let error = derive_confidential_keys(&not_a_signature).unwrap_err();
        assert!(error.starts_with("signature:"), "got: {error}");

        assert!(derive_confidential_keys(&signature).is_ok());
    }
}

impl_token_program_packable_serde!(
    TokenAccount,
    spl_token_2022_interface::state::Account,
    spl_token_interface::state::Account,
    "TokenAccount"
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfflineAccountConfig {
    pub include_owned_accounts: bool,
}

#[derive(Debug, Clone)]
pub enum MintAccount {
    SplToken2022(spl_token_2022_interface::state::Mint),
    SplToken(spl_token_interface::state::Mint),
}

impl_token_program_packable_serde!(
    MintAccount,
    spl_token_2022_interface::state::Mint,
    spl_token_interface::state::Mint,
    "MintAccount"
);

impl MintAccount {
    pub fn unpack(bytes: &[u8]) -> SurfpoolResult<Self> {
        if let Ok(mint) =
            StateWithExtensions::<spl_token_2022_interface::state::Mint>::unpack(bytes)
        {
            Ok(Self::SplToken2022(mint.base))
        } else if let Ok(mint) = spl_token_2022_interface::state::Mint::unpack(bytes) {
            Ok(Self::SplToken2022(mint))
        } else if let Ok(mint) = spl_token_interface::state::Mint::unpack(bytes) {
            Ok(Self::SplToken(mint))
        } else {
            Err(SurfpoolError::unpack_mint_account())
        }
    }

    pub fn decimals(&self) -> u8 {
        match self {
            Self::SplToken2022(mint) => mint.decimals,
            Self::SplToken(mint) => mint.decimals,
        }
    }
}

pub struct GeyserAccountUpdate {
    pub pubkey: Pubkey,
    pub account: Account,
    pub slot: u64,
    pub sanitized_transaction: Option<SanitizedTransaction>,
    pub write_version: u64,
}
impl GeyserAccountUpdate {
    pub fn transaction_update(
        pubkey: Pubkey,
        account: Account,
        slot: u64,
        sanitized_transaction: SanitizedTransaction,
        write_version: u64,
    ) -> Self {
        Self {
            pubkey,
            account,
            slot,
            sanitized_transaction: Some(sanitized_transaction),
            write_version,
        }
    }

    pub fn block_update(pubkey: Pubkey, account: Account, slot: u64, write_version: u64) -> Self {
        Self {
            pubkey,
            account,
            slot,
            sanitized_transaction: None,
            write_version,
        }
    }

    pub fn startup_update(pubkey: Pubkey, account: Account, slot: u64, write_version: u64) -> Self {
        Self {
            pubkey,
            account,
            slot,
            sanitized_transaction: None,
            write_version,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TimeTravelConfig {
    AbsoluteEpoch(Epoch),
    AbsoluteSlot(Slot),
    AbsoluteTimestamp(u64),
}

impl Default for TimeTravelConfig {
    fn default() -> Self {
        // chrono timestamp in ms, 1 hour from now
        Self::AbsoluteTimestamp(Utc::now().timestamp_millis() as u64 + 3600000)
    }
}

#[derive(Debug)]
pub enum TimeTravelError {
    PastTimestamp { target: u64, current: u64 },
    PastSlot { target: u64, current: u64 },
    PastEpoch { target: u64, current: u64 },
    ZeroSlotTime,
    ZeroSlotsInEpoch,
}

impl std::fmt::Display for TimeTravelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeTravelError::PastTimestamp { target, current } => {
                write!(
                    f,
                    "Cannot travel to past timestamp: target={}, current={}",
                    target, current
                )
            }
            TimeTravelError::PastSlot { target, current } => {
                write!(
                    f,
                    "Cannot travel to past slot: target={}, current={}",
                    target, current
                )
            }
            TimeTravelError::PastEpoch { target, current } => {
                write!(
                    f,
                    "Cannot travel to past epoch: target={}, current={}",
                    target, current
                )
            }
            TimeTravelError::ZeroSlotTime => {
                write!(f, "Cannot calculate time travel with zero slot time")
            }
            TimeTravelError::ZeroSlotsInEpoch => {
                write!(f, "Cannot calculate time travel with zero slots in epoch")
            }
        }
    }
}

impl std::error::Error for TimeTravelError {}

#[derive(Debug, Default)]
/// Tracks the loaded addresses with its associated index within an Address Lookup Table
pub struct IndexedLoadedAddresses {
    pub writable: Vec<(u8, Pubkey)>,
    pub readonly: Vec<(u8, Pubkey)>,
}

impl IndexedLoadedAddresses {
    pub fn new(writable: Vec<(u8, Pubkey)>, readonly: Vec<(u8, Pubkey)>) -> Self {
        Self { writable, readonly }
    }
    pub fn writable_keys(&self) -> Vec<&Pubkey> {
        self.writable.iter().map(|(_, pubkey)| pubkey).collect()
    }
    pub fn readonly_keys(&self) -> Vec<&Pubkey> {
        self.readonly.iter().map(|(_, pubkey)| pubkey).collect()
    }
    pub fn is_empty(&self) -> bool {
        self.writable.is_empty() && self.readonly.is_empty()
    }
}

#[derive(Debug, Default)]
/// Maps an Address Lookup Table entry to its indexed loaded addresses
pub struct TransactionLoadedAddresses(IndexMap<Pubkey, IndexedLoadedAddresses>);

impl TransactionLoadedAddresses {
    pub fn new() -> Self {
        Self(IndexMap::new())
    }

    /// Filters the loaded addresses based on the provided writable and readonly sets.
    pub fn filter_from_members(
        &self,
        writable: &HashSet<Pubkey>,
        readonly: &HashSet<Pubkey>,
    ) -> Self {
        let mut filtered = Self::new();
        for (pubkey, loaded_addresses) in &self.0 {
            let mut new_loaded_addresses = IndexedLoadedAddresses::default();
            new_loaded_addresses.writable.extend(
                loaded_addresses
                    .writable
                    .iter()
                    .filter(|&(_, addr)| writable.contains(addr)),
            );
            new_loaded_addresses.readonly.extend(
                loaded_addresses
                    .readonly
                    .iter()
                    .filter(|&(_, addr)| readonly.contains(addr)),
            );
            if !new_loaded_addresses.is_empty() {
                filtered.insert(*pubkey, new_loaded_addresses);
            }
        }
        filtered
    }

    pub fn insert(&mut self, pubkey: Pubkey, loaded_addresses: IndexedLoadedAddresses) {
        self.0.insert(pubkey, loaded_addresses);
    }

    pub fn insert_members(
        &mut self,
        pubkey: Pubkey,
        writable: Vec<(u8, Pubkey)>,
        readonly: Vec<(u8, Pubkey)>,
    ) {
        self.0
            .insert(pubkey, IndexedLoadedAddresses::new(writable, readonly));
    }

    pub fn loaded_addresses(&self) -> LoadedAddresses {
        let mut loaded = LoadedAddresses::default();
        for (_, loaded_addresses) in &self.0 {
            loaded.writable.extend(loaded_addresses.writable_keys());
            loaded.readonly.extend(loaded_addresses.readonly_keys());
        }
        loaded
    }

    pub fn all_loaded_addresses(&self) -> Vec<&Pubkey> {
        let mut writable = vec![];
        let mut readonly = vec![];

        for (_, loaded_addresses) in &self.0 {
            writable.extend(loaded_addresses.writable_keys());
            readonly.extend(loaded_addresses.readonly_keys());
        }

        writable.append(&mut readonly);
        writable
    }

    pub fn alt_addresses(&self) -> Vec<Pubkey> {
        self.0.keys().cloned().collect()
    }

    pub fn to_address_table_lookups(&self) -> Vec<MessageAddressTableLookup> {
        self.0
            .iter()
            .map(|(pubkey, loaded_addresses)| MessageAddressTableLookup {
                account_key: *pubkey,
                writable_indexes: loaded_addresses
                    .writable
                    .iter()
                    .map(|(idx, _)| *idx)
                    .collect(),
                readonly_indexes: loaded_addresses
                    .readonly
                    .iter()
                    .map(|(idx, _)| *idx)
                    .collect(),
            })
            .collect()
    }

    pub fn writable_len(&self) -> usize {
        self.0
            .values()
            .map(|loaded_addresses| loaded_addresses.writable.len())
            .sum()
    }

    pub fn readonly_len(&self) -> usize {
        self.0
            .values()
            .map(|loaded_addresses| loaded_addresses.readonly.len())
            .sum()
    }
}

#[derive(Debug, Clone)]
pub struct SyntheticBlockhash(Hash);
impl SyntheticBlockhash {
    pub const PREFIX: &str = "SURFNETxSAFEHASHx";
    pub fn new(chain_tip_index: u64) -> Self {
        // Create a new synthetic blockhash - SURFNETxSAFEHASHxxxxxxxxxxxxxxxxxxxxxxxxx28
        // Create a string and decode it from base58 to get the raw bytes
        let index_hex = format!("{:08x}", chain_tip_index)
            .replace('0', "x") // Replace 0 with x
            .replace('O', "x"); // Replace O with x

        // Calculate how many 'x' characters we need to pad to reach a consistent length
        let target_length = 43; // 43 base58 sequence leads us to 32 bytes
        let padding_needed = target_length - SyntheticBlockhash::PREFIX.len() - index_hex.len();
        let padding = "x".repeat(padding_needed.max(0));
        let target_string = format!("{}{}{}", SyntheticBlockhash::PREFIX, padding, index_hex);

        let decoded_bytes = bs58::decode(&target_string).into_vec().unwrap_or_else(|_| {
            // Fallback if decode fails
            vec![0u8; 32]
        });

        let mut blockhash_bytes = [0u8; 32];
        blockhash_bytes[..decoded_bytes.len().min(32)]
            .copy_from_slice(&decoded_bytes[..decoded_bytes.len().min(32)]);
        Self(Hash::new_from_array(blockhash_bytes))
    }

    pub fn to_string(&self) -> String {
        self.0.to_string()
    }

    pub fn hash(&self) -> &Hash {
        &self.0
    }
}
