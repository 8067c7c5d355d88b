//! Negative controls of the exact-schedule witnesses (issue 9): each makes one defence
//! *stricter* than its rule, which no safety property can see (a longer delay or an earlier
//! lockout only refuses more), and the witness of that rule's exact schedule must then be lost:
//! `model check` reports it `unwitnessed` and exits 1. They are the mutants of `policy.rs` that
//! survived before the witnesses existed (model/README.md, "Mutation adequacy"), put into the
//! policies' data, as [`crate::system::Config::with_bug`]'s misconfigurations are.
//!
//! Not bug switches: a switch removes a defence and breaks an `always` property with a
//! counterexample; a control over-tightens one and leaves every `always` property holding.

use crate::policy::{HOUR, Throttle};
use crate::properties::{names, spec};
use crate::system::{Config, Scenario};
use std::fmt;

/// One defence made stricter than its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stricter {
    /// Gatekeeper waits a day (instead of 30 s) after each of failures 11-29: the mutant that
    /// deletes the `11..=29` arm of `Throttle::delay_after`.
    GatekeeperDayAfterEleven,
    /// The class 3 biometric's timed lockout lasts 31 s instead of 30 s.
    BiometricLockout31s,
    /// Apple waits an hour (instead of 15 min) after the 7th and 8th wrong passcode: the mutant
    /// that deletes the `7 | 8` arm of `Throttle::delay_after`.
    AppleHourAfterSeventh,
    /// Apple requires the passcode after 4 failed matches instead of 5.
    AppleFourMatches,
    /// Apple's biometric closes an hour after the last passcode unlock instead of 48 h: the
    /// mutant `48 * HOUR` -> `48 + HOUR` of `policy::builtin` (shard 13/20).
    AppleHourPrimary,
}

impl Stricter {
    pub const ALL: [Stricter; 5] = [
        Stricter::GatekeeperDayAfterEleven,
        Stricter::BiometricLockout31s,
        Stricter::AppleHourAfterSeventh,
        Stricter::AppleFourMatches,
        Stricter::AppleHourPrimary,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stricter::GatekeeperDayAfterEleven => "gatekeeper-day-after-eleven",
            Stricter::BiometricLockout31s => "biometric-lockout-31s",
            Stricter::AppleHourAfterSeventh => "apple-hour-after-seventh",
            Stricter::AppleFourMatches => "apple-four-matches",
            Stricter::AppleHourPrimary => "apple-hour-primary",
        }
    }

    /// The witness the control must lose.
    pub fn loses(self) -> &'static str {
        match self {
            Stricter::GatekeeperDayAfterEleven => names::PIN_DELAYS_EXACT,
            Stricter::BiometricLockout31s => names::BIO_LOCKOUTS_EXACT,
            Stricter::AppleHourAfterSeventh => names::PASSCODE_DELAYS_EXACT,
            Stricter::AppleFourMatches => names::APPLE_MATCHES_EXACT,
            Stricter::AppleHourPrimary => names::APPLE_BIOMETRIC_OPEN_LATE,
        }
    }

    /// The scenario whose witness it is.
    pub fn scenario(self) -> Scenario {
        match self {
            Stricter::GatekeeperDayAfterEleven | Stricter::BiometricLockout31s => {
                Scenario::StolenPhone
            }
            Stricter::AppleHourAfterSeventh
            | Stricter::AppleFourMatches
            | Stricter::AppleHourPrimary => Scenario::StolenIphone,
        }
    }
}

impl fmt::Display for Stricter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A delay table for failures 1..=`upto` (its last entry repeats): the spec's table with the
/// delay after the failures in `longer` replaced by `secs`.
fn table_with(
    table: &[(u64, u64)],
    upto: u64,
    longer: std::ops::RangeInclusive<u64>,
    secs: u64,
) -> Throttle {
    let delays_secs = (1..=upto)
        .map(|n| {
            if longer.contains(&n) {
                secs
            } else {
                spec::delay(table, n)
            }
        })
        .collect();
    Throttle::Table { delays_secs }
}

/// The spec's delay table for failures 1..=`upto` as a [`Throttle::Table`] (its last entry
/// repeats).
fn exact_table(table: &[(u64, u64)], upto: u64) -> Throttle {
    let delays_secs = (1..=upto).map(|n| spec::delay(table, n)).collect();
    Throttle::Table { delays_secs }
}

impl Config {
    /// The positive control of the table throttle (`Throttle::Table`, the form a user's policy
    /// file gives a delay schedule in): both built-in lock-screen schedules written as tables
    /// from the specification's own rows (gatekeeper's up to the day after 140 failures, Apple's
    /// up to the hour after 9). The check must come out exactly as with the built-in schedules:
    /// every witness of `stolen-phone` and `stolen-iphone` kept, the exact-delay ones included,
    /// and nothing violated. The controls above and `gatekeeper-off-by-one` are the table's
    /// other users, all deliberately wrong; this one is where a wrong table lookup shows.
    pub fn schedules_as_tables(mut self) -> Config {
        if let Some(p) = self.phone_policy.pin.as_mut() {
            p.throttle = exact_table(spec::GATEKEEPER, 140);
        }
        if let Some(p) = self.apple_phone_policy.pin.as_mut() {
            p.throttle = exact_table(spec::APPLE_PASSCODE, 9);
        }
        self
    }

    /// This configuration with one defence made stricter than its rule.
    pub fn stricter(mut self, control: Stricter) -> Config {
        match control {
            Stricter::GatekeeperDayAfterEleven => {
                if let Some(p) = self.phone_policy.pin.as_mut() {
                    p.throttle = table_with(spec::GATEKEEPER, 140, 11..=29, 24 * HOUR);
                }
            }
            Stricter::BiometricLockout31s => {
                if let Some(b) = self.phone_policy.biometric.as_mut() {
                    b.lockout_secs = 31;
                }
            }
            Stricter::AppleHourAfterSeventh => {
                if let Some(p) = self.apple_phone_policy.pin.as_mut() {
                    p.throttle = table_with(spec::APPLE_PASSCODE, 9, 7..=8, HOUR);
                }
            }
            Stricter::AppleFourMatches => {
                if let Some(b) = self.apple_phone_policy.biometric.as_mut() {
                    b.tries_per_round = 4;
                }
            }
            Stricter::AppleHourPrimary => {
                if let Some(b) = self.apple_phone_policy.biometric.as_mut() {
                    b.primary_timeout_secs = Some(HOUR);
                }
            }
        }
        self
    }
}
