//! Unlock policies and the lockout automaton they define.
//!
//! A [`Policy`] says how a secret (the card's user-auth PIN, or a phone's biometric unlock with a
//! lock-screen PIN behind it) may be tried: how good the biometric matcher is (FAR, SAR), how many
//! failures lead to a timed or a permanent lockout, and how fast the fallback PIN may be guessed.
//!
//! [`Lockout`] is the automaton those rules define. The protocol model drives it from its
//! biometric sensor and authenticator actors (with the abstract clock scaled to seconds), and
//! [`budget`] drives it with a greedy attacker to count how many attempts each stage allows within a
//! time window; the simulator takes its attempt budgets from there. One automaton, two uses: the
//! budget is exactly what the checked model permits.
//!
//! Figures and their sources (DESIGN.md §6):
//! - JPKI user-auth PIN: 4 digits, 3 tries, then locked until an in-person reset (J-LIS).
//! - Android CDD 7.3.10 (Android 14 CDD): class 3 biometrics have SAR <= 7% and FAR <= 1/50,000;
//!   at least a 30 s lockout after 5 failed tries; the primary credential is required again after
//!   72 h (class 3) and after 4 h idle. AOSP `BiometricService`/`FingerprintService` lock out
//!   permanently (until the primary credential) after 20 failures, i.e. after 3 timed lockouts.
//! - AOSP gatekeeper `ComputeRetryTimeout`: lock-screen PIN delays (see [`Throttle::Gatekeeper`]).
//! - Apple Platform Security guide (2024): Touch ID FAR 1/50,000, Face ID FAR 1/1,000,000; 5 failed
//!   matches require the passcode; the passcode is required after 48 h; passcode delays 5: 1 min,
//!   6: 5 min, 7-8: 15 min, 9+: 1 h. Apple publishes no spoof acceptance rate: the built-in Apple
//!   policies assume the CDD class 3 ceiling (7%).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Seconds in an hour.
pub const HOUR: u64 = 3600;

/// A policy: an optional biometric stage followed by an optional PIN stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Short name, used on the command line (`card-pin`, `android-class3`, ...).
    pub name: String,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
    /// Biometric unlock, tried first.
    #[serde(default)]
    pub biometric: Option<BiometricStage>,
    /// The PIN (the card's PIN, or the phone's lock-screen PIN behind the biometric).
    #[serde(default)]
    pub pin: Option<PinStage>,
}

/// The biometric stage of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiometricStage {
    /// False accept rate: probability that one presentation by a zero-effort impostor matches.
    pub far: f64,
    /// Spoof acceptance rate: probability that one presentation of a spoof artefact matches.
    pub sar: f64,
    /// Failed presentations before a timed lockout (or, with `timed_lockouts = 0`, before the PIN
    /// is required).
    pub tries_per_round: u32,
    /// Length of each timed lockout, in seconds.
    pub lockout_secs: u64,
    /// Timed lockouts allowed before the biometric is disabled until the primary credential is
    /// used. Apple: 0 (5 failures, then the passcode). AOSP: 3 (20 failures in all).
    pub timed_lockouts: u32,
    /// The biometric is refused this long after the last primary-credential unlock (72 h for
    /// Android class 3, 48 h for Apple).
    #[serde(default)]
    pub primary_timeout_secs: Option<u64>,
    /// The biometric is refused after this long without a successful unlock (4 h).
    #[serde(default)]
    pub idle_timeout_secs: Option<u64>,
}

impl BiometricStage {
    /// Failed presentations before the biometric stage is closed for good.
    pub fn max_failures(&self) -> u64 {
        u64::from(self.tries_per_round) * (u64::from(self.timed_lockouts) + 1)
    }
}

/// The PIN stage of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinStage {
    /// Number of decimal digits: the PIN space has `10^digits` values.
    pub digits: u32,
    /// Wrong guesses ever before the secret locks for good (the card: 3). `None`: no limit, only
    /// the throttle.
    #[serde(default)]
    pub max_tries: Option<u32>,
    /// Delays between wrong guesses.
    #[serde(default)]
    pub throttle: Throttle,
}

