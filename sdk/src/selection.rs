//! Committee selection from a job's seed. Off-chain by the spec's frozen rule (whitepaper 4.6):
//! the scheduler ranks the eligible workers by `blake3("edgerun-select-v1" || seed || job_id ||
//! worker)` and names the lowest `size` of them; anyone holding the seed and the candidate list
//! can recompute the choice and see that the scheduler did not pick its friends.

use solana_address::Address;

pub const SELECTION_DOMAIN: &[u8] = b"edgerun-select-v1";

/// A worker's rank for one job; lower is chosen first.
pub fn selection_rank(seed: &[u8; 32], job_id: &[u8; 32], worker: &Address) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(SELECTION_DOMAIN);
    hasher.update(seed);
    hasher.update(job_id);
    hasher.update(worker.as_ref());
    *hasher.finalize().as_bytes()
}

/// The `size` lowest-ranked distinct `candidates` (fewer if there are not enough), best first.
pub fn select_committee(seed: &[u8; 32], job_id: &[u8; 32], candidates: &[Address], size: usize) -> Vec<Address> {
    let mut ranked: Vec<([u8; 32], Address)> =
        candidates.iter().map(|worker| (selection_rank(seed, job_id, worker), *worker)).collect();
    ranked.sort_unstable();
    ranked.dedup_by(|a, b| a.1 == b.1);
    ranked.into_iter().take(size).map(|(_, worker)| worker).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workers(count: u8) -> Vec<Address> {
        (1..=count).map(|i| Address::new_from_array([i; 32])).collect()
    }

    #[test]
    fn selection_ignores_candidate_order_and_duplicates() {
        let (seed, job_id) = ([7u8; 32], [9u8; 32]);
        let candidates = workers(12);
        let chosen = select_committee(&seed, &job_id, &candidates, 5);
        assert_eq!(chosen.len(), 5);
        let mut shuffled: Vec<Address> = candidates.iter().rev().copied().collect();
        shuffled.extend_from_slice(&candidates[..4]);
        assert_eq!(select_committee(&seed, &job_id, &shuffled, 5), chosen);
        let ranks: Vec<[u8; 32]> = chosen.iter().map(|w| selection_rank(&seed, &job_id, w)).collect();
        assert!(ranks.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn a_new_seed_changes_the_committee_and_short_lists_are_returned_whole() {
        let candidates = workers(12);
        let first = select_committee(&[1; 32], &[9; 32], &candidates, 3);
        let differs = (2u8..10).any(|seed| select_committee(&[seed; 32], &[9; 32], &candidates, 3) != first);
        assert!(differs, "the seed must matter");
        assert_eq!(select_committee(&[1; 32], &[9; 32], &candidates[..2], 3).len(), 2);
    }
}
