//! What the benchmark programs (`migrations/examples`, `scheduler/examples`) report with, so a
//! p50 or p99 in `docs/performance.md` means one thing whichever program measured it.

use std::cmp::Ordering;

/// The `p`-quantile (`0.0..=1.0`) of `values` by nearest rank: the value at rank
/// `round((n − 1) · p)` once sorted (the slice is sorted in place). `T::default()` (0) when there
/// is nothing to rank.
pub fn percentile<T: Copy + Default + PartialOrd>(values: &mut [T], p: f64) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    let Some(last) = values.len().checked_sub(1) else { return T::default() };
    let rank = (last as f64 * p.clamp(0.0, 1.0)).round() as usize;
    values[rank.min(last)]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_over_the_sorted_values() {
        let mut values = [9_u64, 1, 5, 3, 7];
        assert_eq!(percentile(&mut values, 0.5), 5);
        assert_eq!(values, [1, 3, 5, 7, 9], "sorted in place");
        assert_eq!(percentile(&mut values, 0.99), 9);
        assert_eq!(percentile(&mut values, 0.0), 1);
        assert_eq!(percentile(&mut values, 0.6), 5, "rank round(4 × 0.6) = 2");
        assert_eq!(percentile(&mut values, 0.65), 7, "rank round(4 × 0.65) = 3");
        let mut millis = [2.5_f64, 0.5];
        assert_eq!(percentile(&mut millis, 0.5), 2.5, "rank round(0.5) = 1");
        assert_eq!(percentile::<u64>(&mut [], 0.99), 0);
    }
}
