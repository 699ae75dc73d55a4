//! The injectable clock: real time plus an offset tests can move forward (codes and tokens
//! then expire without waiting).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How far the clock may be moved from real time either way: a hundred years, far past any
/// code, token or lockout lifetime, and far from the ends of the millisecond counter.
pub const MAX_OFFSET_SECS: i64 = 100 * 366 * 24 * 3600;

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
