//! SOL amounts as people type them (`0.05`, `2`, `1_000`), converted to lamports exactly: no
//! floating point touches money.

pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
const DECIMALS: usize = 9;

/// `"1.5"` → 1_500_000_000. At most 9 decimals; no sign, no exponent.
pub fn parse_sol(text: &str) -> Result<u64, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(format!("`{text}` is not an amount of SOL (e.g. 0.05)"));
    }
    if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not an amount of SOL (digits and one `.`, e.g. 0.05)"));
    }
    if fraction.len() > DECIMALS {
        return Err(format!("`{text}` has more than {DECIMALS} decimals (1 lamport = 0.000000001 SOL)"));
    }
    let too_large = || format!("`{text}` SOL is more lamports than fit in 64 bits");
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
    let fraction: u64 =
        if fraction.is_empty() { 0 } else { format!("{fraction:0<DECIMALS$}").parse().map_err(|_| too_large())? };
    whole.checked_mul(LAMPORTS_PER_SOL).and_then(|lamports| lamports.checked_add(fraction)).ok_or_else(too_large)
}

/// 1_500_000_000 → `"1.5"`; exact, trailing zeros dropped.
pub fn format_sol(lamports: u64) -> String {
    let whole = lamports / LAMPORTS_PER_SOL;
    let fraction = lamports % LAMPORTS_PER_SOL;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0DECIMALS$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// `"1.5 SOL"`.
pub fn sol(lamports: u64) -> String {
    format!("{} SOL", format_sol(lamports))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_sol("1").unwrap(), LAMPORTS_PER_SOL);
        assert_eq!(parse_sol("0.05").unwrap(), 50_000_000);
        assert_eq!(parse_sol(".5").unwrap(), 500_000_000);
        assert_eq!(parse_sol("2.").unwrap(), 2 * LAMPORTS_PER_SOL);
        assert_eq!(parse_sol("0.000000001").unwrap(), 1);
        assert_eq!(parse_sol("1_000").unwrap(), 1_000 * LAMPORTS_PER_SOL);
        assert_eq!(parse_sol("18446744073.709551615").unwrap(), u64::MAX);
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in
            ["", ".", "-1", "1e9", "0.0000000001", "1.2.3", "abc", "18446744073.709551616", "99999999999999999999"]
        {
            assert!(parse_sol(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn formats_round_trip() {
        for lamports in [0, 1, 50_000_000, LAMPORTS_PER_SOL, 1_500_000_000, u64::MAX] {
            assert_eq!(parse_sol(&format_sol(lamports)).unwrap(), lamports);
        }
        assert_eq!(format_sol(50_000_000), "0.05");
        assert_eq!(sol(2 * LAMPORTS_PER_SOL), "2 SOL");
    }
}
