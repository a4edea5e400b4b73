//! Who may write what: the write policy chosen at start with `--write-policy`.
//!
//! - `open` (local networks and tests): unsigned writes are accepted. A request that does carry
//!   signature headers must still verify, so a broken client is noticed rather than ignored.
//! - `allowlist:FILE`: a valid signature from a key listed in FILE, for bundles and outputs.
//! - `chain` (production): writes only by keys the chain vouches for.
//!   - A bundle: signed by a key with an open job on chain (a *customer*), or holding at least
//!     what posting the cheapest job costs (*funded*: minimum escrow and the rents `post_job`
//!     takes, read from the config and the Rent sysvar). Each key has a byte and object quota per
//!     window; funded keys without a job also draw on one *shared* quota, so a thousand fresh
//!     keys get no more than one pool between them (the balance makes each key cost money, the
//!     shared quota bounds what all of them can store).
//!   - An output: signed by a member of the committee of the job named in the signed request
//!     (`x-edgerun-job-id`), for that job; once the member has submitted its result, only the
//!     output it submitted. Per-key output quota per window.
//!
//! Reads are never restricted: objects are public, content-addressed facts.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use solana_address::Address;

use crate::blob::{BlobKind, ContentHash};
use crate::chain_registry::{retry_after_secs, ChainRegistry, Standing};
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

/// A byte and object budget per key over fixed time windows, kept in memory (it resets on
/// restart, which only ever grants more, never loses data). The number of keys tracked is
/// bounded: when the table is full of keys whose window is still running, new keys are refused
/// (a new key must never find a budget that an eviction reset).
pub struct QuotaLedger {
    name: &'static str,
    bytes_per_window: u64,
    objects_per_window: u64,
    window: Duration,
    max_keys: usize,
    usage: Mutex<HashMap<PublicKey, WindowUsage>>,
}

#[derive(Debug, Clone, Copy)]
struct WindowUsage {
    started: Instant,
    bytes: u64,
    objects: u64,
}

/// Bytes and one object set aside for one upload; settle it with the bytes actually stored.
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

/// Why a reservation was refused, and how long until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaRefusal {
    pub retry_after: Duration,
}

impl QuotaLedger {
    /// Keys tracked at most.
    pub const MAX_KEYS: usize = 100_000;

    pub fn new(name: &'static str, bytes_per_window: u64, objects_per_window: u64, window: Duration) -> Self {
        Self::with_max_keys(name, bytes_per_window, objects_per_window, window, Self::MAX_KEYS)
    }

    pub fn with_max_keys(
        name: &'static str,
        bytes_per_window: u64,
        objects_per_window: u64,
        window: Duration,
        max_keys: usize,
    ) -> Self {
        QuotaLedger {
            name,
            bytes_per_window,
            objects_per_window,
            window: window.max(Duration::from_secs(1)),
            max_keys: max_keys.max(1),
            usage: Mutex::new(HashMap::new()),
        }
    }

    pub fn bytes_per_window(&self) -> u64 {
        self.bytes_per_window
    }

    pub fn objects_per_window(&self) -> u64 {
        self.objects_per_window
    }

    /// Reserves `wanted` bytes (or, if `None`, everything left, at most `cap`) and one object
    /// for `key`. Reserving up front keeps concurrent uploads of one key from overshooting.
    pub fn reserve(
        &self,
        key: &PublicKey,
        wanted: Option<u64>,
        cap: u64,
        now: Instant,
    ) -> Result<Reservation, QuotaRefusal> {
        let mut usage = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        if !usage.contains_key(key) && usage.len() >= self.max_keys {
            usage.retain(|_, u| now.saturating_duration_since(u.started) < window);
            if usage.len() >= self.max_keys {
                let oldest = usage.values().map(|u| u.started).min().unwrap_or(now);
                let retry_after = window.saturating_sub(now.saturating_duration_since(oldest));
                return Err(QuotaRefusal { retry_after });
            }
        }
        let entry = usage.entry(*key).or_insert(WindowUsage { started: now, bytes: 0, objects: 0 });
        if now.saturating_duration_since(entry.started) >= window {
            *entry = WindowUsage { started: now, bytes: 0, objects: 0 };
        }
        let refusal = QuotaRefusal { retry_after: window.saturating_sub(now.saturating_duration_since(entry.started)) };
        if entry.objects >= self.objects_per_window {
            return Err(refusal);
        }
        let left = self.bytes_per_window.saturating_sub(entry.bytes);
        let bytes = match wanted {
            Some(wanted) if wanted <= left => wanted,
            Some(_) => return Err(refusal),
            None if left == 0 => return Err(refusal),
            None => left.min(cap),
        };
        entry.bytes = entry.bytes.saturating_add(bytes);
        entry.objects = entry.objects.saturating_add(1);
        Ok(Reservation { key: *key, bytes, window_started: entry.started })
    }

