//! Retention: blobs no job on chain wants any more are deleted after a grace period.
//!
//! - A bundle is wanted while a Job account on chain names it as `bundle_hash` (one filtered
//!   `getProgramAccounts` per bundle checked).
//! - An output is wanted while one of the jobs it was written for (recorded at the write, from
//!   the job named in the signed request) is still on chain, or a job on chain has it as its
//!   winning output (one `getMultipleAccounts`, then one filtered listing).
//! - Each published blob has a small record next to it in the store
//!   (`retention/<kind>/<hh>/<hash>`, JSON: when it was last written, the jobs it was written
//!   for, since when it has been seen unwanted), so the policy survives restarts without reading
//!   any chain history. A blob without a record (stored before retention was on) gets one at its
//!   first check, dated from the object's last modification.
//! - The sweep walks the store in hash order, `batch` blobs per tick; a blob seen unwanted is
//!   deleted once it has been unwanted for the grace period *and* was last written at least the
//!   grace period ago (a bundle is written before its job is posted; every submission stores it
//!   again, which restarts its clock). So a closed job's blobs go between `grace` and `grace` plus
//!   one full sweep after the gateway first sees the job gone, never before; a bundle no job ever
//!   named goes the same way.
//! - A write and a deletion of the same blob never interleave in this process: the write stamps
//!   the record under the blob's lock before it stores, and the deletion re-reads the record
//!   under that lock before it deletes. Run the sweep on one gateway per store.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::blob::{BlobKind, ContentHash};
use crate::chain::ChainView;
use crate::store::BlobStore;

/// Jobs remembered per output at most (the newest are kept; an output also stays while a job on
/// chain has it as its winning output).
const MAX_JOBS_PER_RECORD: usize = 32;
/// Lock stripes: two writes of blobs on different stripes never wait for each other.
const STRIPES: usize = 64;
/// Fan-out folders listed at most per tick (most are empty on a small store).
const SHARDS_PER_TICK: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct RetentionSettings {
    /// How long a blob stays after it was first seen unwanted (and after its last write).
    pub grace: Duration,
    /// Blobs checked per tick at most.
    pub batch: usize,
    /// Time between ticks.
    pub interval: Duration,
}

/// What the gateway knows of one blob, persisted next to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    /// Unix seconds of the last write of the blob.
    touched_at: u64,
    /// Jobs the blob was written for (hex), oldest first.
    #[serde(default)]
    jobs: Vec<String>,
    /// Unix seconds since which the blob has been seen unwanted.
    #[serde(default)]
    unwanted_since: Option<u64>,
}

impl Record {
    fn job_ids(&self) -> Vec<[u8; 32]> {
        self.jobs
            .iter()
            .filter_map(|text| {
                let mut id = [0u8; 32];
                hex::decode_to_slice(text, &mut id).ok().map(|()| id)
            })
            .collect()
    }
}

/// One tick's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub checked: usize,
    pub deleted: usize,
    /// Blobs left for a later tick because the chain or the store did not answer.
    pub failed: usize,
    /// The walk reached the end of the store and starts over at the next tick.
    pub wrapped: bool,
}

/// Where the walk is: kind, fan-out folder, last hash checked in it.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    kind: usize,
    shard: u16,
    after: Option<ContentHash>,
}

pub struct Retention {
    store: BlobStore,
    chain: Arc<dyn ChainView>,
    settings: RetentionSettings,
    cursor: Mutex<Cursor>,
    stripes: Vec<Mutex<()>>,
}

