//! The phone's biometric sensor: it takes a presentation only when the lockout automaton allows
//! it, and reports match or no match.
//!
//! Android CDD 7.3.10 (Android 14 CDD, C-1-3, C-1-7, C-1-8, C-3-4): after 5 failed tries at least
//! a 30 s lockout; after the timed lockouts (AOSP: 20 failures) or 4 h idle or 72 h since the
//! primary credential, only the lock-screen PIN unlocks. Apple Platform Security: 5 failed
//! matches, then the passcode. The counters are the [`Lockout`] automaton of `policy.rs`; the
//! outcome of one presentation (genuine accept, impostor accept at FAR, spoof accept at SAR) is
//! a nondeterministic choice in the model: the simulator puts the probabilities on it.

use crate::bugs::{Bug, Bugs};
use crate::policy::{Gate, Lockout, Policy};
use serde::Serialize;

/// What the matcher said about one presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Outcome {
    Match,
    NoMatch,
}

/// Does the sensor take a presentation at `now`? The defences can be switched off by bugs: the
/// failure limits (`unlimited-biometric-tries`) or the idle/primary timeouts
/// (`ignore-biometric-timeouts`).
pub fn takes_presentation(lockout: &Lockout, policy: &Policy, now: u64, bugs: Bugs) -> bool {
    let mut seen = *lockout;
    if bugs.has(Bug::UnlimitedBiometricTries) {
        seen.bio_failures = 0;
        seen.bio_locked_until = 0;
    }
    if bugs.has(Bug::IgnoreBiometricTimeouts) {
        seen.last_primary_at = now;
        seen.last_unlock_at = now;
    }
    matches!(seen.gate(policy, now), Gate::Biometric)
}

/// Feed one presentation's outcome to the automaton.
pub fn present(lockout: &mut Lockout, policy: &Policy, now: u64, outcome: Outcome) {
    match outcome {
        Outcome::Match => lockout.biometric_matched(now),
        Outcome::NoMatch => lockout.biometric_failed(policy, now),
    }
}