    /// Gives back the part of `reservation` that was not stored (and the object, if nothing
    /// new was stored).
    pub fn settle(&self, reservation: Reservation, stored_bytes: Option<u64>) {
        let refund = reservation.bytes.saturating_sub(stored_bytes.unwrap_or(0));
        let mut usage = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = usage.get_mut(&reservation.key) {
            // A reservation from an expired window has nothing left to refund.
            if entry.started == reservation.window_started {
                entry.bytes = entry.bytes.saturating_sub(refund);
                if stored_bytes.is_none() {
                    entry.objects = entry.objects.saturating_sub(1);
                }
            }
        }
    }

    fn refused(&self, refusal: QuotaRefusal, code: &'static str, whose: &str) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            format!(
                "{whose} {} quota of {} bytes and {} objects per {} s is used up",
                self.name,
                self.bytes_per_window,
                self.objects_per_window,
                self.window.as_secs()
            ),
        )
        .with_retry_after(retry_after_secs(refusal.retry_after))
    }
}

/// The `--write-policy` flag as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WritePolicySpec {
    Open,
    Allowlist(PathBuf),
    Chain,
}

impl FromStr for WritePolicySpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "open" => Ok(WritePolicySpec::Open),
            "chain" => Ok(WritePolicySpec::Chain),
            _ => match text.strip_prefix("allowlist:") {
                Some(file) if !file.is_empty() => Ok(WritePolicySpec::Allowlist(file.into())),
                _ => Err(format!("unknown write policy {text:?}: expected open, allowlist:FILE or chain")),
            },
        }
    }
}

/// The `chain` policy's state: the cached chain answers and the quota ledgers.
pub struct ChainPolicy {
    pub registry: ChainRegistry,
    /// Bundle bytes and objects per key.
    pub bundle_quota: QuotaLedger,
    /// Bundle bytes and objects of all funded keys without an open job, together (one entry).
    pub shared_bundle_quota: QuotaLedger,
    /// Output bytes and objects per key.
    pub output_quota: QuotaLedger,
}

/// The `chain` policy as configured, over `chain`.
pub fn chain_policy(
    config: &crate::config::GatewayConfig,
    chain: std::sync::Arc<dyn crate::chain::ChainView>,
) -> WritePolicy {
    let window = config.quota_window;
    let settings = crate::chain_registry::RegistrySettings {
        vouched_ttl: config.vouched_cache,
        lookups_per_sec: config.chain_lookups_per_sec,
        lookup_burst: config.chain_lookup_burst,
        ..crate::chain_registry::RegistrySettings::default()
    };
    WritePolicy::Chain(Box::new(ChainPolicy {
        registry: ChainRegistry::new(chain, settings),
        bundle_quota: QuotaLedger::new("bundle", config.bundle_quota_bytes, config.bundle_quota_objects, window),
        shared_bundle_quota: QuotaLedger::new(
            "shared bundle",
            config.shared_bundle_quota_bytes,
            config.shared_bundle_quota_objects,
            window,
        ),
        output_quota: QuotaLedger::new("output", config.output_quota_bytes, config.output_quota_objects, window),
    }))
}

/// The write policy in force.
pub enum WritePolicy {
    Open,
    Allowlist(HashSet<PublicKey>),
    Chain(Box<ChainPolicy>),
}

/// Which ledger a reservation was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ledger {
    Bundles,
    SharedBundles,
    Outputs,
}

/// The one key of the shared ledger.
const SHARED: PublicKey = [0; 32];

/// One write as the policy judges it.
#[derive(Debug, Clone, Copy)]
pub struct WriteRequest<'a> {
    /// The verified signer, if the request was signed.
    pub writer: Option<&'a PublicKey>,
    /// The job the signed request names, if any.
    pub job: Option<&'a [u8; 32]>,
    pub kind: BlobKind,
    pub hash: &'a ContentHash,
    /// The Content-Length, if sent.
    pub declared_len: Option<u64>,
    /// The kind's size cap.
    pub cap: u64,
    /// The object is already stored (re-storing it costs no quota).
    pub already_stored: bool,
}

/// Permission for one write.
#[derive(Debug)]
pub struct WriteGrant {
    /// The body may not exceed this many bytes.
    pub max_bytes: u64,
    /// The job this write is recorded for (retention), when the policy checked it.
    pub job: Option<[u8; 32]>,
    reservations: Vec<(Ledger, Reservation)>,
}

impl WriteGrant {
    fn open(max_bytes: u64) -> Self {
        WriteGrant { max_bytes, job: None, reservations: Vec::new() }
    }

