//! Who may write what: the write policy chosen at start with `--write-policy`.
//!
//! - `open` (local networks and tests): unsigned writes are accepted. A request that does carry
//!   signature headers must still verify, so a broken client is noticed rather than ignored.
//! - `allowlist:FILE`: a valid signature from a key listed in FILE, for bundles and outputs.
//! - `workers-and-quota`: outputs only from registered workers (a [`WorkerRegistry`]: the
//!   chain's WorkerStake accounts in production, a key file otherwise); bundles
//!   from any signing key, within a per-key byte quota per time window.
//!
//! Reads are never restricted: objects are public, content-addressed facts.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use futures::future::BoxFuture;

use crate::blob::BlobKind;
use crate::error::ApiError;

/// An Ed25519 public key, raw bytes.
pub type PublicKey = [u8; 32];

/// Parses a public key written as 64 hex characters or as base58 (Solana's usual spelling).
pub fn parse_public_key(text: &str) -> Result<PublicKey, String> {
    let mut key = [0u8; 32];
    if text.len() == 64 && hex::decode_to_slice(text, &mut key).is_ok() {
        return Ok(key);
    }
    match bs58::decode(text).onto(&mut key) {
        Ok(32) => Ok(key),
        _ => Err(format!("{text:?} is not a 32-byte public key in hex or base58")),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read key file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {reason}")]
    Parse { path: PathBuf, line: usize, reason: String },
}

/// Reads a key file: one public key (hex or base58) per line; blank lines and text after
/// `#` are ignored.
pub fn read_key_file(path: &Path) -> Result<HashSet<PublicKey>, KeyFileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| KeyFileError::Read { path: path.to_path_buf(), source })?;
    let mut keys = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        let key = parse_public_key(entry).map_err(|reason| KeyFileError::Parse {
            path: path.to_path_buf(),
            line: index + 1,
            reason,
        })?;
        keys.insert(key);
    }
    Ok(keys)
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("worker registry unavailable: {0}")]
pub struct RegistryError(pub String);

/// Answers whether a key belongs to a registered worker.
///
/// Object safe and async: [`crate::chain_registry::ChainWorkerRegistry`] answers over RPC,
/// [`FileWorkerRegistry`] from a key file.
pub trait WorkerRegistry: Send + Sync + 'static {
    fn is_registered_worker<'a>(&'a self, key: &'a PublicKey) -> BoxFuture<'a, Result<bool, RegistryError>>;
}

/// Worker keys read from a key file (see [`read_key_file`]) and re-read periodically, so
/// operators can add or remove workers without a restart.
pub struct FileWorkerRegistry {
    path: PathBuf,
    keys: RwLock<Arc<HashSet<PublicKey>>>,
}

impl FileWorkerRegistry {
    pub fn load(path: impl Into<PathBuf>) -> Result<Arc<Self>, KeyFileError> {
        let path = path.into();
        let keys = read_key_file(&path)?;
        Ok(Arc::new(FileWorkerRegistry { path, keys: RwLock::new(Arc::new(keys)) }))
    }

    /// Re-reads the file. On error the previous set stays in force.
    pub fn reload(&self) -> Result<usize, KeyFileError> {
        let keys = read_key_file(&self.path)?;
        let count = keys.len();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(count)
    }

    /// Reloads every `period` until the registry is dropped elsewhere.
    pub fn spawn_refresh(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let registry = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let Some(registry) = registry.upgrade() else {
                    return;
                };
                let path = registry.path.clone();
                match tokio::task::spawn_blocking(move || registry.reload()).await {
                    Ok(Ok(count)) => tracing::debug!(?path, count, "worker keys reloaded"),
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "worker key reload failed; keeping previous keys")
                    }
                    Err(error) => tracing::warn!(%error, "worker key reload panicked"),
                }
            }
        })
    }
}

impl WorkerRegistry for FileWorkerRegistry {
    fn is_registered_worker<'a>(&'a self, key: &'a PublicKey) -> BoxFuture<'a, Result<bool, RegistryError>> {
        let keys = Arc::clone(&self.keys.read().unwrap_or_else(|p| p.into_inner()));
        Box::pin(async move { Ok(keys.contains(key)) })
    }
}

