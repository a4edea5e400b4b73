//! Checked integer helpers for the SBF build.
//!
//! LLVM lowers a 64-bit multiplication with an overflow check (`checked_mul` on two runtime values)
//! to a 128-bit `__multi3` libcall, which the upstream BPF back end cannot emit. These helpers stay
//! within 64-bit operations so the same code builds with upstream LLVM and Solana's platform-tools.

/// `a * b`, or `None` on overflow, using only 64-bit operations.
#[inline(always)]
pub fn checked_mul_u64(a: u64, b: u64) -> Option<u64> {
    const LOW: u64 = 0xffff_ffff;
    let (a_high, a_low) = (a >> 32, a & LOW);
    let (b_high, b_low) = (b >> 32, b & LOW);
    if a_high != 0 && b_high != 0 {
        return None;
    }
    // At most one of the two cross terms is non-zero, and each is a product of two 32-bit values.
    let cross = a_high.wrapping_mul(b_low).wrapping_add(a_low.wrapping_mul(b_high));
    if cross > LOW {
        return None;
    }
    (cross << 32).checked_add(a_low.wrapping_mul(b_low))
}

/// `floor(value * numerator / denominator)` for `numerator <= denominator`, exact and overflow free:
/// with `value = q * denominator + r`, it is `q * numerator + floor(r * numerator / denominator)`.
#[inline(always)]
pub fn mul_div_floor(value: u64, numerator: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 || numerator > denominator {
        return None;
    }
    let quotient = value / denominator;
    let rest = value % denominator;
    checked_mul_u64(quotient, numerator)?.checked_add(checked_mul_u64(rest, numerator)? / denominator)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn checked_mul_matches_core() {
        let samples = [0, 1, 2, 3, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0001, u64::MAX / 3, u64::MAX / 2, u64::MAX];
        for &a in &samples {
            for &b in &samples {
                assert_eq!(checked_mul_u64(a, b), a.checked_mul(b), "{a} * {b}");
            }
        }
    }

    #[test]
    fn mul_div_floor_is_exact() {
        for value in [0u64, 1, 9_999, 10_000, 10_001, 123_456_789, u64::MAX] {
            for numerator in [0u64, 1, 200, 9_999, 10_000] {
                let exact = (u128::from(value) * u128::from(numerator) / 10_000) as u64;
                assert_eq!(mul_div_floor(value, numerator, 10_000), Some(exact));
            }
        }
        assert_eq!(mul_div_floor(1, 2, 1), None);
    }
}
