//! Whether a posted job's bundle is one every worker can run, checked before any worker's stake is
//! put on it.
//!
//! Why: a job is posted straight to the program by anyone, with any `bundle_hash`. Assigning one
//! whose bundle is not on the gateway, or that no worker can run, hands honest workers a job they
//! cannot answer; the program then charges them for silence. So the scheduler fetches the bundle
//! the way a worker does (the network's gateway, at most [`MAX_BUNDLE_BYTES`], checked against its
//! hash) and checks what a worker checks (the runtime, the bundle's own runtime id and limits
//! against the job's) before it seeds and assigns. A job that fails stays `Posted`, with the
//! reason in the job's view.
//!
//! Cost: one fetch per job, then none while the verdict stands. A refused job is looked at again
//! only after a backoff (doubling from [`RECHECK_MIN`] to [`RECHECK_MAX`]), never at every
//! reconcile: a bundle uploaded late, or a gateway back from an outage, is still noticed, and a
//! stranger's unstored job costs the scheduler a handful of 404s an hour.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use edgerun::state::Job;
use edgerun_sdk::bundle::{Bundle, Limits, MAX_BUNDLE_BYTES};
use edgerun_sdk::storage::{ContentHash, StorageClient, StorageError};

/// First pause before a refused job's bundle is fetched again.
pub const RECHECK_MIN: Duration = Duration::from_secs(5);
/// Longest pause between two fetches of a refused job's bundle.
pub const RECHECK_MAX: Duration = Duration::from_secs(300);
/// A bundle download that takes longer is abandoned (and the job refused for now).
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the bundle `bytes` fetched for `job` is not one every worker can run, if it is not.
/// `runtime_ids` are the runtimes the workers run.
pub fn judge(job: &Job, fetched: Result<&[u8], &StorageError>, runtime_ids: &[[u8; 32]]) -> Result<(), String> {
    if !runtime_ids.contains(&job.runtime_id) {
        return Err(format!(
            "the job names runtime {}, the workers run {}: no worker can run it",
            hex::encode(job.runtime_id),
            runtime_ids.iter().map(hex::encode).collect::<Vec<_>>().join(", ")
        ));
    }
    let bytes = match fetched {
        Ok(bytes) => bytes,
        Err(StorageError::NotFound) => return Err("its bundle is not on the gateway".into()),
        Err(StorageError::TooLarge { limit }) => {
            return Err(format!("its bundle is larger than the network's cap of {limit} bytes"))
        }
        Err(StorageError::HashMismatch { .. }) => {
            return Err("the gateway served bytes that do not hash to its bundle_hash".into())
        }
        Err(error) => return Err(format!("the gateway did not serve its bundle: {error}")),
    };
    let bundle = Bundle::decode(bytes).map_err(|error| format!("its bundle does not decode: {error}"))?;
    let posted = Limits { max_memory_bytes: job.max_memory_bytes.get(), max_instructions: job.max_instructions.get() };
    if bundle.runtime_id != job.runtime_id || bundle.limits != posted {
        return Err("its bundle's runtime id or limits differ from the job's".into());
    }
    Ok(())
}

/// A refused job: why, and when to look again.
struct Refusal {
    reason: String,
    bundle_hash: [u8; 32],
    next_check: Instant,
    pause: Duration,
}

/// The verdicts on posted jobs' bundles, by job id; at most one fetch per job at a time.
pub struct BundleChecks {
    storage: StorageClient,
    runtime_ids: Vec<[u8; 32]>,
    verdicts: Mutex<HashMap<[u8; 32], Option<Refusal>>>,
}