/// Per-key byte budget over fixed time windows, kept in memory (it resets on restart, which
/// only ever grants more, never loses data).
pub struct QuotaLedger {
    bytes_per_window: u64,
    window: Duration,
    usage: Mutex<HashMap<PublicKey, WindowUsage>>,
}

#[derive(Debug, Clone, Copy)]
struct WindowUsage {
    started: Instant,
    used: u64,
}

/// Bytes set aside for one upload; settle it with the bytes actually stored.
#[derive(Debug)]
pub struct Reservation {
    key: PublicKey,
    bytes: u64,
    window_started: Instant,
}

impl Reservation {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl QuotaLedger {
    /// Windows are pruned from memory once the map holds this many keys.
    const PRUNE_AT: usize = 10_000;

    pub fn new(bytes_per_window: u64, window: Duration) -> Self {
        QuotaLedger { bytes_per_window, window, usage: Mutex::new(HashMap::new()) }
    }

    pub fn bytes_per_window(&self) -> u64 {
        self.bytes_per_window
    }

    /// Reserves `wanted` bytes (or, if `None`, everything left, at most `cap`) for `key`.
    /// Reserving up front keeps concurrent uploads of one key from overshooting the quota.
    pub fn reserve(&self, key: &PublicKey, wanted: Option<u64>, cap: u64, now: Instant) -> Option<Reservation> {
        let mut usage = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        if usage.len() >= Self::PRUNE_AT {
            usage.retain(|_, u| now.duration_since(u.started) < self.window);
        }
        let entry = usage.entry(*key).or_insert(WindowUsage { started: now, used: 0 });
        if now.duration_since(entry.started) >= self.window {
            *entry = WindowUsage { started: now, used: 0 };
        }
        let left = self.bytes_per_window.saturating_sub(entry.used);
        let bytes = match wanted {
            Some(wanted) if wanted <= left => wanted,
            Some(_) => return None,
            None if left == 0 => return None,
            None => left.min(cap),
        };
        entry.used += bytes;
        Some(Reservation { key: *key, bytes, window_started: entry.started })
    }

    /// Gives back the part of `reservation` that was not stored.
    pub fn settle(&self, reservation: Reservation, stored_bytes: u64) {
        let refund = reservation.bytes.saturating_sub(stored_bytes);
        if refund == 0 {
            return;
        }
        let mut usage = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = usage.get_mut(&reservation.key) {
            // A reservation from an expired window has nothing left to refund.
            if entry.started == reservation.window_started {
                entry.used = entry.used.saturating_sub(refund);
            }
        }
    }
}

/// The `--write-policy` flag as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WritePolicySpec {
    Open,
    Allowlist(PathBuf),
    WorkersAndQuota,
}

impl FromStr for WritePolicySpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "open" => Ok(WritePolicySpec::Open),
            "workers-and-quota" => Ok(WritePolicySpec::WorkersAndQuota),
            _ => match text.strip_prefix("allowlist:") {
                Some(file) if !file.is_empty() => Ok(WritePolicySpec::Allowlist(file.into())),
                _ => Err(format!("unknown write policy {text:?}: expected open, allowlist:FILE or workers-and-quota")),
            },
        }
    }
}

/// The write policy in force.
pub enum WritePolicy {
    Open,
    Allowlist(HashSet<PublicKey>),
    WorkersAndQuota { workers: Arc<dyn WorkerRegistry>, bundle_quota: QuotaLedger },
}

/// Permission for one write.
#[derive(Debug)]
pub struct WriteGrant {
    /// The body may not exceed this many bytes.
    pub max_bytes: u64,
    /// Quota set aside for this write, to settle once the outcome is known.
    pub reservation: Option<Reservation>,
}

