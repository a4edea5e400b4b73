//! Flag values spelled the same way by every service.

use std::time::Duration;

/// Parses a duration with its unit, as humans write it: `30s`, `500ms`, `2m`, `1h 30m`.
/// A bare number is refused: `--reconcile-interval 30` could mean seconds or milliseconds.
/// Zero is refused too: every duration flag is an interval or a timeout.
pub fn duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("{trimmed:?} has no unit; write e.g. {trimmed}s or {trimmed}ms"));
    }
    let parsed = humantime::parse_duration(trimmed)
        .map_err(|error| format!("{trimmed:?} is not a duration ({error}); write e.g. 30s, 500ms or 2m"))?;
    if parsed.is_zero() {
        return Err("the duration must be more than zero".into());
    }
    Ok(parsed)
}

/// Writes a duration the way [`duration`] reads it (for `--help` defaults).
pub fn display(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// A duration flag: read by [`duration`], shown by [`display`], so a default in code appears in
/// `--help` as it would be typed (`#[arg(long, default_value_t = HumanDuration(...))]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

impl std::str::FromStr for HumanDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        duration(text).map(HumanDuration)
    }
}

impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display(self.0))
    }
}

impl From<HumanDuration> for Duration {
    fn from(value: HumanDuration) -> Duration {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit_and_a_length() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(duration("30").unwrap_err().contains("no unit"));
        assert!(duration("0s").unwrap_err().contains("more than zero"));
        assert!(duration("soon").unwrap_err().contains("not a duration"));
        assert!(duration("").is_err());
    }

    #[test]
    fn a_flag_reads_back_what_it_shows() {
        let flag: HumanDuration = "2s".parse().unwrap();
        assert_eq!(flag, HumanDuration(Duration::from_secs(2)));
        assert_eq!(flag.to_string().parse::<HumanDuration>(), Ok(flag));
        assert!("2".parse::<HumanDuration>().is_err());
    }

    #[test]
    fn display_reads_back() {
        for value in [Duration::from_millis(400), Duration::from_secs(30), Duration::from_secs(5400)] {
            assert_eq!(duration(&display(value)), Ok(value));
        }
    }
}