fn decode(bytes: Option<Bytes>) -> Option<Record> {
    // A record that does not parse is treated as missing: it is rewritten at the next check.
    bytes.and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

fn encode(record: &Record) -> Bytes {
    Bytes::from(serde_json::to_vec(record).unwrap_or_default())
}

impl Retention {
    pub fn new(store: BlobStore, chain: Arc<dyn ChainView>, settings: RetentionSettings) -> Self {
        Retention {
            store,
            chain,
            settings,
            cursor: Mutex::new(Cursor::default()),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }

    fn stripe(&self, hash: &ContentHash) -> &Mutex<()> {
        &self.stripes[usize::from(hash.0[0]) % STRIPES]
    }

    /// Before a write of the blob: stamps its record with `now` (and `job`, the job it is
    /// written for when the policy checked one), so that no sweep deletes it meanwhile.
    pub async fn before_write(
        &self,
        kind: BlobKind,
        hash: &ContentHash,
        job: Option<&[u8; 32]>,
        now: u64,
    ) -> Result<(), object_store::Error> {
        let _guard = self.stripe(hash).lock().await;
        let mut record = decode(self.store.read_record(kind, hash).await?).unwrap_or_default();
        record.touched_at = now;
        record.unwanted_since = None;
        if let Some(job) = job {
            let job = hex::encode(job);
            if !record.jobs.contains(&job) {
                record.jobs.push(job);
                if record.jobs.len() > MAX_JOBS_PER_RECORD {
                    let excess = record.jobs.len() - MAX_JOBS_PER_RECORD;
                    record.jobs.drain(..excess);
                }
            }
        }
        self.store.write_record(kind, hash, encode(&record)).await
    }

    /// After a write that stored nothing: drops the record if there is no blob to go with it.
    pub async fn after_failed_write(&self, kind: BlobKind, hash: &ContentHash) {
        let _guard = self.stripe(hash).lock().await;
        match self.store.size_of(kind, hash).await {
            Ok(None) => {
                if let Err(error) = self.store.delete_record(kind, hash).await {
                    tracing::warn!(%error, %kind, %hash, "dropping the record of a failed write failed");
                }
            }
            Ok(Some(_)) => {}
            Err(error) => tracing::warn!(%error, %kind, %hash, "cannot tell whether a failed write left a blob"),
        }
    }

    /// Whether a job on chain still wants the blob.
    async fn wanted(&self, kind: BlobKind, hash: &ContentHash, record: &Record) -> Result<bool, String> {
        match kind {
            BlobKind::Bundle => self.chain.bundle_in_use(&hash.0).await.map_err(|e| e.to_string()),
            BlobKind::Output => {
                if self.chain.any_job_exists(&record.job_ids()).await.map_err(|e| e.to_string())? {
                    return Ok(true);
                }
                self.chain.output_won(&hash.0).await.map_err(|e| e.to_string())
            }
        }
    }

    /// Checks one blob at `now` (unix seconds); returns whether it was deleted.
    async fn check(&self, kind: BlobKind, hash: &ContentHash, modified: u64, now: u64) -> Result<bool, String> {
        let stored = decode(self.store.read_record(kind, hash).await.map_err(|e| e.to_string())?);
        let missing = stored.is_none();
        let mut record = stored.unwrap_or(Record { touched_at: modified, jobs: Vec::new(), unwanted_since: None });
        if self.wanted(kind, hash, &record).await? {
            if missing || record.unwanted_since.is_some() {
                record.unwanted_since = None;
                self.store.write_record(kind, hash, encode(&record)).await.map_err(|e| e.to_string())?;
            }
            return Ok(false);
        }
        let grace = self.settings.grace.as_secs();
        let since = *record.unwanted_since.get_or_insert(now);
        let due = now >= since.saturating_add(grace) && now >= record.touched_at.saturating_add(grace);
        if !due {
            if missing || since == now {
                self.store.write_record(kind, hash, encode(&record)).await.map_err(|e| e.to_string())?;
            }
            return Ok(false);
        }
        let _guard = self.stripe(hash).lock().await;
        // A write since the record was read restarted the blob's clock: keep it.
        let current = decode(self.store.read_record(kind, hash).await.map_err(|e| e.to_string())?);
        if current.as_ref().is_some_and(|current| current.touched_at != record.touched_at) {
            return Ok(false);
        }
        self.store.delete_published(kind, hash).await.map_err(|e| e.to_string())?;
        self.store.delete_record(kind, hash).await.map_err(|e| e.to_string())?;
        tracing::info!(%kind, %hash, unwanted_since = since, "retention: deleted a blob no job on chain wants");
        Ok(true)
    }

    /// One tick at `now` (unix seconds): checks up to `batch` blobs from where the last tick
    /// stopped.
    pub async fn sweep_once(&self, now: u64) -> SweepReport {
        let mut cursor = self.cursor.lock().await;
        let mut report = SweepReport::default();
        let mut shards_listed = 0usize;
        while report.checked < self.settings.batch && shards_listed < SHARDS_PER_TICK {
            let Some(&kind) = BlobKind::ALL.get(cursor.kind) else {
                *cursor = Cursor::default();
                report.wrapped = true;
                break;
            };
            let Ok(shard) = u8::try_from(cursor.shard) else {
                *cursor = Cursor { kind: cursor.kind.saturating_add(1), shard: 0, after: None };
                continue;
            };
            let left = self.settings.batch.saturating_sub(report.checked).max(1);
            shards_listed = shards_listed.saturating_add(1);
            let listed = match self.store.list_published(kind, shard, cursor.after.as_ref(), left).await {
                Ok(listed) => listed,
                Err(error) => {
                    tracing::warn!(%error, %kind, shard, "retention: listing the store failed");
                    report.failed = report.failed.saturating_add(1);
                    break;
                }
            };
            let exhausted = listed.len() < left;
            for (hash, modified) in listed {
                report.checked = report.checked.saturating_add(1);
                match self.check(kind, &hash, modified, now).await {
                    Ok(true) => report.deleted = report.deleted.saturating_add(1),
                    Ok(false) => {}
                    Err(error) => {
                        tracing::warn!(%error, %kind, %hash, "retention: cannot check a blob now; next round");
                        report.failed = report.failed.saturating_add(1);
                    }
                }
                cursor.after = Some(hash);
            }
            if exhausted {
                *cursor = Cursor { kind: cursor.kind, shard: cursor.shard.saturating_add(1), after: None };
            }
        }
        report
    }

    /// Runs a tick every `interval` until the task is aborted.
    pub fn spawn(self: &Arc<Self>) -> JoinHandle<()> {
        let retention = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(retention.settings.interval.max(Duration::from_secs(1)));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick completes at once: the first sweep comes one interval after start.
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let report = retention.sweep_once(edgerun_sdk::storage_auth::now_unix_secs()).await;
                if report.deleted > 0 || report.failed > 0 {
                    tracing::info!(?report, "retention sweep");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_tolerate_garbage() {
        let record = Record { touched_at: 5, jobs: vec![hex::encode([1u8; 32]), "zz".into()], unwanted_since: Some(7) };
        assert_eq!(decode(Some(encode(&record))), Some(record.clone()));
        assert_eq!(record.job_ids(), vec![[1u8; 32]]);
        assert_eq!(decode(Some(Bytes::from_static(b"not json"))), None);
        assert_eq!(decode(Some(Bytes::from_static(b"{\"touched_at\":3}"))).map(|r| r.touched_at), Some(3));
    }
}