impl WritePolicy {
    pub fn name(&self) -> &'static str {
        match self {
            WritePolicy::Open => "open",
            WritePolicy::Allowlist(_) => "allowlist",
            WritePolicy::WorkersAndQuota { .. } => "workers-and-quota",
        }
    }

    /// Whether writes of `kind` are charged to a quota (callers then say whether the object
    /// is already stored, since re-storing it costs nothing).
    pub fn charges_quota(&self, kind: BlobKind) -> bool {
        matches!(self, WritePolicy::WorkersAndQuota { .. }) && kind == BlobKind::Bundle
    }

    /// Decides whether `writer` (the verified signer, if the request was signed) may write a
    /// `kind` blob of `declared_len` bytes (the Content-Length, if sent), given the kind's
    /// size cap. `already_stored` writes are authorized like any other but charge no quota.
    pub async fn authorize(
        &self,
        writer: Option<&PublicKey>,
        kind: BlobKind,
        declared_len: Option<u64>,
        cap: u64,
        already_stored: bool,
    ) -> Result<WriteGrant, ApiError> {
        let open_grant = WriteGrant { max_bytes: cap, reservation: None };
        let signed = |writer: Option<&PublicKey>| {
            writer.copied().ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "signature_required", "this gateway only accepts signed writes")
            })
        };
        match self {
            WritePolicy::Open => Ok(open_grant),
            WritePolicy::Allowlist(allowed) => {
                let writer = signed(writer)?;
                if allowed.contains(&writer) {
                    Ok(open_grant)
                } else {
                    Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "writer_not_allowed",
                        "the signing key is not on this gateway's allowlist",
                    ))
                }
            }
            WritePolicy::WorkersAndQuota { workers, bundle_quota } => {
                let writer = signed(writer)?;
                match kind {
                    BlobKind::Output => {
                        let registered = workers.is_registered_worker(&writer).await.map_err(|e| {
                            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "registry_unavailable", e.to_string())
                        })?;
                        if registered {
                            Ok(open_grant)
                        } else {
                            Err(ApiError::new(
                                StatusCode::FORBIDDEN,
                                "not_a_worker",
                                "outputs may only be written by registered workers",
                            ))
                        }
                    }
                    BlobKind::Bundle if already_stored => Ok(open_grant),
                    BlobKind::Bundle => {
                        let reservation = bundle_quota
                            .reserve(&writer, declared_len, cap, Instant::now())
                            .ok_or_else(|| quota_exceeded(bundle_quota.bytes_per_window()))?;
                        Ok(WriteGrant { max_bytes: reservation.bytes().min(cap), reservation: Some(reservation) })
                    }
                }
            }
        }
    }

    /// Returns unused reserved quota once a write finished (`stored_bytes` = 0 if nothing
    /// new was stored).
    pub fn settle(&self, grant: WriteGrant, stored_bytes: u64) {
        if let (WritePolicy::WorkersAndQuota { bundle_quota, .. }, Some(reservation)) = (self, grant.reservation) {
            bundle_quota.settle(reservation, stored_bytes);
        }
    }
}

