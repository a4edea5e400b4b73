//! The production [`WorkerRegistry`]: a key is a registered worker when its WorkerStake PDA
//! exists on the cluster, is owned by the Edgerun program, names that key and is active. Answers
//! are cached (positive ones longer than negative ones, so a newly registered worker is let in
//! quickly) and the cache is bounded, so unknown keys cannot grow memory without limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use edgerun_sdk::{accounts, pda};
use futures::future::BoxFuture;
use solana_address::Address;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;

use crate::policy::{PublicKey, RegistryError, WorkerRegistry};

/// How many answers are kept at most; past this, expired ones are dropped, then all.
const MAX_CACHED_KEYS: usize = 100_000;

/// How long answers are trusted.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    pub registered: Duration,
    pub unregistered: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy { registered: Duration::from_secs(300), unregistered: Duration::from_secs(5) }
    }
}

pub struct ChainWorkerRegistry {
    rpc: RpcClient,
    cache_policy: CachePolicy,
    cache: Mutex<HashMap<PublicKey, (bool, Instant)>>,
}

impl ChainWorkerRegistry {
    /// Reads worker stakes from `rpc_url` at `confirmed` commitment.
    pub fn new(rpc_url: &str, cache_policy: CachePolicy) -> Self {
        let rpc = RpcClient::new_with_timeout_and_commitment(
            rpc_url.to_string(),
            Duration::from_secs(10),
            CommitmentConfig::confirmed(),
        );
        ChainWorkerRegistry { rpc, cache_policy, cache: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, key: &PublicKey, now: Instant) -> Option<bool> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).filter(|(_, expires)| *expires > now).map(|(registered, _)| *registered)
    }

    fn remember(&self, key: PublicKey, registered: bool, now: Instant) {
        let ttl = if registered { self.cache_policy.registered } else { self.cache_policy.unregistered };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED_KEYS {
            cache.retain(|_, (_, expires)| *expires > now);
            if cache.len() >= MAX_CACHED_KEYS {
                cache.clear();
            }
        }
        cache.insert(key, (registered, now + ttl));
    }

    async fn lookup(&self, key: &PublicKey) -> Result<bool, RegistryError> {
        let worker = Address::new_from_array(*key);
        let stake_address = pda::worker_stake_address(&worker);
        let account = self
            .rpc
            .get_account_with_commitment(&stake_address, self.rpc.commitment())
            .await
            .map_err(|error| RegistryError(format!("reading worker stake {stake_address}: {error}")))?
            .value;
        let Some(account) = account else {
            return Ok(false);
        };
        let stake = accounts::decode_account(&stake_address, &account.owner, &account.data)
            .map_err(|error| RegistryError(error.to_string()))?;
        Ok(stake.is_some_and(|stake| accounts::is_active_worker(&stake, &worker)))
    }
}

impl WorkerRegistry for ChainWorkerRegistry {
    fn is_registered_worker<'a>(&'a self, key: &'a PublicKey) -> BoxFuture<'a, Result<bool, RegistryError>> {
        Box::pin(async move {
            if let Some(registered) = self.cached(key, Instant::now()) {
                return Ok(registered);
            }
            // RPC failures are not cached: the next request asks again.
            let registered = self.lookup(key).await?;
            self.remember(*key, registered, Instant::now());
            Ok(registered)
        })
    }
}
