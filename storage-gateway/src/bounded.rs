//! Memory-bounded building blocks for answering strangers: a cache whose entries expire and
//! whose size is capped, and token buckets (one, or one per key with the number of keys capped).
//! Whatever a client sends, these hold at most their cap of entries.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// A map of answers that expire after their own time to live, holding at most `capacity`
/// entries: when full, expired entries are dropped first, then everything (a cache forgets,
/// which only costs a lookup again).
pub struct TtlCache<K, V> {
    capacity: usize,
    entries: HashMap<K, (V, Instant)>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        TtlCache { capacity: capacity.max(1), entries: HashMap::new() }
    }

    /// The answer for `key` if it has not expired at `now`.
    pub fn get(&self, key: &K, now: Instant) -> Option<V> {
        self.entries.get(key).filter(|(_, expires)| *expires > now).map(|(value, _)| value.clone())
    }

    pub fn insert(&mut self, key: K, value: V, ttl: Duration, now: Instant) {
        if ttl.is_zero() {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.retain(|_, (_, expires)| *expires > now);
            if self.entries.len() >= self.capacity {
                self.entries.clear();
            }
        }
        let expires = now.checked_add(ttl).unwrap_or(now);
        self.entries.insert(key, (value, expires));
    }

    pub fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A token bucket: `burst` tokens at most, refilled at `per_second`.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    per_second: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket. A rate of 0 never refills (after the burst, nothing more).
    pub fn new(per_second: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket { per_second: f64::from(per_second), burst, tokens: burst, updated: now }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.updated = now;
    }

    /// Takes one token, or says how long until one is there.
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(self.wait_for_token())
    }

    /// Whether a token is there, without taking it; else how long until one is.
    pub fn check(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            Ok(())
        } else {
            Err(self.wait_for_token())
        }
    }

    /// Takes one token if there is one (a cost already incurred).
    pub fn charge(&mut self, now: Instant) {
        self.refill(now);
        self.tokens = (self.tokens - 1.0).max(0.0);
    }

    fn wait_for_token(&self) -> Duration {
        if self.per_second <= 0.0 {
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64(((1.0 - self.tokens) / self.per_second).clamp(0.0, 3600.0))
    }

    fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens + elapsed * self.per_second >= self.burst
    }
}

/// One token bucket per key, at most `capacity` keys: when full, keys whose bucket refilled
/// completely (quiet clients) are forgotten first, then all (forgetting a key only gives it a
/// full bucket again, and the number of keys a client controls is what the cap bounds).
pub struct KeyedBuckets<K> {
    per_second: u32,
    burst: u32,
    capacity: usize,
    buckets: HashMap<K, TokenBucket>,
}

impl<K: Eq + Hash + Clone> KeyedBuckets<K> {
    pub fn new(per_second: u32, burst: u32, capacity: usize) -> Self {
        KeyedBuckets { per_second, burst, capacity: capacity.max(1), buckets: HashMap::new() }
    }

    fn bucket(&mut self, key: &K, now: Instant) -> &mut TokenBucket {
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.capacity {
            self.buckets.retain(|_, bucket| !bucket.is_full(now));
            if self.buckets.len() >= self.capacity {
                self.buckets.clear();
            }
        }
        let (per_second, burst) = (self.per_second, self.burst);
        self.buckets.entry(key.clone()).or_insert_with(|| TokenBucket::new(per_second, burst, now))
    }

    pub fn check(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        self.bucket(key, now).check(now)
    }

    pub fn charge(&mut self, key: &K, now: Instant) {
        self.bucket(key, now).charge(now)
    }

    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_expires_and_stays_within_capacity() {
        let now = Instant::now();
        let mut cache = TtlCache::new(2);
        cache.insert(1, "a", Duration::from_secs(1), now);
        assert_eq!(cache.get(&1, now), Some("a"));
        assert_eq!(cache.get(&1, now + Duration::from_secs(1)), None);
        cache.insert(2, "b", Duration::from_secs(10), now);
        // Full: the expired entry goes first.
        cache.insert(3, "c", Duration::from_secs(10), now + Duration::from_secs(2));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&2, now), Some("b"));
        // Full of live entries: forgotten at once, never more than the capacity.
        cache.insert(4, "d", Duration::from_secs(10), now + Duration::from_secs(2));
        assert!(cache.len() <= 2);
        assert_eq!(cache.get(&4, now + Duration::from_secs(2)), Some("d"));
        cache.insert(5, "zero", Duration::ZERO, now);
        assert_eq!(cache.get(&5, now), None);
    }

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let now = Instant::now();
        let mut bucket = TokenBucket::new(2, 3, now);
        for _ in 0..3 {
            bucket.try_take(now).unwrap();
        }
        let wait = bucket.try_take(now).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500), "{wait:?}");
        bucket.try_take(now + Duration::from_millis(500)).unwrap();
        assert!(bucket.check(now + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn keyed_buckets_are_separate_and_bounded() {
        let now = Instant::now();
        let mut buckets = KeyedBuckets::new(1, 1, 2);
        buckets.charge(&"a", now);
        assert!(buckets.check(&"a", now).is_err());
        assert!(buckets.check(&"b", now).is_ok());
        buckets.charge(&"b", now);
        buckets.charge(&"c", now);
        assert!(buckets.len() <= 2);
    }
}