pub fn quota_exceeded(bytes_per_window: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "quota_exceeded",
        format!("bundle quota of {bytes_per_window} bytes per window is used up"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn keys_parse_from_hex_and_base58() {
        let key = [7u8; 32];
        assert_eq!(parse_public_key(&hex::encode(key)), Ok(key));
        assert_eq!(parse_public_key(&bs58::encode(key).into_string()), Ok(key));
        assert!(parse_public_key("abc").is_err());
        assert!(parse_public_key(&bs58::encode([7u8; 31]).into_string()).is_err());
    }

    #[test]
    fn key_file_skips_comments_and_reports_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let line = bs58::encode([1u8; 32]).into_string();
        std::fs::write(&path, format!("# workers\n\n{line}  # w1\n{}\n", hex::encode([2u8; 32]))).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), HashSet::from([[1u8; 32], [2u8; 32]]));

        std::fs::write(&path, "not-a-key\n").unwrap();
        assert!(matches!(read_key_file(&path), Err(KeyFileError::Parse { line: 1, .. })));
    }

    #[test]
    fn policy_spec_parses() {
        assert_eq!("open".parse(), Ok(WritePolicySpec::Open));
        assert_eq!("allowlist:/k".parse(), Ok(WritePolicySpec::Allowlist("/k".into())));
        assert_eq!("workers-and-quota".parse(), Ok(WritePolicySpec::WorkersAndQuota));
        assert!("allowlist:".parse::<WritePolicySpec>().is_err());
        assert!("closed".parse::<WritePolicySpec>().is_err());
    }

    #[test]
    fn quota_reserves_refunds_and_resets_per_window() {
        let ledger = QuotaLedger::new(100, HOUR);
        let key = [1u8; 32];
        let start = Instant::now();

        let first = ledger.reserve(&key, Some(60), 1000, start).unwrap();
        assert!(ledger.reserve(&key, Some(41), 1000, start).is_none());
        // Only 10 of the 60 reserved bytes were stored.
        ledger.settle(first, 10);
        let rest = ledger.reserve(&key, None, 1000, start).unwrap();
        assert_eq!(rest.bytes(), 90);
        assert!(ledger.reserve(&key, None, 1000, start).is_none());
        // Another key has its own budget; a new window restores this one.
        assert!(ledger.reserve(&[2u8; 32], Some(100), 1000, start).is_some());
        assert_eq!(ledger.reserve(&key, None, 30, start + HOUR).unwrap().bytes(), 30);
    }

    #[tokio::test]
    async fn workers_and_quota_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("workers");
        let worker = [1u8; 32];
        let stranger = [2u8; 32];
        std::fs::write(&path, hex::encode(worker)).unwrap();
        let registry = FileWorkerRegistry::load(&path).unwrap();
        let policy =
            WritePolicy::WorkersAndQuota { workers: registry.clone(), bundle_quota: QuotaLedger::new(50, HOUR) };

        assert!(policy.authorize(Some(&worker), BlobKind::Output, None, 10, false).await.is_ok());
        let refused = policy.authorize(Some(&stranger), BlobKind::Output, None, 10, false).await.unwrap_err();
        assert_eq!(refused.code, "not_a_worker");
        let unsigned = policy.authorize(None, BlobKind::Bundle, None, 10, false).await.unwrap_err();
        assert_eq!(unsigned.code, "signature_required");

        let grant = policy.authorize(Some(&stranger), BlobKind::Bundle, Some(40), 100, false).await.unwrap();
        assert_eq!(grant.max_bytes, 40);
        policy.settle(grant, 40);
        let over = policy.authorize(Some(&stranger), BlobKind::Bundle, Some(11), 100, false).await.unwrap_err();
        assert_eq!(over.code, "quota_exceeded");
        // Re-storing an existing bundle is still authorized, and free.
        let again = policy.authorize(Some(&stranger), BlobKind::Bundle, Some(40), 100, true).await.unwrap();
        assert!(again.reservation.is_none());

        // The registry follows its file after a reload.
        std::fs::write(&path, hex::encode(stranger)).unwrap();
        registry.reload().unwrap();
        assert!(policy.authorize(Some(&stranger), BlobKind::Output, None, 10, false).await.is_ok());
        assert!(policy.authorize(Some(&worker), BlobKind::Output, None, 10, false).await.is_err());
    }

    #[tokio::test]
    async fn allowlist_and_open_rules() {
        let allowed = [1u8; 32];
        let policy = WritePolicy::Allowlist(HashSet::from([allowed]));
        for kind in BlobKind::ALL {
            assert!(policy.authorize(Some(&allowed), kind, None, 10, false).await.is_ok());
            let refused = policy.authorize(Some(&[2u8; 32]), kind, None, 10, false).await.unwrap_err();
            assert_eq!(refused.code, "writer_not_allowed");
            assert_eq!(policy.authorize(None, kind, None, 10, false).await.unwrap_err().code, "signature_required");
            assert_eq!(WritePolicy::Open.authorize(None, kind, None, 10, false).await.unwrap().max_bytes, 10);
        }
    }
}