    /// Whether the grant is bounded by a quota rather than by the kind's cap alone.
    pub fn quota_bound(&self) -> bool {
        !self.reservations.is_empty()
    }
}

fn signature_required() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "signature_required", "this gateway only accepts signed writes")
}

impl WritePolicy {
    pub fn name(&self) -> &'static str {
        match self {
            WritePolicy::Open => "open",
            WritePolicy::Allowlist(_) => "allowlist",
            WritePolicy::Chain(_) => "chain",
        }
    }

    /// Whether the policy needs to know if the object is already stored (re-storing it is
    /// free of quota).
    pub fn charges_quota(&self) -> bool {
        matches!(self, WritePolicy::Chain(_))
    }

    /// Decides whether `request` may be written.
    pub async fn authorize(&self, request: WriteRequest<'_>) -> Result<WriteGrant, ApiError> {
        match self {
            WritePolicy::Open => Ok(WriteGrant::open(request.cap)),
            WritePolicy::Allowlist(allowed) => {
                let writer = request.writer.ok_or_else(signature_required)?;
                if allowed.contains(writer) {
                    Ok(WriteGrant::open(request.cap))
                } else {
                    Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "writer_not_allowed",
                        "the signing key is not on this gateway's allowlist",
                    ))
                }
            }
            WritePolicy::Chain(chain) => chain.authorize(request).await,
        }
    }

    /// Returns unused reserved quota once a write finished (`stored_bytes`: the size of the
    /// object this write created, `None` if it created nothing).
    pub fn settle(&self, grant: WriteGrant, stored_bytes: Option<u64>) {
        let WritePolicy::Chain(chain) = self else { return };
        for (ledger, reservation) in grant.reservations {
            chain.ledger(ledger).settle(reservation, stored_bytes);
        }
    }
}

impl ChainPolicy {
    fn ledger(&self, ledger: Ledger) -> &QuotaLedger {
        match ledger {
            Ledger::Bundles => &self.bundle_quota,
            Ledger::SharedBundles => &self.shared_bundle_quota,
            Ledger::Outputs => &self.output_quota,
        }
    }

    async fn authorize(&self, request: WriteRequest<'_>) -> Result<WriteGrant, ApiError> {
        let writer = request.writer.ok_or_else(signature_required)?;
        match request.kind {
            BlobKind::Bundle => self.authorize_bundle(writer, request).await,
            BlobKind::Output => self.authorize_output(writer, request).await,
        }
    }

