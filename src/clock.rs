//! The injectable clock: real time plus an offset tests can move forward (codes and tokens
//! then expire without waiting).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How far the clock may be moved from real time either way: a hundred years, far past any
/// code, token or lockout lifetime, and far from the ends of the millisecond counter.
pub const MAX_OFFSET_SECS: i64 = 100 * 366 * 24 * 3600;

/// A UTC calendar time (proleptic Gregorian), for the few places that write dates out
/// (SRP timestamps, SAML instants, SigV4 dates, domain version stamps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    /// Days since 1970-01-01 (a Thursday).
    pub days: i64,
}

impl Utc {
    /// The calendar time of Unix seconds (Howard Hinnant's civil_from_days, public domain).
    pub fn of(epoch_secs: i64) -> Utc {
        let days = epoch_secs.div_euclid(86_400);
        let rem = epoch_secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Utc {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
            days,
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A move that would take the clock more than [`MAX_OFFSET_SECS`] from real time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRangeError;

#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Milliseconds since the epoch.
    pub fn now_millis(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Whole seconds since the epoch (JWT `iat`, `exp`).
    pub fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Seconds since the epoch with milliseconds, as Cognito's timestamps on the wire.
    pub fn now_epoch(&self) -> f64 {
        self.now_millis() as f64 / 1000.0
    }

    /// Moves time forward (or back) by `secs`, within [`MAX_OFFSET_SECS`] of real time.
    pub fn advance(&self, secs: i64) {
        let _ = self.try_advance(secs);
    }

    /// Moves time by `secs` unless the offset from real time would pass
    /// [`MAX_OFFSET_SECS`] either way (then nothing moves); the new offset in seconds.
    pub fn try_advance(&self, secs: i64) -> Result<i64, ClockRangeError> {
        let step = secs.checked_mul(1000).ok_or(ClockRangeError)?;
        let limit = MAX_OFFSET_SECS * 1000;
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                now.checked_add(step).filter(|o| o.abs() <= limit)
            })
            .map(|old| (old + step) / 1000)
            .map_err(|_| ClockRangeError)
    }

    /// The current offset from real time, in seconds.
    pub fn offset_secs(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::{Utc, days_from_civil};

    #[test]
    fn civil_dates_round_trip_across_leap_days_and_the_epoch() {
        // 2000-02-29T12:34:56Z, a leap day in a 400-year leap year.
        let t = Utc::of(951_827_696);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2000, 2, 29, 12, 34, 56)
        );
        let before = Utc::of(-1);
        assert_eq!(
            (before.year, before.month, before.day, before.hour),
            (1969, 12, 31, 23)
        );
        for secs in [0, 86_399, 951_782_400, 4_102_444_800, -86_400 * 365] {
            let t = Utc::of(secs);
            let back = days_from_civil(t.year, t.month, t.day) * 86_400
                + t.hour * 3600
                + t.minute * 60
                + t.second;
            assert_eq!(back, secs);
        }
    }

    use super::*;

    #[test]
    fn moves_are_bounded_and_never_wrap() {
        let clock = Clock::default();
        assert_eq!(clock.try_advance(3600), Ok(3600));
        assert_eq!(clock.try_advance(i64::MAX), Err(ClockRangeError));
        assert_eq!(clock.try_advance(i64::MIN), Err(ClockRangeError));
        assert_eq!(clock.try_advance(MAX_OFFSET_SECS), Err(ClockRangeError));
        assert_eq!(clock.offset_secs(), 3600);
        assert_eq!(
            clock.try_advance(-3600 - MAX_OFFSET_SECS),
            Ok(-MAX_OFFSET_SECS)
        );
        assert!(clock.now_secs() < 0);
        clock.advance(i64::MAX);
        assert_eq!(clock.offset_secs(), -MAX_OFFSET_SECS);
    }
}