impl PinStage {
    /// Size of the PIN space, `10^digits`.
    pub fn space(&self) -> u64 {
        10u64.saturating_pow(self.digits)
    }
}

/// The delay enforced after the n-th consecutive wrong PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", tag = "kind", deny_unknown_fields)]
pub enum Throttle {
    /// No delay (the card counts tries instead).
    #[default]
    None,
    /// AOSP gatekeeper `ComputeRetryTimeout`: 30 s after the 5th and 10th failure, 30 s after each
    /// of failures 11-29, then `30 s << ((n - 30) / 10)` for n in 30..140, then one day.
    Gatekeeper,
    /// Apple Platform Security: 1 min after the 5th, 5 min after the 6th, 15 min after the 7th and
    /// 8th, 1 h after the 9th and every later failure (the optional erase at 10 is off).
    Apple,
    /// Custom: `delays_secs[n - 1]` after the n-th failure; the last entry repeats.
    Table { delays_secs: Vec<u64> },
}

/// Gatekeeper's base timeout, `failure_timeout_ms` in AOSP gatekeeper.cpp.
const GATEKEEPER_BASE_SECS: u64 = 30;
/// Gatekeeper's cap: a day after 140 failures.
const DAY_SECS: u64 = 24 * HOUR;

impl Throttle {
    /// Delay in seconds before the next guess, after `n` consecutive failures (`n >= 1`).
    pub fn delay_after(&self, n: u64) -> u64 {
        match self {
            Throttle::None => 0,
            Throttle::Gatekeeper => match n {
                0 => 0,
                1..=10 if n.is_multiple_of(5) => GATEKEEPER_BASE_SECS,
                1..=10 => 0,
                11..=29 => GATEKEEPER_BASE_SECS,
                30..=139 => GATEKEEPER_BASE_SECS << ((n - 30) / 10),
                _ => DAY_SECS,
            },
            Throttle::Apple => match n {
                0..=4 => 0,
                5 => 60,
                6 => 5 * 60,
                7 | 8 => 15 * 60,
                _ => HOUR,
            },
            Throttle::Table { delays_secs } => match (n, delays_secs.last()) {
                (0, _) | (_, None) => 0,
                (n, Some(last)) => {
                    let i = usize::try_from(n - 1).unwrap_or(usize::MAX);
                    delays_secs.get(i).copied().unwrap_or(*last)
                }
            },
        }
    }

    /// If the delay is the same constant `d` after every failure from the `n`-th on, `Some(d)`.
    fn steady_from(&self, n: u64) -> Option<u64> {
        let from = match self {
            Throttle::None => 0,
            Throttle::Gatekeeper => 140,
            Throttle::Apple => 9,
            Throttle::Table { delays_secs } => delays_secs.len().max(1) as u64,
        };
        (n >= from.max(1)).then(|| self.delay_after(n))
    }
}

/// A policy that cannot be used, with the key and the value at fault.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PolicyError {
    #[error("policy `{policy}`: `{key}` = {value} is not a probability in [0, 1]")]
    NotAProbability {
        policy: String,
        key: &'static str,
        value: f64,
    },
    #[error("policy `{policy}`: `{key}` = {value} must be at least 1")]
    Zero {
        policy: String,
        key: &'static str,
        value: u64,
    },
    #[error("policy `{policy}`: `pin_digits` = {value} is outside 1..=18")]
    Digits { policy: String, value: u32 },
    #[error("policy `{policy}` has neither a biometric nor a PIN stage")]
    Empty { policy: String },
}

impl Policy {
    /// Check that every figure is in range.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let policy = || self.name.clone();
        if self.biometric.is_none() && self.pin.is_none() {
            return Err(PolicyError::Empty { policy: policy() });
        }
        if let Some(b) = &self.biometric {
            for (key, value) in [("far", b.far), ("sar", b.sar)] {
                if !(0.0..=1.0).contains(&value) {
                    return Err(PolicyError::NotAProbability {
                        policy: policy(),
                        key,
                        value,
                    });
                }
            }
            if b.tries_per_round == 0 {
                return Err(PolicyError::Zero {
                    policy: policy(),
                    key: "bio_tries",
                    value: 0,
                });
            }
        }
        if let Some(p) = &self.pin {
            if !(1..=18).contains(&p.digits) {
                return Err(PolicyError::Digits {
                    policy: policy(),
                    value: p.digits,
                });
            }
            if p.max_tries == Some(0) {
                return Err(PolicyError::Zero {
                    policy: policy(),
                    key: "pin_tries",
                    value: 0,
                });
            }
        }
        Ok(())
    }
}

