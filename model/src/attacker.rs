//! The attacker: a Dolev-Yao network attacker with a phishing origin and a remote kiosk, or a
//! thief holding the owner's phone or card.
//!
//! - Network (Jacomme-Kremer CSF 2018 threat model for FIDO; DESIGN.md §3): every response the
//!   owner's devices produce is added to the knowledge set (read). Delivery of any known term to
//!   any session the server has, in any status and of any kind, is a separate step (only the
//!   server's checks refuse; a refusal that changes nothing is no step), so the attacker may drop (never deliver), delay,
//!   replay (deliver again, or to another session) and redirect. It opens sessions of its own,
//!   lures the owner to the phishing origin with one of its sessions' challenges, relays a
//!   remote kiosk's QR to the owner and the owner's QR to the remote kiosk, and may hold a
//!   clone of a credential key (the case the signature counter is for, WebAuthn L3 §6.1.1).
//! - Theft: presentations at a stolen phone's sensor (impostor or spoof: match or not is
//!   nondeterministic), lock-screen PIN and card PIN guesses (right or wrong, nondeterministic),
//!   and card power cycles. The lockout automata bound how many attempts there can be; the
//!   model adds a cap (`Config::attempt_cap`) only so that a broken automaton (a bug switch)
//!   still has a finite state space.
//!
//! The attacker never forges: it can only produce terms of its own key.

use crate::crypto::{Key, Origin, Term};
use crate::server::{Party, Server, SessionKind};

/// The attacker's state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Attacker {
    /// Terms seen (sorted, no duplicates).
    pub knows: Vec<Term>,
    /// Sessions the attacker opened.
    pub sessions_opened: u8,
    /// The owner has been lured to the phishing origin (once).
    pub phished: bool,
    /// A clone of the old phone's credential key, with the clone's own counter.
    pub clone_ctr: Option<u8>,
    /// Sessions (bitmask) already answered with the clone or the stolen phone.
    pub answered: u32,
    /// The remote kiosk's QR has been relayed to the owner (once).
    pub relayed_qr: bool,
    /// The stolen card's PIN is known (a right guess).
    pub knows_card_pin: bool,
    /// Attempts made at a stolen device per stage (capped, see the module docs): biometric or
    /// card PIN, and lock-screen PIN or signing password.
    pub attempts: [u8; 2],
    /// The stolen card's signing password is known (a right guess).
    pub knows_signing_password: bool,
}

impl Attacker {
    /// Read a term off the network.
    pub fn learn(&mut self, t: Term) {
        if let Err(i) = self.knows.binary_search(&t) {
            self.knows.insert(i, t);
        }
    }

    /// Has the attacker already answered session `s` with the clone or the stolen phone?
    pub fn answered(&self, s: u8) -> bool {
        self.answered & (1u32 << (s % 32)) != 0
    }

    pub fn mark_answered(&mut self, s: u8) {
        self.answered |= 1u32 << (s % 32);
    }

    /// Every term the attacker can send: what it knows, and attestations of its own keys for
    /// the registration sessions it opened: a new credential per registration (WebAuthn L3
    /// §6.1), `Key::Attacker` for its first registration session and `Key::Attacker2` for any
    /// later one (the model allows it two).
    pub fn sendable(&self, server: &Server) -> Vec<Term> {
        let mut out = self.knows.clone();
        let mut registrations = 0;
        for s in &server.sessions {
            if s.opener != Party::Attacker || !matches!(s.kind, SessionKind::Register { .. }) {
                continue;
            }
            registrations += 1;
            // In any status: the server, not the attacker, refuses a session already answered.
            out.push(Term::Attestation {
                key: if registrations == 1 {
                    Key::Attacker
                } else {
                    Key::Attacker2
                },
                nonce: s.nonce,
                origin: Origin::Real,
            });
        }
        out
    }
}
