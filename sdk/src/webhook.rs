//! Webhooks: the scheduler POSTs a job's stage changes to a URL its customer registered.
//!
//! One place for both ends of the contract: what a registration proves, the body a receiver
//! gets, and how it is signed, so the scheduler signs with [`sign`] and a receiver written in Rust
//! checks with [`verify`] (the same rule in other languages is a few lines; `docs/webhooks.md`).
//!
//! - **Registering** (`POST /v1/jobs/{id}/webhooks`) needs the job's customer: the request carries
//!   the customer's Ed25519 signature over [`registration_message`] (domain, job id, URL). A
//!   stranger cannot attach URLs to someone else's job, nor use the scheduler to send requests on
//!   their behalf.
//! - **Deliveries** are signed with a secret made for that registration and answered once, at
//!   registration: `Edgerun-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>` with
//!   `Edgerun-Timestamp` (Unix seconds). The timestamp is inside the MAC, so a receiver that
//!   refuses old timestamps ([`DEFAULT_TOLERANCE_SECS`]) refuses replays.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a registration signs first: keeps the customer's signature from meaning anything else.
pub const REGISTRATION_DOMAIN: &str = "edgerun-webhook-v1";

/// The header carrying `v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "edgerun-signature";
/// The header carrying the Unix time (seconds) the delivery attempt was signed at.
pub const TIMESTAMP_HEADER: &str = "edgerun-timestamp";
/// The header naming the registration (`wh_…`).
pub const WEBHOOK_ID_HEADER: &str = "edgerun-webhook-id";
/// The header naming the delivery: the same on every retry of one event, so a receiver can
/// drop duplicates.
pub const DELIVERY_ID_HEADER: &str = "edgerun-delivery-id";

/// How old a delivery's timestamp a receiver should accept, by default (5 minutes).
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Longest URL a registration may carry.
pub const MAX_URL_BYTES: usize = 2_048;

/// The bytes a customer signs to register `url` for the job `job_id`:
/// `"edgerun-webhook-v1\n" + hex(job_id) + "\n" + url`.
pub fn registration_message(job_id: &[u8; 32], url: &str) -> Vec<u8> {
    format!("{REGISTRATION_DOMAIN}\n{}\n{url}", hex::encode(job_id)).into_bytes()
}

/// `POST /v1/jobs/{id}/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where to POST the job's stage changes: `http` or `https`, at most 2,048 bytes, no user
    /// name or password in it.
    #[cfg_attr(feature = "openapi", schema(example = "https://example.com/edgerun-hook", max_length = 2048))]
    pub url: String,
    /// The job's customer's Ed25519 signature (base58) over
    /// `"edgerun-webhook-v1\n" + job_id (64 hex digits) + "\n" + url`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[1-9A-HJ-NP-Za-km-z]{64,88}$"))]
    pub signature: String,
}

/// The answer to a registration: keep `secret`, it is shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    /// `wh_` + 32 hex digits; every delivery carries it in `Edgerun-Webhook-Id`.
    pub id: String,
    pub job_id: String,
    pub url: String,
    /// The HMAC-SHA256 key of this registration's deliveries (64 hex digits).
    pub secret: String,
    /// The job's stage now; it is the first delivery.
    pub stage: String,
}

/// The body of a delivery: one stage change of one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// Always `job.stage`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Same as the `Edgerun-Delivery-Id` header.
    pub delivery_id: String,
    pub webhook_id: String,
    pub job_id: String,
    /// The job account's address (base58).
    pub job: String,
    /// `posted`, `seeded`, `assigned`, `awaiting_da`, `finalized`, `cancelled`, or `closed`
    /// (the account is gone). `finalized`, `cancelled` and `closed` are the last delivery.
    pub stage: String,
    /// The stage the previous delivery reported (`None` on the first).
    pub previous_stage: Option<String>,
    /// The slot the scheduler saw the stage at.
    pub slot: u64,
}

/// `v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`: the `Edgerun-Signature` header.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Why a delivery was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the Edgerun-Timestamp header is not a Unix time in seconds")]
    BadTimestamp,
    #[error("the delivery was signed {age} s away from now, more than the {tolerance} s allowed (a replay?)")]
    Stale { age: u64, tolerance: u64 },
    #[error("the Edgerun-Signature header has no v1= signature of 64 hex digits")]
    BadSignatureHeader,
    #[error("the signature does not match this body with this secret")]
    Mismatch,
}

/// Checks a delivery as a receiver should: the timestamp within `tolerance_secs` of `now`
/// (Unix seconds), and one of the header's `v1=` signatures the MAC of exactly `body`
/// (compared in constant time).
pub fn verify(
    secret: &[u8],
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let timestamp: i64 = timestamp_header.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    let age = now.abs_diff(timestamp);
    if age > tolerance_secs {
        return Err(VerifyError::Stale { age, tolerance: tolerance_secs });
    }
    let mut found = false;
    for part in signature_header.split(',') {
        let Some(candidate) = part.trim().strip_prefix("v1=") else { continue };
        let Ok(bytes) = hex::decode(candidate) else { continue };
        if bytes.len() != 32 {
            continue;
        }
        found = true;
        if mac(secret, timestamp, body).verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(if found { VerifyError::Mismatch } else { VerifyError::BadSignatureHeader })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_body_verifies_and_any_change_does_not() {
        let secret = [7u8; 32];
        let body = br#"{"type":"job.stage"}"#;
        let header = sign(&secret, 1_700_000_000, body);
        // The documented rule, computed independently (Python's hmac module):
        // hmac.new(b"\x07" * 32, b'1700000000.{"type":"job.stage"}', hashlib.sha256).hexdigest()
        assert_eq!(header, "v1=33f81ae74d462b15a2297babf2b9b9ba9d4f40916ae406d31b9decbfb997b0d8");
        assert_eq!(verify(&secret, "1700000000", &header, body, 1_700_000_010, 300), Ok(()));
        // Another body, another timestamp, another secret: refused.
        assert_eq!(verify(&secret, "1700000000", &header, b"{}", 1_700_000_010, 300), Err(VerifyError::Mismatch));
        assert_eq!(verify(&secret, "1700000001", &header, body, 1_700_000_010, 300), Err(VerifyError::Mismatch));
        assert_eq!(verify(&[8u8; 32], "1700000000", &header, body, 1_700_000_010, 300), Err(VerifyError::Mismatch));
        // Too old (a replay) or from the future.
        assert_eq!(
            verify(&secret, "1700000000", &header, body, 1_700_000_301, 300),
            Err(VerifyError::Stale { age: 301, tolerance: 300 })
        );
        assert!(matches!(
            verify(&secret, "1700000400", &header, body, 1_700_000_000, 300),
            Err(VerifyError::Stale { .. })
        ));
        assert_eq!(verify(&secret, "soon", &header, body, 0, 300), Err(VerifyError::BadTimestamp));
        assert_eq!(
            verify(&secret, "1700000000", "sha=abc", body, 1_700_000_000, 300),
            Err(VerifyError::BadSignatureHeader)
        );
        // A header with several signatures (a secret being rotated) passes if one matches.
        let both = format!("v1={},{header}", "0".repeat(64));
        assert_eq!(verify(&secret, "1700000000", &both, body, 1_700_000_000, 300), Ok(()));
    }

    #[test]
    fn the_registration_message_names_the_domain_the_job_and_the_url() {
        let message = registration_message(&[0xab; 32], "https://example.com/hook");
        assert_eq!(
            String::from_utf8(message).unwrap(),
            format!("edgerun-webhook-v1\n{}\nhttps://example.com/hook", "ab".repeat(32))
        );
    }
}
