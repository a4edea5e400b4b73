//! The chain's answers as the write policy asks them: cached with bounds, and the lookups that
//! miss the cache rate limited across all clients, so whatever a stranger sends, the gateway's
//! memory and its load on the cluster stay bounded (at most `--chain-lookups-per-sec` lookups
//! a second after a burst, each one account read or one filtered listing).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use solana_address::Address;

use crate::bounded::{TokenBucket, TtlCache};
use crate::chain::{ChainError, ChainView, JobForMember};
use crate::error::ApiError;
use crate::policy::PublicKey;

/// Answers kept at most, per kind of question.
const MAX_CACHED: usize = 100_000;

/// What the chain says about a writer of bundles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A job of this key holds escrow on chain.
    Customer,
    /// No open job, but the key holds at least what posting one costs.
    Funded,
    /// Neither: `balance` lamports, `cost` needed.
    Unvouched { balance: u64, cost: u64 },
}

/// How long answers are trusted, and how fast lookups may reach the chain.
#[derive(Debug, Clone, Copy)]
pub struct RegistrySettings {
    /// A key found vouched for (customer or funded).
    pub vouched_ttl: Duration,
    /// A key found unvouched (short: a key funded now is let in quickly).
    pub unvouched_ttl: Duration,
    /// A job's committee and a member's result.
    pub job_ttl: Duration,
    /// What posting a job costs (config and rent change rarely).
    pub cost_ttl: Duration,
    pub lookups_per_sec: u32,
    pub lookup_burst: u32,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            vouched_ttl: Duration::from_secs(60),
            unvouched_ttl: Duration::from_secs(5),
            job_ttl: Duration::from_secs(2),
            cost_ttl: Duration::from_secs(60),
            lookups_per_sec: 20,
            lookup_burst: 100,
        }
    }
}

/// A job as one member sees it, by (job id, member); `None`: the job is not on chain.
type JobAnswers = TtlCache<([u8; 32], PublicKey), Option<JobForMember>>;

pub struct ChainRegistry {
    chain: Arc<dyn ChainView>,
    settings: RegistrySettings,
    standings: Mutex<TtlCache<PublicKey, Standing>>,
    jobs: Mutex<JobAnswers>,
    cost: Mutex<TtlCache<(), u64>>,
    lookups: Mutex<TokenBucket>,
}

/// Seconds to announce in `Retry-After` for a wait (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs().saturating_add(u64::from(wait.subsec_nanos() > 0)).max(1)
}

fn chain_unavailable(error: ChainError) -> ApiError {
    tracing::warn!(%error, "chain lookup failed");
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable", "the cluster did not answer; retry later")
}

impl ChainRegistry {
    pub fn new(chain: Arc<dyn ChainView>, settings: RegistrySettings) -> Self {
        ChainRegistry {
            chain,
            settings,
            standings: Mutex::new(TtlCache::new(MAX_CACHED)),
            jobs: Mutex::new(TtlCache::new(MAX_CACHED)),
            cost: Mutex::new(TtlCache::new(1)),
            lookups: Mutex::new(TokenBucket::new(settings.lookups_per_sec, settings.lookup_burst, Instant::now())),
        }
    }

    pub fn chain(&self) -> &Arc<dyn ChainView> {
        &self.chain
    }

    /// Spends one lookup of the shared budget, or refuses with 429 `chain_busy`.
    fn spend_lookup(&self) -> Result<(), ApiError> {
        let mut lookups = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        lookups.try_take(Instant::now()).map_err(|wait| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "chain_busy",
                "too many writers the gateway has not seen recently; retry later",
            )
            .with_retry_after(retry_after_secs(wait))
        })
    }

    /// What posting the cheapest job costs (cached; not charged to the lookup budget since one
    /// answer serves every writer).
    pub async fn posting_cost(&self) -> Result<u64, ApiError> {
        if let Some(cost) = self.cost.lock().unwrap_or_else(|p| p.into_inner()).get(&(), Instant::now()) {
            return Ok(cost);
        }
        let cost = self.chain.posting_cost().await.map_err(chain_unavailable)?;
        self.cost.lock().unwrap_or_else(|p| p.into_inner()).insert((), cost, self.settings.cost_ttl, Instant::now());
        Ok(cost)
    }

    /// The standing of `key` as a writer of bundles.
    pub async fn standing(&self, key: &PublicKey) -> Result<Standing, ApiError> {
        if let Some(standing) = self.standings.lock().unwrap_or_else(|p| p.into_inner()).get(key, Instant::now()) {
            return Ok(standing);
        }
        let cost = self.posting_cost().await?;
        self.spend_lookup()?;
        let address = Address::new_from_array(*key);
        // A key with an open job is a customer whatever its balance (its escrow is locked on
        // chain); only a key without one costs a second read, of its balance.
        let standing = if self.chain.has_open_job(&address).await.map_err(chain_unavailable)? {
            Standing::Customer
        } else {
            let balance = self.chain.balance(&address).await.map_err(chain_unavailable)?;
            if balance >= cost {
                Standing::Funded
            } else {
                Standing::Unvouched { balance, cost }
            }
        };
        let ttl = match standing {
            Standing::Unvouched { .. } => self.settings.unvouched_ttl,
            _ => self.settings.vouched_ttl,
        };
        self.standings.lock().unwrap_or_else(|p| p.into_inner()).insert(*key, standing, ttl, Instant::now());
        Ok(standing)
    }

    /// The job `job_id` as `member` sees it (cached briefly: a committee changes only by a
    /// replacement, a result once).
    pub async fn job_for_member(
        &self,
        job_id: &[u8; 32],
        member: &PublicKey,
    ) -> Result<Option<JobForMember>, ApiError> {
        let cache_key = (*job_id, *member);
        if let Some(answer) = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(&cache_key, Instant::now()) {
            return Ok(answer);
        }
        self.spend_lookup()?;
        let address = Address::new_from_array(*member);
        let answer = self.chain.job_for_member(job_id, &address).await.map_err(chain_unavailable)?;
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(
            cache_key,
            answer.clone(),
            self.settings.job_ttl,
            Instant::now(),
        );
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