/// What the automaton allows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Gate {
    /// A biometric presentation is accepted for matching now.
    Biometric,
    /// The biometric is in a timed lockout until the given time; the PIN may be open meanwhile.
    BiometricUntil(u64),
    /// Only the PIN is possible (the biometric is closed until the primary credential is used).
    Pin,
    /// The PIN is throttled until the given time.
    PinUntil(u64),
    /// Nothing unlocks: the PIN stage is exhausted (the card is blocked) or absent.
    Locked,
}

/// The lockout automaton of one policy: the counters a device or card keeps.
///
/// Times are in seconds on the caller's clock. The state is small and hashable so that the model
/// checker can hold it in its states.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Lockout {
    /// Failed presentations since the last successful unlock.
    pub bio_failures: u64,
    /// End of the current timed biometric lockout.
    pub bio_locked_until: u64,
    /// Consecutive wrong PINs (for a card: wrong PINs ever, until an in-person reset).
    pub pin_failures: u64,
    /// Earliest time of the next PIN guess.
    pub pin_next_at: u64,
    /// Time of the last unlock with the primary credential (the PIN).
    pub last_primary_at: u64,
    /// Time of the last successful unlock of any kind.
    pub last_unlock_at: u64,
}

impl Lockout {
    /// A fresh automaton whose owner last unlocked with the primary credential at `now`.
    pub fn new(now: u64) -> Self {
        Lockout {
            last_primary_at: now,
            last_unlock_at: now,
            ..Lockout::default()
        }
    }

    /// Is a biometric presentation possible at `now` (ignoring a running timed lockout)?
    fn biometric_open(&self, b: &BiometricStage, now: u64) -> bool {
        let expired =
            |since: u64, limit: Option<u64>| limit.is_some_and(|l| now.saturating_sub(since) >= l);
        self.bio_failures < b.max_failures()
            && !expired(self.last_primary_at, b.primary_timeout_secs)
            && !expired(self.last_unlock_at, b.idle_timeout_secs)
    }

    /// What may be tried at `now`.
    pub fn gate(&self, policy: &Policy, now: u64) -> Gate {
        if let Some(b) = &policy.biometric
            && self.biometric_open(b, now)
        {
            return if now < self.bio_locked_until {
                Gate::BiometricUntil(self.bio_locked_until)
            } else {
                Gate::Biometric
            };
        }
        self.pin_gate(policy, now)
    }

    /// What the PIN stage allows at `now`, whatever the biometric stage says.
    pub fn pin_gate(&self, policy: &Policy, now: u64) -> Gate {
        match &policy.pin {
            None => Gate::Locked,
            Some(p)
                if p.max_tries
                    .is_some_and(|m| self.pin_failures >= u64::from(m)) =>
            {
                Gate::Locked
            }
            Some(_) if now < self.pin_next_at => Gate::PinUntil(self.pin_next_at),
            Some(_) => Gate::Pin,
        }
    }

    /// A presentation did not match at `now`.
    pub fn biometric_failed(&mut self, policy: &Policy, now: u64) {
        if let Some(b) = &policy.biometric {
            self.bio_failures += 1;
            if self
                .bio_failures
                .is_multiple_of(u64::from(b.tries_per_round))
            {
                self.bio_locked_until = now.saturating_add(b.lockout_secs);
            }
        }
    }

    /// A presentation matched at `now`: the failure count resets (AOSP resets it on success).
    pub fn biometric_matched(&mut self, now: u64) {
        self.bio_failures = 0;
        self.bio_locked_until = 0;
        self.last_unlock_at = now;
    }

    /// A wrong PIN at `now`.
    pub fn pin_failed(&mut self, policy: &Policy, now: u64) {
        if let Some(p) = &policy.pin {
            self.pin_failures += 1;
            self.pin_next_at = now.saturating_add(p.throttle.delay_after(self.pin_failures));
        }
    }

