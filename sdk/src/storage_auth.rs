//! Signed storage write requests (owned by the storage gateway work, issue 4).
//!
//! A write (`PUT /bundle/{hash}` or `PUT /output/{hash}`) carries four headers:
//!
//! | header                   | value                                              |
//! |--------------------------|----------------------------------------------------|
//! | `x-edgerun-pubkey`       | writer's Ed25519 public key, 64 lowercase hex chars |
//! | `x-edgerun-timestamp`    | unix time in seconds, decimal                      |
//! | `x-edgerun-content-hash` | BLAKE3 of the body, 64 lowercase hex chars         |
//! | `x-edgerun-signature`    | Ed25519 signature, 128 lowercase hex chars         |
//!
//! The signature covers the canonical message built by [`canonical_message`]: six lines joined
//! by `\n` with no trailing newline:
//!
//! ```text
//! edgerun-storage-write-v1
//! <pubkey hex>
//! <timestamp decimal>
//! <METHOD>
//! <path, e.g. /bundle/<hash>>
//! <content hash hex>
//! ```
//!
//! A write made for a job (a worker's output, which the gateway accepts only from a member of
//! that job's committee) also carries `x-edgerun-job-id` (the job id, 64 lowercase hex chars)
//! and signs it: the message is then `edgerun-storage-write-v2` followed by the same five lines
//! and the job id hex as a seventh. The domain line differs, so a signature made without a job
//! can never be presented as one made for a job, or the other way round.
//!
//! Every field has a fixed alphabet without `\n` (the path comes from an HTTP request line,
//! which cannot hold one), so the encoding is unambiguous. The domain line keeps these
//! signatures from ever being valid for another Edgerun message. The timestamp bounds how long
//! a captured request can be replayed; replays inside the window are harmless because writes
//! are content addressed and idempotent.

use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// Header holding the writer's public key (hex).
pub const HEADER_PUBKEY: &str = "x-edgerun-pubkey";
/// Header holding the signing time, unix seconds.
pub const HEADER_TIMESTAMP: &str = "x-edgerun-timestamp";
/// Header holding the BLAKE3 hash of the body (hex).
pub const HEADER_CONTENT_HASH: &str = "x-edgerun-content-hash";
/// Header holding the Ed25519 signature over [`canonical_message`] (hex).
pub const HEADER_SIGNATURE: &str = "x-edgerun-signature";
/// Header holding the job a write is made for (hex), signed with the rest.
pub const HEADER_JOB_ID: &str = "x-edgerun-job-id";
/// First line of every signed message without a job; bump the version to change the format.
pub const SIGNING_DOMAIN: &str = "edgerun-storage-write-v1";
/// First line of every signed message made for a job (see [`HEADER_JOB_ID`]).
pub const SIGNING_DOMAIN_FOR_JOB: &str = "edgerun-storage-write-v2";
/// Clock skew a verifier accepts unless configured otherwise.
pub const DEFAULT_MAX_CLOCK_SKEW_SECS: u64 = 300;

/// Why a signed write was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageAuthError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("malformed header {header}: {reason}")]
    MalformedHeader { header: &'static str, reason: &'static str },
    #[error("timestamp {timestamp} is outside {max_skew_secs}s of server time {now}")]
    TimestampOutOfWindow { timestamp: u64, now: u64, max_skew_secs: u64 },
    #[error("signed content hash does not match the object name")]
    ContentHashMismatch,
    #[error("signature does not verify")]
    BadSignature,
}

impl StorageAuthError {
    /// Stable machine-readable code, used in error bodies and metrics labels.
    pub fn code(&self) -> &'static str {
        match self {
            StorageAuthError::MissingHeader(_) => "auth_missing_header",
            StorageAuthError::MalformedHeader { .. } => "auth_malformed_header",
            StorageAuthError::TimestampOutOfWindow { .. } => "auth_timestamp_out_of_window",
            StorageAuthError::ContentHashMismatch => "auth_content_hash_mismatch",
            StorageAuthError::BadSignature => "auth_bad_signature",
        }
    }
}

/// Builds the exact bytes that are signed for a storage write.
pub fn canonical_message(
    pubkey: &[u8; 32],
    timestamp: u64,
    method: &str,
    path: &str,
    content_hash: &[u8; 32],
) -> Vec<u8> {
    canonical_message_for(pubkey, timestamp, method, path, content_hash, None)
}