impl BundleChecks {
    pub fn new(storage: StorageClient, runtime_ids: Vec<[u8; 32]>) -> Self {
        BundleChecks {
            storage: storage.with_max_download_bytes(MAX_BUNDLE_BYTES as u64),
            runtime_ids,
            verdicts: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok(())` when the job's bundle passed (now or before); the reason it is refused otherwise.
    /// Fetches only when there is no verdict yet or a refusal's pause has passed. The second
    /// value says whether this call fetched.
    pub async fn check(&self, job: &Job) -> (Result<(), String>, bool) {
        {
            let verdicts = self.verdicts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match verdicts.get(&job.job_id) {
                Some(None) => return (Ok(()), false),
                Some(Some(refusal))
                    if refusal.bundle_hash == job.bundle_hash && Instant::now() < refusal.next_check =>
                {
                    return (Err(refusal.reason.clone()), false)
                }
                _ => {}
            }
        }
        let verdict = if !self.runtime_ids.contains(&job.runtime_id) {
            // Refused by the runtime alone: no download.
            judge(job, Ok(&[]), &self.runtime_ids)
        } else {
            match tokio::time::timeout(FETCH_TIMEOUT, self.storage.get_bundle(&ContentHash(job.bundle_hash))).await {
                Ok(fetched) => judge(job, fetched.as_deref(), &self.runtime_ids),
                Err(_) => Err(format!("the gateway did not serve its bundle within {} s", FETCH_TIMEOUT.as_secs())),
            }
        };
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &verdict {
            Ok(()) => {
                verdicts.insert(job.job_id, None);
            }
            Err(reason) => {
                let pause = match verdicts.get(&job.job_id) {
                    Some(Some(previous)) => (previous.pause * 2).min(RECHECK_MAX),
                    _ => RECHECK_MIN,
                };
                verdicts.insert(
                    job.job_id,
                    Some(Refusal {
                        reason: reason.clone(),
                        bundle_hash: job.bundle_hash,
                        next_check: Instant::now() + pause,
                        pause,
                    }),
                );
            }
        }
        (verdict, true)
    }

    /// Forgets the jobs that are no longer waiting for a committee (assigned, ended, closed), so
    /// the map holds only what is live.
    pub fn retain(&self, waiting: impl Fn(&[u8; 32]) -> bool) {
        self.verdicts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).retain(|job_id, _| waiting(job_id));
    }
}

#[cfg(test)]
mod tests {
    use bytemuck::Zeroable;

    use super::*;

    const RUNTIME: [u8; 32] = [4; 32];
    const LIMITS: Limits = Limits { max_memory_bytes: 1 << 16, max_instructions: 1_000 };

    fn job(runtime_id: [u8; 32], limits: Limits) -> Job {
        let mut job = Job::zeroed();
        job.runtime_id = runtime_id;
        job.max_memory_bytes = limits.max_memory_bytes.into();
        job.max_instructions = limits.max_instructions.into();
        job
    }

    fn bundle(runtime_id: [u8; 32], limits: Limits) -> Vec<u8> {
        Bundle { runtime_id, wasm: vec![0, 97, 115, 109], input: vec![1, 2], limits, meta: None, args: Vec::new() }
            .encode()
            .unwrap()
    }

    #[test]
    fn a_bundle_every_worker_can_run_passes() {
        assert_eq!(judge(&job(RUNTIME, LIMITS), Ok(&bundle(RUNTIME, LIMITS)), &[RUNTIME]), Ok(()));
        // Any runtime the workers run.
        assert_eq!(judge(&job([9; 32], LIMITS), Ok(&bundle([9; 32], LIMITS)), &[RUNTIME, [9; 32]]), Ok(()));
    }

    #[test]
    fn each_refusal_says_why() {
        let posted = job(RUNTIME, LIMITS);
        let refused = |fetched: Result<&[u8], &StorageError>, job: &Job| judge(job, fetched, &[RUNTIME]).unwrap_err();
        assert!(refused(Err(&StorageError::NotFound), &posted).contains("not on the gateway"));
        assert!(refused(Err(&StorageError::TooLarge { limit: 9 }), &posted).contains("cap of 9 bytes"));
        assert!(refused(Ok(&[1, 2, 3]), &posted).contains("does not decode"));
        let other_limits = Limits { max_instructions: 2_000, ..LIMITS };
        assert!(refused(Ok(&bundle(RUNTIME, other_limits)), &posted).contains("differ from the job's"));
        assert!(refused(Ok(&bundle([5; 32], LIMITS)), &posted).contains("differ from the job's"));
        assert!(refused(Ok(&bundle(RUNTIME, LIMITS)), &job([6; 32], LIMITS)).contains("no worker can run it"));
    }
}
