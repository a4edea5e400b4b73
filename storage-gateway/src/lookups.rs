//! Reads of objects the gateway does not hold. Asking for random hashes costs the backing store
//! a lookup each (on a cloud store, a billed request), so:
//!
//! - an absent `(kind, hash)` is remembered for `--negative-cache` and answered 404 from
//!   memory meanwhile (a PUT through this gateway forgets it at once, so a stored object is
//!   never hidden by its own earlier absence);
//! - each client (its IP address; all clients share one budget when the server does not know
//!   the peer) may cause at most `--negative-lookups-per-sec` store lookups that found nothing,
//!   after a burst; past that its uncached lookups are refused with 429 `lookup_rate_limited`
//!   and `Retry-After` until its budget refills. Lookups of objects that exist are never charged.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::blob::{BlobKind, ContentHash};
use crate::bounded::{KeyedBuckets, TtlCache};
use crate::chain_registry::retry_after_secs;
use crate::error::ApiError;

/// Absent objects remembered at most.
const MAX_NEGATIVE_ENTRIES: usize = 100_000;
/// Clients whose budgets are tracked at most.
const MAX_CLIENTS: usize = 100_000;
/// The budget key of a request whose peer address is unknown.
pub const UNKNOWN_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

#[derive(Debug, Clone, Copy)]
pub struct LookupSettings {
    pub negative_ttl: Duration,
    pub misses_per_sec: u32,
    pub miss_burst: u32,
}

pub struct NegativeLookups {
    settings: LookupSettings,
    absent: Mutex<TtlCache<(BlobKind, ContentHash), ()>>,
    budgets: Mutex<KeyedBuckets<IpAddr>>,
}

/// What to do with a read before asking the store.
#[derive(Debug, PartialEq, Eq)]
pub enum Precheck {
    /// Known absent: answer 404 without a store lookup.
    KnownAbsent,
    /// Ask the store.
    Lookup,
}

impl NegativeLookups {
    pub fn new(settings: LookupSettings) -> Self {
        NegativeLookups {
            settings,
            absent: Mutex::new(TtlCache::new(MAX_NEGATIVE_ENTRIES)),
            budgets: Mutex::new(KeyedBuckets::new(settings.misses_per_sec, settings.miss_burst, MAX_CLIENTS)),
        }
    }

    /// Before a store lookup of `(kind, hash)` for `client`: answered from the cache, refused
    /// (the client's miss budget is spent), or to be looked up.
    pub fn precheck(&self, client: IpAddr, kind: BlobKind, hash: &ContentHash) -> Result<Precheck, ApiError> {
        let now = Instant::now();
        if self.absent.lock().unwrap_or_else(|p| p.into_inner()).get(&(kind, *hash), now).is_some() {
            return Ok(Precheck::KnownAbsent);
        }
        if self.settings.misses_per_sec == 0 && self.settings.miss_burst == 0 {
            return Ok(Precheck::Lookup);
        }
        self.budgets.lock().unwrap_or_else(|p| p.into_inner()).check(&client, now).map_err(|wait| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "lookup_rate_limited",
                "too many lookups of objects that are not stored; retry later",
            )
            .with_retry_after(retry_after_secs(wait))
        })?;
        Ok(Precheck::Lookup)
    }

    /// A store lookup for `client` found nothing: remember it and charge the client.
    pub fn missed(&self, client: IpAddr, kind: BlobKind, hash: &ContentHash) {
        let now = Instant::now();
        self.absent.lock().unwrap_or_else(|p| p.into_inner()).insert(
            (kind, *hash),
            (),
            self.settings.negative_ttl,
            now,
        );
        if self.settings.misses_per_sec != 0 || self.settings.miss_burst != 0 {
            self.budgets.lock().unwrap_or_else(|p| p.into_inner()).charge(&client, now);
        }
    }

    /// The object was stored: it is absent no more.
    pub fn stored(&self, kind: BlobKind, hash: &ContentHash) {
        self.absent.lock().unwrap_or_else(|p| p.into_inner()).remove(&(kind, *hash));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_objects_are_remembered_and_misses_charged_per_client() {
        let lookups = NegativeLookups::new(LookupSettings {
            negative_ttl: Duration::from_secs(60),
            misses_per_sec: 1,
            miss_burst: 2,
        });
        let (one, two) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let hash = |n: u8| ContentHash([n; 32]);
        assert_eq!(lookups.precheck(one, BlobKind::Bundle, &hash(1)).unwrap(), Precheck::Lookup);
        lookups.missed(one, BlobKind::Bundle, &hash(1));
        assert_eq!(lookups.precheck(one, BlobKind::Bundle, &hash(1)).unwrap(), Precheck::KnownAbsent);
        // Another kind is another name.
        assert_eq!(lookups.precheck(one, BlobKind::Output, &hash(1)).unwrap(), Precheck::Lookup);
        lookups.missed(one, BlobKind::Bundle, &hash(2));
        let refused = lookups.precheck(one, BlobKind::Bundle, &hash(3)).unwrap_err();
        assert_eq!(
            (refused.status, refused.code, refused.retry_after_secs),
            (StatusCode::TOO_MANY_REQUESTS, "lookup_rate_limited", Some(1))
        );
        // Cached answers stay free, and other clients keep their budget.
        assert_eq!(lookups.precheck(one, BlobKind::Bundle, &hash(2)).unwrap(), Precheck::KnownAbsent);
        assert_eq!(lookups.precheck(two, BlobKind::Bundle, &hash(3)).unwrap(), Precheck::Lookup);
        lookups.stored(BlobKind::Bundle, &hash(1));
        assert_eq!(lookups.precheck(two, BlobKind::Bundle, &hash(1)).unwrap(), Precheck::Lookup);
    }
}