    async fn authorize_bundle(&self, writer: &PublicKey, request: WriteRequest<'_>) -> Result<WriteGrant, ApiError> {
        let standing = self.registry.standing(writer).await?;
        if let Standing::Unvouched { balance, cost } = standing {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "writer_not_vouched",
                format!(
                    "bundles are accepted from keys with an open job, or holding what posting one costs \
                     ({cost} lamports); {} holds {balance}",
                    Address::new_from_array(*writer)
                ),
            ));
        }
        if request.already_stored {
            return Ok(WriteGrant::open(request.cap));
        }
        let now = Instant::now();
        let own = self
            .bundle_quota
            .reserve(writer, request.declared_len, request.cap, now)
            .map_err(|refusal| self.bundle_quota.refused(refusal, "quota_exceeded", "this key's"))?;
        let mut max_bytes = own.bytes().min(request.cap);
        let mut reservations = vec![(Ledger::Bundles, own)];
        if standing == Standing::Funded {
            match self.shared_bundle_quota.reserve(&SHARED, request.declared_len, request.cap, now) {
                Ok(shared) => {
                    max_bytes = max_bytes.min(shared.bytes());
                    reservations.push((Ledger::SharedBundles, shared));
                }
                Err(refusal) => {
                    for (ledger, reservation) in reservations {
                        self.ledger(ledger).settle(reservation, None);
                    }
                    return Err(self.shared_bundle_quota.refused(
                        refusal,
                        "shared_quota_exceeded",
                        "the keys without an open job share one",
                    ));
                }
            }
        }
        Ok(WriteGrant { max_bytes, job: None, reservations })
    }

    async fn authorize_output(&self, writer: &PublicKey, request: WriteRequest<'_>) -> Result<WriteGrant, ApiError> {
        let job_id = request.job.ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "job_required",
                "an output must name its job in the signed x-edgerun-job-id header",
            )
        })?;
        let job = self.registry.job_for_member(job_id, writer).await?.ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "job_not_found",
                format!("job {} is not on chain", hex::encode(job_id)),
            )
        })?;
        let member = Address::new_from_array(*writer);
        if !job.committee.contains(&member) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_member",
                format!("{member} is not on the committee of job {}", hex::encode(job_id)),
            ));
        }
        if let Some(submitted) = job.submitted {
            if submitted != request.hash.0 {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "output_mismatch",
                    format!("this member submitted output {} for the job", hex::encode(submitted)),
                ));
            }
        }
        if request.already_stored {
            return Ok(WriteGrant { max_bytes: request.cap, job: Some(*job_id), reservations: Vec::new() });
        }
        let own = self
            .output_quota
            .reserve(writer, request.declared_len, request.cap, Instant::now())
            .map_err(|refusal| self.output_quota.refused(refusal, "quota_exceeded", "this key's"))?;
        Ok(WriteGrant {
            max_bytes: own.bytes().min(request.cap),
            job: Some(*job_id),
            reservations: vec![(Ledger::Outputs, own)],
        })
    }
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
        std::fs::write(&path, format!("# writers\n\n{line}  # w1\n{}\n", hex::encode([2u8; 32]))).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), HashSet::from([[1u8; 32], [2u8; 32]]));

        std::fs::write(&path, "not-a-key\n").unwrap();
        assert!(matches!(read_key_file(&path), Err(KeyFileError::Parse { line: 1, .. })));
    }

    #[test]
    fn policy_spec_parses() {
        assert_eq!("open".parse(), Ok(WritePolicySpec::Open));
        assert_eq!("allowlist:/k".parse(), Ok(WritePolicySpec::Allowlist("/k".into())));
        assert_eq!("chain".parse(), Ok(WritePolicySpec::Chain));
        assert!("allowlist:".parse::<WritePolicySpec>().is_err());
        assert!("workers-and-quota".parse::<WritePolicySpec>().is_err());
    }

    #[test]
    fn quota_reserves_refunds_and_resets_per_window() {
        let ledger = QuotaLedger::new("bundle", 100, 3, HOUR);
        let key = [1u8; 32];
        let start = Instant::now();

        let first = ledger.reserve(&key, Some(60), 1000, start).unwrap();
        assert!(ledger.reserve(&key, Some(41), 1000, start).is_err());
        // Only 10 of the 60 reserved bytes were stored.
        ledger.settle(first, Some(10));
        let rest = ledger.reserve(&key, None, 1000, start).unwrap();
        assert_eq!(rest.bytes(), 90);
        let refusal = ledger.reserve(&key, None, 1000, start).unwrap_err();
        assert_eq!(refusal.retry_after, HOUR);
        // Nothing stored: bytes and the object come back.
        ledger.settle(rest, None);
        assert_eq!(ledger.reserve(&key, Some(1), 1000, start).unwrap().bytes(), 1);
        // Three objects per window, whatever their size.
        assert!(ledger.reserve(&key, Some(0), 1000, start).is_ok());
        assert!(ledger.reserve(&key, Some(0), 1000, start).is_err());
        // Another key has its own budget; a new window restores this one.
        assert!(ledger.reserve(&[2u8; 32], Some(100), 1000, start).is_ok());
        assert_eq!(ledger.reserve(&key, None, 30, start + HOUR).unwrap().bytes(), 30);
    }

    #[test]
    fn a_full_key_table_refuses_new_keys_rather_than_forgetting_used_ones() {
        let ledger = QuotaLedger::with_max_keys("bundle", 100, 10, HOUR, 2);
        let start = Instant::now();
        ledger.reserve(&[1; 32], Some(100), 100, start).unwrap();
        ledger.reserve(&[2; 32], Some(1), 100, start).unwrap();
        assert!(ledger.reserve(&[3; 32], Some(1), 100, start).is_err());
        // The first key's used-up budget was not reset to make room.
        assert!(ledger.reserve(&[1; 32], Some(1), 100, start).is_err());
        // Once their windows ended, the old keys make room.
        assert!(ledger.reserve(&[3; 32], Some(1), 100, start + HOUR).is_ok());
    }

    #[tokio::test]
    async fn allowlist_and_open_rules() {
        let allowed = [1u8; 32];
        let policy = WritePolicy::Allowlist(HashSet::from([allowed]));
        let hash = ContentHash([0; 32]);
        for kind in BlobKind::ALL {
            let request = |writer| WriteRequest {
                writer,
                job: None,
                kind,
                hash: &hash,
                declared_len: None,
                cap: 10,
                already_stored: false,
            };
            assert!(policy.authorize(request(Some(&allowed))).await.is_ok());
            let refused = policy.authorize(request(Some(&[2u8; 32]))).await.unwrap_err();
            assert_eq!(refused.code, "writer_not_allowed");
            assert_eq!(policy.authorize(request(None)).await.unwrap_err().code, "signature_required");
            assert_eq!(WritePolicy::Open.authorize(request(None)).await.unwrap().max_bytes, 10);
        }
    }
}