/// Builds the exact bytes that are signed for a storage write made for `job_id` (`None`: the
/// same bytes as [`canonical_message`]).
pub fn canonical_message_for(
    pubkey: &[u8; 32],
    timestamp: u64,
    method: &str,
    path: &str,
    content_hash: &[u8; 32],
    job_id: Option<&[u8; 32]>,
) -> Vec<u8> {
    let common = format!(
        "{}\n{timestamp}\n{}\n{path}\n{}",
        hex::encode(pubkey),
        method.to_ascii_uppercase(),
        hex::encode(content_hash),
    );
    match job_id {
        None => format!("{SIGNING_DOMAIN}\n{common}"),
        Some(job_id) => format!("{SIGNING_DOMAIN_FOR_JOB}\n{common}\n{}", hex::encode(job_id)),
    }
    .into_bytes()
}

/// Seconds since the unix epoch on this machine's clock.
pub fn now_unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
}

/// The authorization carried by one write request: who signed what, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteAuthorization {
    pub pubkey: VerifyingKey,
    pub timestamp: u64,
    pub content_hash: [u8; 32],
    /// The job the write is made for, when the writer named one (signed with the rest).
    pub job_id: Option<[u8; 32]>,
    pub signature: Signature,
}

impl WriteAuthorization {
    /// Client side: signs a write of `content_hash` to `path` with `method` at `timestamp`.
    pub fn sign(key: &SigningKey, timestamp: u64, method: &str, path: &str, content_hash: &[u8; 32]) -> Self {
        Self::sign_for(key, timestamp, method, path, content_hash, None)
    }

    /// Client side: like [`sign`](Self::sign), for the job `job_id` when given.
    pub fn sign_for(
        key: &SigningKey,
        timestamp: u64,
        method: &str,
        path: &str,
        content_hash: &[u8; 32],
        job_id: Option<&[u8; 32]>,
    ) -> Self {
        let pubkey = key.verifying_key();
        let message = canonical_message_for(pubkey.as_bytes(), timestamp, method, path, content_hash, job_id);
        WriteAuthorization {
            pubkey,
            timestamp,
            content_hash: *content_hash,
            job_id: job_id.copied(),
            signature: key.sign(&message),
        }
    }

    /// The `(header name, value)` pairs to attach to the request: four, five with a job.
    pub fn to_headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            (HEADER_PUBKEY, hex::encode(self.pubkey.as_bytes())),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_CONTENT_HASH, hex::encode(self.content_hash)),
            (HEADER_SIGNATURE, hex::encode(self.signature.to_bytes())),
        ];
        if let Some(job_id) = &self.job_id {
            headers.push((HEADER_JOB_ID, hex::encode(job_id)));
        }
        headers
    }

    /// Server side: reads the headers through `header` (name -> value).
    ///
    /// Returns `Ok(None)` when none of the four signature headers is present (an unsigned
    /// request, which only an open write policy accepts; a job header alone is then ignored) and
    /// an error when some are present but not all, or a value is malformed.
    pub fn from_headers<'a>(
        header: impl Fn(&'static str) -> Option<&'a str>,
    ) -> Result<Option<Self>, StorageAuthError> {
        let names = [HEADER_PUBKEY, HEADER_TIMESTAMP, HEADER_CONTENT_HASH, HEADER_SIGNATURE];
        let values = names.map(&header);
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let [pubkey, timestamp, content_hash, signature] = values;
        let require = |name: &'static str, value: Option<&'a str>| value.ok_or(StorageAuthError::MissingHeader(name));

        let pubkey_bytes: [u8; 32] = decode_hex_array(HEADER_PUBKEY, require(HEADER_PUBKEY, pubkey)?)?;
        let pubkey = VerifyingKey::from_bytes(&pubkey_bytes).map_err(|_| StorageAuthError::MalformedHeader {
            header: HEADER_PUBKEY,
            reason: "not a valid Ed25519 public key",
        })?;
        let timestamp_text = require(HEADER_TIMESTAMP, timestamp)?;
        // `u64::from_str` accepts a leading '+', which would make two spellings of one value.
        if timestamp_text.is_empty() || !timestamp_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StorageAuthError::MalformedHeader {
                header: HEADER_TIMESTAMP,
                reason: "expected unix seconds as decimal digits",
            });
        }
        let timestamp = timestamp_text.parse().map_err(|_| StorageAuthError::MalformedHeader {
            header: HEADER_TIMESTAMP,
            reason: "timestamp does not fit in u64",
        })?;
        let content_hash = decode_hex_array(HEADER_CONTENT_HASH, require(HEADER_CONTENT_HASH, content_hash)?)?;
        let signature_bytes: [u8; 64] = decode_hex_array(HEADER_SIGNATURE, require(HEADER_SIGNATURE, signature)?)?;
        let job_id = header(HEADER_JOB_ID).map(|text| decode_hex_array(HEADER_JOB_ID, text)).transpose()?;

        Ok(Some(WriteAuthorization {
            pubkey,
            timestamp,
            content_hash,
            job_id,
            signature: Signature::from_bytes(&signature_bytes),
        }))
    }

    /// Server side: checks that this authorization covers a write of `expected_content_hash`
    /// to `path` with `method`, signed within `max_skew_secs` of `now` (either direction).
    pub fn verify(
        &self,
        method: &str,
        path: &str,
        expected_content_hash: &[u8; 32],
        now: u64,
        max_skew_secs: u64,
    ) -> Result<(), StorageAuthError> {
        if self.timestamp.abs_diff(now) > max_skew_secs {
            return Err(StorageAuthError::TimestampOutOfWindow { timestamp: self.timestamp, now, max_skew_secs });
        }
        if &self.content_hash != expected_content_hash {
            return Err(StorageAuthError::ContentHashMismatch);
        }
        let message = canonical_message_for(
            self.pubkey.as_bytes(),
            self.timestamp,
            method,
            path,
            &self.content_hash,
            self.job_id.as_ref(),
        );
        // verify_strict rejects small-order keys and non-canonical signatures, so one
        // (key, message) pair has exactly one accepted signature.
        self.pubkey.verify_strict(&message, &self.signature).map_err(|_| StorageAuthError::BadSignature)
    }
}

