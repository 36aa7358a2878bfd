//! Message times as the reader's clock shows them.
//!
//! The offset from UTC is fixed when the client starts (or UTC in tests, so that rendered
//! screens do not depend on where they run). A session that spans a daylight-saving change
//! shows times off by an hour until restarted; that is the price of cheap, pure arithmetic
//! on every row drawn.

use chrono::{DateTime, FixedOffset, Local, Offset};

const SECONDS_PER_DAY: i64 = 86_400;

/// A fixed offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset_secs: i32,
}

impl Clock {
    pub const UTC: Self = Self { offset_secs: 0 };

    /// The local time zone's offset now.
    pub fn local() -> Self {
        Self {
            offset_secs: Local::now().offset().fix().local_minus_utc(),
        }
    }

    fn local_secs(self, ts_ms: i64) -> i64 {
        ts_ms.div_euclid(1000) + i64::from(self.offset_secs)
    }

    /// The calendar day of a timestamp, as a day number: equal numbers, same day.
    pub fn day(self, ts_ms: i64) -> i64 {
        self.local_secs(ts_ms).div_euclid(SECONDS_PER_DAY)
    }

    /// "14:05".
    pub fn time_of_day(self, ts_ms: i64) -> String {
        let secs = self.local_secs(ts_ms).rem_euclid(SECONDS_PER_DAY);
        format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
    }

    /// "Tuesday 2 December 2025".
    pub fn day_label(self, ts_ms: i64) -> String {
        let offset = FixedOffset::east_opt(self.offset_secs)
            .unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
        DateTime::from_timestamp_millis(ts_ms).map_or_else(
            || "a day out of range".to_owned(),
            |utc| {
                utc.with_timezone(&offset)
                    .format("%A %-d %B %Y")
                    .to_string()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-12-02 23:30:00 UTC, a Tuesday.
    const LATE_TUESDAY: i64 = 1_764_718_200_000;

    #[test]
    fn times_and_days_in_utc() {
        assert_eq!(Clock::UTC.time_of_day(LATE_TUESDAY), "23:30");
        assert_eq!(
            Clock::UTC.day_label(LATE_TUESDAY),
            "Tuesday 2 December 2025"
        );
        assert_eq!(
            Clock::UTC.day(LATE_TUESDAY),
            Clock::UTC.day(LATE_TUESDAY - 3_600_000)
        );
    }

    #[test]
    fn an_offset_moves_the_day_boundary() {
        let paris = Clock { offset_secs: 3600 };
        assert_eq!(paris.time_of_day(LATE_TUESDAY), "00:30");
        assert_eq!(paris.day_label(LATE_TUESDAY), "Wednesday 3 December 2025");
        assert_eq!(paris.day(LATE_TUESDAY), Clock::UTC.day(LATE_TUESDAY) + 1);
    }

    #[test]
    fn times_before_1970_are_still_times() {
        assert_eq!(Clock::UTC.time_of_day(-60_000), "23:59");
    }
}