    /// The right PIN at `now`: the primary credential resets every counter. (A card's counter is
    /// also reset by a right PIN; only exhausting it blocks the card.)
    pub fn pin_accepted(&mut self, now: u64) {
        *self = Lockout::new(now);
    }
}

/// How many attempts each stage of a policy allows a greedy attacker within a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// The policy's name.
    pub policy: String,
    /// The window in seconds; attempts that start strictly before its end count.
    pub window_secs: u64,
    /// Biometric presentations (`None`: the policy has no biometric stage).
    pub biometric_presentations: Option<u64>,
    /// PIN guesses (`None`: no PIN stage). Capped at the PIN space: a guesser who never repeats
    /// needs no more.
    pub pin_guesses: Option<u64>,
    /// Size of the PIN space (`None`: no PIN stage).
    pub pin_space: Option<u64>,
    /// Why each stage stopped: `"window"`, `"lockout"` (closed for good), or `"space"` (every PIN
    /// tried).
    pub biometric_limit: Option<String>,
    pub pin_limit: Option<String>,
}

/// Count the attempts of an attacker who holds the device from time 0 (just after the owner's
/// last primary-credential unlock, the attacker's best case), never succeeds, and tries each
/// stage as soon as the automaton allows, for `window_secs` seconds. Attempts take no time.
///
/// The two stages keep separate counters, so the attacker can guess PINs during a biometric
/// lockout: each stage's count is its own maximum over the window.
pub fn budget(policy: &Policy, window_secs: u64) -> Budget {
    let mut out = Budget {
        policy: policy.name.clone(),
        window_secs,
        biometric_presentations: None,
        pin_guesses: None,
        pin_space: policy.pin.as_ref().map(PinStage::space),
        biometric_limit: None,
        pin_limit: None,
    };
    if policy.biometric.is_some() {
        let (n, why) = count_biometric(policy, window_secs);
        out.biometric_presentations = Some(n);
        out.biometric_limit = Some(why.to_string());
    }
    if let Some(p) = &policy.pin {
        let (n, why) = count_pin(policy, p, window_secs);
        out.pin_guesses = Some(n);
        out.pin_limit = Some(why.to_string());
    }
    out
}

/// A window of `hours` hours in whole seconds, for [`budget`]: exactly the attempts that start
/// strictly before the window's end count. Attempts happen at whole seconds (every delay and
/// lockout is a whole number of seconds, the attacker starts at 0), and one at time `t` starts
/// before the end if and only if `t < 3600 h`, i.e. `t < ceil(3600 h)`: so the window is
/// `ceil(3600 h)` seconds (0.5 s: 1 s, the attempt at 0 counts; 30.24 s: 31 s, the one at 30
/// counts). The product is taken exactly, on the decimal that `hours` prints as (the shortest one
/// that reads back as the same `f64`, i.e. what was written): 0.07 h is 252 s, not the 253 that
/// `ceil(0.07 * 3600.0)` gives from the binary product 252.00000000000003. `None` if `hours` is
/// negative, not finite or above 10^12.
pub fn window_secs(hours: f64) -> Option<u64> {
    if !(hours.is_finite() && (0.0..=1e12).contains(&hours)) {
        return None;
    }
    if hours == 0.0 {
        return Some(0);
    }
    // `Display` of an f64 is the shortest round-trip decimal, never in exponent notation.
    let text = hours.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = int.parse::<u64>().ok()?.checked_mul(HOUR)?;
    let places = frac.len();
    let digits = frac.trim_start_matches('0');
    if digits.is_empty() {
        return Some(whole);
    }
    // The fraction is F / 10^places, F < 10^places with at most 17 significant digits.
    let f: u128 = digits.parse().ok()?;
    let up = if places <= 30 {
        (f * u128::from(HOUR)).div_ceil(10u128.pow(places as u32))
    } else {
        // F * 3600 < 10^17 * 3600 < 10^places: a positive fraction of a second.
        1
    };
    whole.checked_add(u64::try_from(up).ok()?)
}