/// Convenience for clients: the headers for a write signed now, for `job_id` when given.
pub fn signed_write_headers(
    key: &SigningKey,
    method: &str,
    path: &str,
    content_hash: &[u8; 32],
    job_id: Option<&[u8; 32]>,
) -> Vec<(&'static str, String)> {
    WriteAuthorization::sign_for(key, now_unix_secs(), method, path, content_hash, job_id).to_headers()
}

fn decode_hex_array<const N: usize>(header: &'static str, text: &str) -> Result<[u8; N], StorageAuthError> {
    // Lowercase only: one value, one spelling.
    if text.len() != N * 2 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(StorageAuthError::MalformedHeader { header, reason: "expected lowercase hex of the right length" });
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| StorageAuthError::MalformedHeader { header, reason: "invalid hex" })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const NOW: u64 = 1_800_000_000;
    const PATH: &str = "/bundle/00aa";

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn header_map(headers: &[(&'static str, String)]) -> HashMap<&'static str, String> {
        headers.iter().cloned().collect()
    }

    fn parse(map: &HashMap<&'static str, String>) -> Result<Option<WriteAuthorization>, StorageAuthError> {
        WriteAuthorization::from_headers(|name| map.get(name).map(String::as_str))
    }

    #[test]
    fn canonical_message_is_the_documented_text() {
        let message = canonical_message(&[1; 32], 42, "put", "/output/ab", &[2; 32]);
        let expected =
            format!("edgerun-storage-write-v1\n{}\n42\nPUT\n/output/ab\n{}", "01".repeat(32), "02".repeat(32));
        assert_eq!(String::from_utf8(message).unwrap(), expected);
    }

    #[test]
    fn signed_headers_round_trip_and_verify() {
        let hash = [7u8; 32];
        let auth = WriteAuthorization::sign(&key(1), NOW, "PUT", PATH, &hash);
        let parsed = parse(&header_map(&auth.to_headers())).unwrap().unwrap();
        assert_eq!(parsed, auth);
        parsed.verify("PUT", PATH, &hash, NOW + 10, 60).unwrap();
    }

    #[test]
    fn any_changed_field_fails_verification() {
        let hash = [7u8; 32];
        let auth = WriteAuthorization::sign(&key(1), NOW, "PUT", PATH, &hash);
        assert_eq!(auth.verify("POST", PATH, &hash, NOW, 60), Err(StorageAuthError::BadSignature));
        assert_eq!(auth.verify("PUT", "/output/00aa", &hash, NOW, 60), Err(StorageAuthError::BadSignature));
        assert_eq!(auth.verify("PUT", PATH, &[8u8; 32], NOW, 60), Err(StorageAuthError::ContentHashMismatch));
        let mut other_time = auth.clone();
        other_time.timestamp += 1;
        assert_eq!(other_time.verify("PUT", PATH, &hash, NOW, 60), Err(StorageAuthError::BadSignature));
        let mut other_key = auth.clone();
        other_key.pubkey = key(2).verifying_key();
        assert_eq!(other_key.verify("PUT", PATH, &hash, NOW, 60), Err(StorageAuthError::BadSignature));
    }

    #[test]
    fn the_job_is_signed_and_cannot_be_added_removed_or_changed() {
        let hash = [7u8; 32];
        let job = [9u8; 32];
        let message = canonical_message_for(&[1; 32], 42, "PUT", "/output/ab", &[2; 32], Some(&job));
        let expected = format!(
            "edgerun-storage-write-v2\n{}\n42\nPUT\n/output/ab\n{}\n{}",
            "01".repeat(32),
            "02".repeat(32),
            "09".repeat(32)
        );
        assert_eq!(String::from_utf8(message).unwrap(), expected);

        let auth = WriteAuthorization::sign_for(&key(1), NOW, "PUT", PATH, &hash, Some(&job));
        let headers = header_map(&auth.to_headers());
        assert_eq!(headers.get(HEADER_JOB_ID), Some(&"09".repeat(32)));
        let parsed = parse(&headers).unwrap().unwrap();
        assert_eq!(parsed.job_id, Some(job));
        parsed.verify("PUT", PATH, &hash, NOW, 60).unwrap();

        let mut other_job = headers.clone();
        other_job.insert(HEADER_JOB_ID, "08".repeat(32));
        let other = parse(&other_job).unwrap().unwrap();
        assert_eq!(other.verify("PUT", PATH, &hash, NOW, 60), Err(StorageAuthError::BadSignature));

        let mut dropped = headers.clone();
        dropped.remove(HEADER_JOB_ID);
        let dropped = parse(&dropped).unwrap().unwrap();
        assert_eq!(dropped.verify("PUT", PATH, &hash, NOW, 60), Err(StorageAuthError::BadSignature));

        let mut added = header_map(&WriteAuthorization::sign(&key(1), NOW, "PUT", PATH, &hash).to_headers());
        added.insert(HEADER_JOB_ID, "09".repeat(32));
        let added = parse(&added).unwrap().unwrap();
        assert_eq!(added.verify("PUT", PATH, &hash, NOW, 60), Err(StorageAuthError::BadSignature));

        let mut malformed = headers;
        malformed.insert(HEADER_JOB_ID, "XY".repeat(32));
        assert_eq!(parse(&malformed).unwrap_err().code(), "auth_malformed_header");
    }

    #[test]
    fn stale_and_future_timestamps_are_rejected() {
        let hash = [7u8; 32];
        let auth = WriteAuthorization::sign(&key(1), NOW, "PUT", PATH, &hash);
        assert!(auth.verify("PUT", PATH, &hash, NOW + 60, 60).is_ok());
        assert!(matches!(
            auth.verify("PUT", PATH, &hash, NOW + 61, 60),
            Err(StorageAuthError::TimestampOutOfWindow { .. })
        ));
        assert!(matches!(
            auth.verify("PUT", PATH, &hash, NOW - 61, 60),
            Err(StorageAuthError::TimestampOutOfWindow { .. })
        ));
    }

    #[test]
    fn absent_partial_and_malformed_headers() {
        assert_eq!(parse(&HashMap::new()), Ok(None));

        let auth = WriteAuthorization::sign(&key(1), NOW, "PUT", PATH, &[7; 32]);
        let full = header_map(&auth.to_headers());

        let mut partial = full.clone();
        partial.remove(HEADER_SIGNATURE);
        assert_eq!(parse(&partial), Err(StorageAuthError::MissingHeader(HEADER_SIGNATURE)));

        let mut upper = full.clone();
        upper.insert(HEADER_CONTENT_HASH, "AB".repeat(32));
        assert_eq!(parse(&upper).unwrap_err().code(), "auth_malformed_header");

        let mut plus_sign = full.clone();
        plus_sign.insert(HEADER_TIMESTAMP, format!("+{NOW}"));
        assert_eq!(parse(&plus_sign).unwrap_err().code(), "auth_malformed_header");

        let mut short_sig = full;
        short_sig.insert(HEADER_SIGNATURE, "00".repeat(63));
        assert_eq!(parse(&short_sig).unwrap_err().code(), "auth_malformed_header");
    }
}
