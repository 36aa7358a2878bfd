//! Rate limits on the actions an abuser repeats: password guesses and messages.
//!
//! Each limit is a token bucket per key (generic cell rate algorithm, from `governor`).
//! Password attempts are limited per address and per account, so neither one machine trying
//! many accounts nor many machines trying one account gets far; a refused attempt costs no
//! hashing. Messages are limited per user, so one flooding user is refused at the door and
//! never reaches the store or the other members' queues.
//!
//! Keys of idle buckets are dropped every minute, which bounds the memory to the keys used
//! recently; the per-address limit, checked first, bounds how many account names one
//! address can make the server remember.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use chat_proto::{ErrorCode, ErrorReply, UserName};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::Limits;

/// How often idle buckets are forgotten.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

pub struct RateLimits {
    logins_by_address: DefaultKeyedRateLimiter<IpAddr>,
    logins_by_account: DefaultKeyedRateLimiter<UserName>,
    messages_by_user: DefaultKeyedRateLimiter<UserName>,
    clock: DefaultClock,
}

fn nonzero(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    pub fn new(limits: &Limits) -> Self {
        let per_minute = |n: u32| Quota::per_minute(nonzero(n)).allow_burst(nonzero(n));
        let messages = Quota::per_second(nonzero(limits.messages_per_second))
            .allow_burst(nonzero(limits.message_burst));
        Self {
            logins_by_address: DefaultKeyedRateLimiter::keyed(per_minute(
                limits.logins_per_minute_per_address,
            )),
            logins_by_account: DefaultKeyedRateLimiter::keyed(per_minute(
                limits.logins_per_minute_per_account,
            )),
            messages_by_user: DefaultKeyedRateLimiter::keyed(messages),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a password attempt (a login or a registration) from `address` for `account`.
    pub fn password_attempt(&self, address: IpAddr, account: &UserName) -> Result<(), ErrorReply> {
        self.check(&self.logins_by_address, &address)?;
        self.check(&self.logins_by_account, account)
    }

    /// Counts a message sent by `user`.
    pub fn message(&self, user: &UserName) -> Result<(), ErrorReply> {
        self.check(&self.messages_by_user, user)
    }

    fn check<K: Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), ErrorReply> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let retry_after_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
            ErrorCode::RateLimited { retry_after_ms }.into()
        })
    }

    /// Forgets buckets that have refilled, so that memory follows recent use only.
    pub fn sweep(&self) {
        for limiter in [&self.logins_by_account, &self.messages_by_user] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.logins_by_address.retain_recent();
        self.logins_by_address.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32) -> Limits {
        Limits {
            logins_per_minute_per_address: per_minute,
            logins_per_minute_per_account: per_minute,
            ..Limits::default()
        }
    }

    #[test]
    fn password_attempts_past_the_quota_are_refused_with_a_wait() {
        let rate = RateLimits::new(&limits(3));
        let alice = UserName::new("alice").unwrap();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            rate.password_attempt(address, &alice).unwrap();
        }
        let refused = rate.password_attempt(address, &alice).unwrap_err();
        let ErrorCode::RateLimited { retry_after_ms } = refused.code else {
            panic!("expected a rate limit, got {refused:?}")
        };
        assert!(
            retry_after_ms > 0 && retry_after_ms <= 20_000,
            "{retry_after_ms}"
        );
        assert!(
            refused.message.contains("try again in"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn one_account_under_attack_does_not_lock_out_another() {
        let rate = RateLimits::new(&limits(2));
        let alice = UserName::new("alice").unwrap();
        let bob = UserName::new("bob").unwrap();
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let elsewhere: IpAddr = "192.0.2.2".parse().unwrap();
        rate.password_attempt(attacker, &alice).unwrap();
        rate.password_attempt(attacker, &alice).unwrap();
        assert!(
            rate.password_attempt(elsewhere, &alice).is_err(),
            "the account is limited"
        );
        assert!(
            rate.password_attempt(elsewhere, &bob).is_ok(),
            "others are not"
        );
        assert!(
            rate.password_attempt(attacker, &bob).is_err(),
            "the address is limited"
        );
    }
}