fn count_biometric(policy: &Policy, window: u64) -> (u64, &'static str) {
    let mut state = Lockout::new(0);
    let mut now = 0;
    let mut n = 0;
    while now < window {
        match state.gate(policy, now) {
            Gate::Biometric => {
                state.biometric_failed(policy, now);
                n += 1;
            }
            Gate::BiometricUntil(t) => now = t,
            // Closed for good: the limits are failure counts and timeouts since time 0.
            _ => return (n, "lockout"),
        }
    }
    (n, "window")
}

fn count_pin(policy: &Policy, pin: &PinStage, window: u64) -> (u64, &'static str) {
    let space = pin.space();
    let mut state = Lockout::new(0);
    let mut now = 0;
    let mut n = 0;
    while now < window {
        if n >= space {
            return (n, "space");
        }
        match state.pin_gate(policy, now) {
            Gate::Pin => {
                // Past the last step of the schedule the delay is constant: count in one go.
                if let Some(d) = pin.throttle.steady_from(state.pin_failures + 1) {
                    let by_window = match (window - now - 1).checked_div(d) {
                        Some(q) => q.saturating_add(1),
                        None => u64::MAX,
                    };
                    let by_tries = pin.max_tries.map_or(u64::MAX, |m| {
                        u64::from(m).saturating_sub(state.pin_failures)
                    });
                    let total = n.saturating_add(by_window.min(by_tries));
                    return if total >= space {
                        (space, "space")
                    } else if by_tries <= by_window {
                        (total, "lockout")
                    } else {
                        (total, "window")
                    };
                }
                state.pin_failed(policy, now);
                n += 1;
            }
            Gate::PinUntil(t) => now = t,
            _ => return (n, "lockout"),
        }
    }
    (n, "window")
}

/// The built-in policies, with the figures of DESIGN.md §6.
pub fn builtin() -> Vec<Policy> {
    let class3_bio = BiometricStage {
        far: 1.0 / 50_000.0,
        sar: 0.07,
        tries_per_round: 5,
        lockout_secs: 30,
        timed_lockouts: 3,
        primary_timeout_secs: Some(72 * HOUR),
        idle_timeout_secs: Some(4 * HOUR),
    };
    let apple_bio = |far: f64| BiometricStage {
        far,
        sar: 0.07,
        tries_per_round: 5,
        lockout_secs: 0,
        timed_lockouts: 0,
        primary_timeout_secs: Some(48 * HOUR),
        idle_timeout_secs: Some(4 * HOUR),
    };
    let android_pin = PinStage {
        digits: 4,
        max_tries: None,
        throttle: Throttle::Gatekeeper,
    };
    let apple_pin = PinStage {
        digits: 6,
        max_tries: None,
        throttle: Throttle::Apple,
    };
    vec![
        Policy {
            name: "card-pin".into(),
            source: "J-LIS: JPKI user-auth PIN, 4 digits, locked after 3 wrong tries".into(),
            biometric: None,
            pin: Some(PinStage {
                digits: 4,
                max_tries: Some(3),
                throttle: Throttle::None,
            }),
        },
        Policy {
            name: "jpki-signing".into(),
            source: "J-LIS: JPKI signing password, 6-16 alphanumerics, locked after 5 wrong \
                     tries; the PIN space here is 10^6, a lower bound (6 digits) of the real one"
                .into(),
            biometric: None,
            pin: Some(PinStage {
                digits: 6,
                max_tries: Some(5),
                throttle: Throttle::None,
            }),
        },
        Policy {
            name: "android-class3".into(),
            source: "Android CDD 7.3.10 class 3 (FAR 1/50,000, SAR 7%, 30 s after 5 failures, \
                     72 h primary, 4 h idle); AOSP 20-failure permanent lockout; gatekeeper PIN"
                .into(),
            biometric: Some(class3_bio),
            pin: Some(android_pin),
        },
        Policy {
            name: "touch-id".into(),
            source: "Apple Platform Security: Touch ID FAR 1/50,000, passcode after 5 failed \
                     matches, 6-digit passcode with escalating delays; SAR assumed 7% (CDD class 3)"
                .into(),
            biometric: Some(apple_bio(1.0 / 50_000.0)),
            pin: Some(apple_pin.clone()),
        },
        Policy {
            name: "face-id".into(),
            source: "Apple Platform Security: Face ID FAR 1/1,000,000, passcode after 5 failed \
                     matches, 6-digit passcode with escalating delays; SAR assumed 7% (CDD class 3)"
                .into(),
            biometric: Some(apple_bio(1.0 / 1_000_000.0)),
            pin: Some(apple_pin),
        },
    ]
}

