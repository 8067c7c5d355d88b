//! The My Number Card (IC card): the JPKI user-authentication key and the signing key, each
//! behind its own secret with a retry counter kept on the card.
//!
//! J-LIS rules (DESIGN.md §6): the user-authentication PIN is 4 digits and the card blocks it
//! after 3 wrong tries; the signing password is 6-16 alphanumerics, blocked after 5 wrong tries.
//! The counters live in the card's non-volatile memory, so removing the card from the reader
//! (a power cycle) does not clear them; only a right entry resets a counter, and a blocked
//! secret is unblocked only in person at the municipal office. Both counters are the
//! [`Lockout`] automaton of `policy.rs` with the card's policies.

use crate::crypto::{Nonce, Person, Term};
use crate::policy::{Gate, Lockout, Policy};
use serde::Serialize;

/// Who holds the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Holder {
    Owner,
    Attacker,
}

/// A secret typed at the card: right or wrong (a guess is either; which one is nondeterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Entry {
    Right,
    Wrong,
}

/// The card's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Card {
    /// Generation of the user-auth certificate on the chip (0 at issue, +1 per renewal).
    pub cert: u8,
    /// The user-authentication PIN's counter.
    pub user_pin: Lockout,
    /// The signing password's counter.
    pub signing: Lockout,
    pub holder: Holder,
    /// Bug `blocked-card-takes-right-pin`: the block refuses wrong PINs only (fixed per run).
    pub right_pin_when_blocked: bool,
}

/// What the card did with a PIN entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinResult {
    /// Right PIN: the card signed the challenge.
    Signed(Term),
    /// Right signing password (the signature itself plays no part in the flows).
    Accepted,
    /// Wrong PIN: counted.
    Wrong,
    /// The secret is blocked: nothing happens.
    Blocked,
}

impl Card {
    pub fn new(holder: Holder) -> Card {
        Card {
            cert: 0,
            user_pin: Lockout::new(0),
            signing: Lockout::new(0),
            holder,
            right_pin_when_blocked: false,
        }
    }

    /// Is this secret open for an entry at `now`?
    pub fn open(lockout: &Lockout, policy: &Policy, now: u64) -> bool {
        matches!(lockout.pin_gate(policy, now), Gate::Pin)
    }

    /// JPKI `VERIFY` of the user-authentication PIN.
    pub fn verify_user_pin(&mut self, policy: &Policy, now: u64, entry: Entry) -> PinResult {
        let takes_right = self.right_pin_when_blocked && entry == Entry::Right;
        if !Card::open(&self.user_pin, policy, now) && !takes_right {
            return PinResult::Blocked;
        }
        match entry {
            Entry::Right => {
                self.user_pin.pin_accepted(now);
                PinResult::Accepted
            }
            Entry::Wrong => {
                self.user_pin.pin_failed(policy, now);
                PinResult::Wrong
            }
        }
    }

    /// JPKI user authentication: verify the PIN, then sign the challenge with the user-auth key.
    pub fn user_auth(
        &mut self,
        policy: &Policy,
        now: u64,
        entry: Entry,
        nonce: Nonce,
    ) -> PinResult {
        match self.verify_user_pin(policy, now, entry) {
            PinResult::Accepted => PinResult::Signed(Term::CardSig {
                person: Person::A,
                cert: self.cert,
                nonce,
            }),
            other => other,
        }
    }

    /// A signing-password entry. With `unlimited` (a bug) the card never blocks it.
    pub fn signing_password(
        &mut self,
        policy: &Policy,
        now: u64,
        entry: Entry,
        unlimited: bool,
    ) -> PinResult {
        if !unlimited && !Card::open(&self.signing, policy, now) {
            return PinResult::Blocked;
        }
        match entry {
            Entry::Right => {
                self.signing.pin_accepted(now);
                PinResult::Accepted
            }
            Entry::Wrong => {
                self.signing.pin_failed(policy, now);
                PinResult::Wrong
            }
        }
    }

    /// The card leaves the reader's field and comes back. With the counters in RAM (a bug) they
    /// are lost; the real card keeps them.
    pub fn power_cycle(&mut self, counters_in_ram: bool) {
        if counters_in_ram {
            self.user_pin.pin_failures = 0;
            self.user_pin.pin_next_at = 0;
            self.signing.pin_failures = 0;
            self.signing.pin_next_at = 0;
        }
    }

    /// Time passes. A JPKI card has no timer: a blocked secret stays blocked until the in-person
    /// reset. With `unblocks` (a bug, like a phone's timed lockout) the counters clear.
    pub fn time_passes(&mut self, unblocks: bool) {
        if unblocks {
            self.user_pin.pin_failures = 0;
            self.signing.pin_failures = 0;
        }
    }

    /// The in-person reset at the municipal office (the owner, with identification, has the
    /// blocked user-auth PIN reset): the counter clears. With `keeps_counter` (a bug,
    /// `reset-keeps-pin-counter`) the office's reset leaves the counter, so the card stays
    /// blocked.
    pub fn in_person_reset(&mut self, keeps_counter: bool) {
        if !keeps_counter {
            self.user_pin.pin_failures = 0;
            self.user_pin.pin_next_at = 0;
        }
    }

    /// In-person renewal at the municipal office: a new user-auth certificate (J-LIS also
    /// revokes the old one; that is the server's side, see `server.rs`).
    pub fn renew(&mut self) {
        self.cert += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin_named;

    fn card_pin() -> Policy {
        builtin_named("card-pin").expect("built-in")
    }

    /// 3 wrong PINs block the card; a power cycle does not unblock it (unless the counters are
    /// in RAM, the bug switch).
    #[test]
    fn power_cycle_keeps_the_counter() {
        let p = card_pin();
        for in_ram in [false, true] {
            let mut card = Card::new(Holder::Attacker);
            for _ in 0..3 {
                assert_eq!(card.verify_user_pin(&p, 0, Entry::Wrong), PinResult::Wrong);
            }
            assert_eq!(
                card.verify_user_pin(&p, 0, Entry::Right),
                PinResult::Blocked
            );
            card.power_cycle(in_ram);
            let after = card.verify_user_pin(&p, 0, Entry::Right);
            assert_eq!(after == PinResult::Blocked, !in_ram);
        }
    }

    #[test]
    fn right_pin_signs_with_the_current_certificate() {
        let mut card = Card::new(Holder::Owner);
        card.renew();
        assert_eq!(
            card.user_auth(&card_pin(), 0, Entry::Right, 7),
            PinResult::Signed(Term::CardSig {
                person: Person::A,
                cert: 1,
                nonce: 7
            })
        );
    }
}
