//! The FIDO authenticator (phone OS): user verification by the biometric, with the lock-screen
//! PIN as fallback, gating the secure element.
//!
//! User verification follows the lockout automaton of the phone's policy (`policy.rs`): the
//! biometric while its gate is open (see `biometric.rs`), otherwise the lock-screen PIN, whose
//! guesses are delayed by the AOSP gatekeeper schedule (`ComputeRetryTimeout`) or Apple's
//! passcode delays. Only a successful verification yields a [`UserVerified`] token, and the
//! secure element signs only with one (WebAuthn L3 §6.3.2/§6.3.3 `authenticatorMakeCredential`
//! and `authenticatorGetAssertion` with `uv = true`).

use crate::biometric::{self, Outcome};
use crate::bugs::{Bug, Bugs};
use crate::card::Entry;
use crate::policy::{Gate, Lockout, Policy};

/// Proof that the authenticator verified a user just now; only this module creates one.
#[derive(Debug)]
pub struct UserVerified(());

/// The authenticator's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Authenticator {
    pub lockout: Lockout,
    /// The sensor is CDD 7.3.10 class 3 (strong). A class 2 (weak) or class 1 (convenience)
    /// sensor may unlock the screen but must not gate keystore keys: the seed's CDD table, "FIDO2
    /// APIでは利用できない" (cannot be used through the FIDO2 API), so the SE's keys take the
    /// lock-screen PIN.
    pub strong_sensor: bool,
    /// A thief holding the phone has passed user verification (then the phone is theirs).
    pub unlocked_by_thief: bool,
    /// Someone other than the owner enrolled a biometric (the thief, with the lock-screen PIN).
    pub foreign_enrolled: bool,
}

impl Authenticator {
    pub fn new() -> Authenticator {
        Authenticator {
            lockout: Lockout::new(0),
            strong_sensor: true,
            unlocked_by_thief: false,
            foreign_enrolled: false,
        }
    }

    /// The owner verifies for one of the SE's keys: a genuine biometric match while the
    /// biometric is open and the sensor is strong enough to gate keys (class 3;
    /// `weak-biometric-gates-keys` takes any), otherwise the right lock-screen PIN once the
    /// throttle allows. `Some((token, by_biometric))`; `None`: nothing possible right now.
    pub fn owner_verify(
        &mut self,
        policy: &Policy,
        now: u64,
        bugs: Bugs,
    ) -> Option<(UserVerified, bool)> {
        let gates_keys = self.strong_sensor || bugs.has(Bug::WeakBiometricGatesKeys);
        let timers = if bugs.has(Bug::PrimaryTimerFromLastBiometric) {
            Bugs::only(Bug::PrimaryTimerFromLastBiometric)
        } else {
            Bugs::NONE
        };
        if gates_keys && biometric::takes_presentation(&self.lockout, policy, now, timers) {
            biometric::present(&mut self.lockout, policy, now, Outcome::Match);
            return Some((UserVerified(()), true));
        }
        if matches!(self.lockout.pin_gate(policy, now), Gate::Pin) {
            self.lockout.pin_accepted(now);
            return Some((UserVerified(()), false));
        }
        None
    }

    /// A thief who has unlocked the phone uses it as the owner would.
    pub fn thief_verify(&self) -> Option<UserVerified> {
        self.unlocked_by_thief.then_some(UserVerified(()))
    }

    /// The thief, who knows the lock-screen PIN, enrols its own biometric (the OS asks for the
    /// PIN first: an accepted PIN entry). `false` if the PIN may not be entered now.
    pub fn enrol_foreign(&mut self, policy: &Policy, now: u64, bugs: Bugs) -> bool {
        if self.foreign_enrolled || !self.pin_open(policy, now, bugs) {
            return false;
        }
        self.lockout.pin_accepted(now);
        self.foreign_enrolled = true;
        true
    }

    /// The thief verifies with the biometric it enrolled (a genuine match of its own finger)
    /// while the sensor takes presentations.
    pub fn foreign_verify(
        &mut self,
        policy: &Policy,
        now: u64,
        bugs: Bugs,
    ) -> Option<UserVerified> {
        if !self.foreign_enrolled
            || !self.strong_sensor
            || !biometric::takes_presentation(&self.lockout, policy, now, bugs)
        {
            return None;
        }
        self.present(policy, now, Outcome::Match)
    }

    /// May a lock-screen PIN be entered at `now`? (`no-pin-throttle` ignores the delays.)
    pub fn pin_open(&self, policy: &Policy, now: u64, bugs: Bugs) -> bool {
        match self.lockout.pin_gate(policy, now) {
            Gate::Pin => true,
            Gate::PinUntil(_) => bugs.has(Bug::NoPinThrottle),
            _ => false,
        }
    }

    /// A lock-screen PIN entry (the caller checked [`Authenticator::pin_open`]).
    pub fn enter_pin(&mut self, policy: &Policy, now: u64, entry: Entry) -> Option<UserVerified> {
        match entry {
            Entry::Right => {
                self.lockout.pin_accepted(now);
                Some(UserVerified(()))
            }
            Entry::Wrong => {
                self.lockout.pin_failed(policy, now);
                None
            }
        }
    }

    /// A biometric presentation (the caller checked `biometric::takes_presentation`).
    pub fn present(&mut self, policy: &Policy, now: u64, outcome: Outcome) -> Option<UserVerified> {
        biometric::present(&mut self.lockout, policy, now, outcome);
        (outcome == Outcome::Match).then_some(UserVerified(()))
    }
}

impl Default for Authenticator {
    fn default() -> Self {
        Authenticator::new()
    }
}
