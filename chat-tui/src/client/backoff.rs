//! Delays between reconnect attempts.

use std::time::Duration;

/// The first delay; short, because most drops are momentary.
const FIRST: Duration = Duration::from_millis(100);

/// The longest delay, so that a client notices a returning server within seconds.
const CAP: Duration = Duration::from_secs(10);

/// Exponential backoff with jitter.
///
/// Each delay is drawn between half and all of a ceiling that doubles from [`FIRST`] up to
/// [`CAP`]. The jitter spreads the reconnects of many clients after a server restart, so
/// that they do not all knock at the same instant.
#[derive(Debug)]
pub struct Backoff {
    ceiling: Duration,
}

impl Backoff {
    pub fn new() -> Self {
        Self { ceiling: FIRST }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling;
        self.ceiling = (ceiling * 2).min(CAP);
        let half = ceiling / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_with_jitter() {
        let mut backoff = Backoff::new();
        let mut ceiling = FIRST;
        for _ in 0..20 {
            let delay = backoff.next_delay();
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{delay:?} vs {ceiling:?}"
            );
            ceiling = (ceiling * 2).min(CAP);
        }
        assert_eq!(ceiling, CAP);
    }
}