/// A built-in policy by name.
pub fn builtin_named(name: &str) -> Option<Policy> {
    builtin().into_iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Policy {
        builtin_named(name).expect("built-in policy exists")
    }

    #[test]
    fn builtins_validate() {
        for p in builtin() {
            assert_eq!(p.validate(), Ok(()), "{}", p.name);
        }
    }

    /// The signing password allows 5 guesses ever (J-LIS).
    #[test]
    fn signing_password_allows_five_guesses_ever() {
        let b = budget(&named("jpki-signing"), 24 * 365 * HOUR);
        assert_eq!(b.pin_guesses, Some(5));
        assert_eq!(b.pin_limit.as_deref(), Some("lockout"));
    }

    /// The card allows 3 guesses ever, whatever the window (J-LIS).
    #[test]
    fn card_pin_allows_three_guesses_ever() {
        for hours in [1, 72, 24 * 365] {
            let b = budget(&named("card-pin"), hours * HOUR);
            assert_eq!(b.pin_guesses, Some(3));
            assert_eq!(b.pin_limit.as_deref(), Some("lockout"));
            assert_eq!(b.biometric_presentations, None);
        }
        assert_eq!(budget(&named("card-pin"), 0).pin_guesses, Some(0));
    }

    /// Android class 3: 5 presentations at t = 0, a 30 s lockout, 5 at t = 30, 5 at t = 60, 5 at
    /// t = 90, then the permanent lockout at 20 failures. In a 30 s window only the first 5 fit; in
    /// 60 s, 10; from 91 s on, all 20.
    #[test]
    fn android_class3_biometric_rounds() {
        let p = named("android-class3");
        let bio = |secs| budget(&p, secs).biometric_presentations;
        assert_eq!(bio(1), Some(5));
        assert_eq!(bio(30), Some(5));
        assert_eq!(bio(31), Some(10));
        assert_eq!(bio(60), Some(10));
        assert_eq!(bio(91), Some(20));
        assert_eq!(bio(72 * HOUR), Some(20));
    }

    /// Gatekeeper by hand (delay after failure f, summed to get the start time T(n) of guess n):
    /// f = 5, 10: 30 s; 11..=29: 30 s each (570); 30..=39: 30 s (300); 40..=49: 60 s (600);
    /// 50..=59: 120 s (1200), so T(60) = 60 + 570 + 300 + 600 + 1200 = 2730. Then 240 s each:
    /// T(63) = 2730 + 3 * 240 = 3450 < 3600 <= T(64) = 3690: 63 guesses in 1 h.
    /// 60..=69 add 2400 (T(70) = 5130), 70..=79 4800, 80..=89 9600, 90..=99 19200, 100..=109 38400:
    /// T(110) = 77130; 7680 s each after that: T(111) = 84810 < 86400 <= T(112): 111 in 24 h.
    /// 110..=119 add 76800 (T(120) = 153930); 15360 s each: T(126) = 153930 + 6 * 15360 = 246090
    /// < 259200 <= T(127) = 261450: 126 in 72 h. These are DESIGN.md §6's 63 / 111 / 126.
    #[test]
    fn gatekeeper_guesses_per_window() {
        let p = named("android-class3");
        let pin = |h| budget(&p, h * HOUR).pin_guesses;
        assert_eq!(pin(1), Some(63));
        assert_eq!(pin(24), Some(111));
        assert_eq!(pin(72), Some(126));
    }

    /// Apple by hand: guesses 1-5 at t = 0; 1 min, 5 min, 15 min, 15 min delays put guesses 6..9
    /// at 60, 360, 1260, 2160 s; then 1 h each: guess 10 at 5760 s. In 1 h: 9 guesses. In 72 h
    /// (259200 s): 9 + floor((259200 - 1 - 5760) / 3600) + 1 = 9 + 70 + 1 = 80.
    #[test]
    fn apple_passcode_guesses_per_window() {
        let p = named("touch-id");
        assert_eq!(budget(&p, HOUR).pin_guesses, Some(9));
        assert_eq!(budget(&p, 72 * HOUR).pin_guesses, Some(80));
        assert_eq!(budget(&p, HOUR).biometric_presentations, Some(5));
    }

    /// Past the 4 h idle timeout nothing changes for a greedy attacker (20 tries take 90 s), but a
    /// zero-length idle timeout closes the biometric at once: the timers are really consulted.
    #[test]
    fn idle_timeout_closes_biometric() {
        let mut p = named("android-class3");
        if let Some(b) = p.biometric.as_mut() {
            b.idle_timeout_secs = Some(45);
        }
        // 5 at t = 0 and 5 at t = 30; at t = 60 the 45 s idle timeout has passed.
        assert_eq!(budget(&p, HOUR).biometric_presentations, Some(10));
    }

    #[test]
    fn unthrottled_pin_is_capped_by_the_space() {
        let p = Policy {
            name: "open".into(),
            source: String::new(),
            biometric: None,
            pin: Some(PinStage {
                digits: 4,
                max_tries: None,
                throttle: Throttle::None,
            }),
        };
        let b = budget(&p, HOUR);
        assert_eq!(b.pin_guesses, Some(10_000));
        assert_eq!(b.pin_limit.as_deref(), Some("space"));
    }

    #[test]
    fn validation_names_the_key() {
        let mut p = named("touch-id");
        if let Some(b) = p.biometric.as_mut() {
            b.sar = 1.5;
        }
        let e = p.validate().expect_err("sar 1.5 is invalid").to_string();
        assert!(e.contains("sar") && e.contains("1.5"), "{e}");
    }

    /// Attempts that start strictly before the window's end count: a window below a second
    /// still holds the attempt at 0, 30.24 s holds the one at 30 s, 30 s does not. Decimal
    /// products are exact: 0.07 h = 252 s (0.07 * 3600 = 252), 0.1 h = 360 s.
    #[test]
    fn window_rounding_is_exact() {
        assert_eq!(window_secs(0.0), Some(0));
        assert_eq!(window_secs(0.1 / 3600.0), Some(1));
        assert_eq!(window_secs(0.0084), Some(31)); // 30.24 s
        assert_eq!(window_secs(30.0 / 3600.0), Some(30)); // 1/120 h prints as 0.008333333333333333
        assert_eq!(window_secs(0.07), Some(252));
        assert_eq!(window_secs(0.1), Some(360));
        assert_eq!(window_secs(72.0), Some(259_200));
        assert_eq!(window_secs(1e-300), Some(1));
        assert_eq!(window_secs(-1.0), None);
        assert_eq!(window_secs(f64::NAN), None);
        // Negative control: the binary product rounds 0.07 h up to 253 s.
        assert_eq!((0.07f64 * 3600.0).ceil(), 253.0);
        let p = named("android-class3");
        // 5 presentations at t = 0, the next 5 at t = 30 s.
        assert_eq!(
            budget(&p, window_secs(0.5 / 3600.0).unwrap_or(0)).biometric_presentations,
            Some(5)
        );
        assert_eq!(
            budget(&p, window_secs(0.0084).unwrap_or(0)).biometric_presentations,
            Some(10)
        );
        assert_eq!(
            budget(&p, window_secs(30.0 / 3600.0).unwrap_or(0)).biometric_presentations,
            Some(5)
        );
    }

    #[test]
    fn right_pin_resets_the_counters() {
        let p = named("card-pin");
        let mut s = Lockout::new(0);
        s.pin_failed(&p, 0);
        s.pin_failed(&p, 0);
        s.pin_accepted(0);
        s.pin_failed(&p, 0);
        s.pin_failed(&p, 0);
        assert_eq!(s.gate(&p, 0), Gate::Pin);
        s.pin_failed(&p, 0);
        assert_eq!(s.gate(&p, 0), Gate::Locked);
    }
}
