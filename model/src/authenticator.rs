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
    /// A thief holding the phone has passed user verification (then the phone is theirs).
    pub unlocked_by_thief: bool,
}

impl Authenticator {
    pub fn new() -> Authenticator {
        Authenticator {
            lockout: Lockout::new(0),
            unlocked_by_thief: false,
        }
    }

    /// The owner verifies: a genuine biometric match while the biometric is open, otherwise the
    /// right lock-screen PIN once the throttle allows. `None`: nothing possible right now.
    pub fn owner_verify(&mut self, policy: &Policy, now: u64) -> Option<UserVerified> {
        if biometric::takes_presentation(&self.lockout, policy, now, Bugs::NONE) {
            biometric::present(&mut self.lockout, policy, now, Outcome::Match);
            return Some(UserVerified(()));
        }
        if matches!(self.lockout.pin_gate(policy, now), Gate::Pin) {
            self.lockout.pin_accepted(now);
            return Some(UserVerified(()));
        }
        None
    }

    /// A thief who has unlocked the phone uses it as the owner would.
    pub fn thief_verify(&self) -> Option<UserVerified> {
        self.unlocked_by_thief.then_some(UserVerified(()))
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
