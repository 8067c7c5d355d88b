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
    if bugs.has(Bug::PrimaryTimerFromLastBiometric) {
        // The primary timer measured from the last unlock of any kind.
        seen.last_primary_at = seen.last_primary_at.max(seen.last_unlock_at);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{HOUR, builtin_named};
    use crate::properties::{BioSpec, spec};

    /// The sensor follows the automaton; the observer's restatement of CDD 7.3.10 agrees with it
    /// on every reachable history of failures and waits (a cross-check of two independent
    /// readings of the same rules).
    #[test]
    fn sensor_and_observer_agree() {
        let p = builtin_named("android-class3").expect("built-in");
        let rule = spec::bio_rule(&p.name).expect("a table for the built-in policy");
        let times = [0, 29, 30, 60, 90, 4 * HOUR - 1, 4 * HOUR, 72 * HOUR];
        // Walk failures and waits in every order over a few time steps (up to 20 failures).
        let mut stack = vec![(Lockout::new(0), BioSpec::default(), 0usize, 0u32)];
        let mut most = 0;
        while let Some((lockout, spec, t, depth)) = stack.pop() {
            let now = times[t];
            let sensor = takes_presentation(&lockout, &p, now, Bugs::NONE);
            most = most.max(lockout.bio_failures);
            assert_eq!(
                sensor,
                spec.allows(&rule, now),
                "{lockout:?} {spec:?} at {now}"
            );
            if depth >= 40 {
                continue;
            }
            if sensor {
                let mut l = lockout;
                present(&mut l, &p, now, Outcome::NoMatch);
                let mut s = spec;
                s.fails += 1;
                s.last_fail_at = now;
                stack.push((l, s, t, depth + 1));
            }
            if t + 1 < times.len() {
                stack.push((lockout, spec, t + 1, depth + 1));
            }
        }
        assert_eq!(most, 20);
    }

    #[test]
    fn bugs_open_the_sensor() {
        let p = builtin_named("android-class3").expect("built-in");
        let mut l = Lockout::new(0);
        for _ in 0..5 {
            present(&mut l, &p, 0, Outcome::NoMatch);
        }
        assert!(!takes_presentation(&l, &p, 0, Bugs::NONE));
        assert!(takes_presentation(
            &l,
            &p,
            0,
            Bugs::only(Bug::UnlimitedBiometricTries)
        ));
        let idle = Lockout::new(0);
        assert!(!takes_presentation(&idle, &p, 5 * HOUR, Bugs::NONE));
        assert!(takes_presentation(
            &idle,
            &p,
            5 * HOUR,
            Bugs::only(Bug::IgnoreBiometricTimeouts)
        ));
    }
}
