//! The phone's secure element: a JPKI copy (own key and certificate, issued after a
//! card-authenticated enrolment, seed §1), and the FIDO credential key with its signature
//! counter (WebAuthn L3 §6.1.1). It signs only with a [`UserVerified`] token from the
//! authenticator.

use crate::authenticator::UserVerified;
use crate::crypto::{Key, Nonce, Origin, PhoneId, Term};

/// The secure element's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecureElement {
    pub phone: PhoneId,
    /// A JPKI copy has been issued to this element.
    pub jpki: bool,
    /// The FIDO credential, once created.
    pub credential: Option<Key>,
    /// Signature counter of the credential.
    pub ctr: u8,
    /// The signature counter of a second credential of the same relying party
    /// ([`Key::Old2`], `renew`'s old phone only), if the element holds one.
    pub second: Option<u8>,
    /// The keys were created bound to the enrolled biometric set (Android Keystore
    /// `setInvalidatedByBiometricEnrollment`, Apple `biometryCurrentSet`) and that set has
    /// changed since: they sign nothing until a fresh card authentication re-binds them.
    pub invalidated: bool,
}

impl SecureElement {
    pub fn new(phone: PhoneId) -> SecureElement {
        SecureElement {
            phone,
            jpki: false,
            credential: None,
            ctr: 0,
            second: None,
            invalidated: false,
        }
    }

    /// A biometric was enrolled on the phone: the keys bound to the old set are disabled
    /// (`keys-survive-enrolment-change` leaves them usable).
    pub fn on_enrolment_change(&mut self, keys_survive: bool) {
        if !keys_survive {
            self.invalidated = true;
        }
    }

    /// Receive the JPKI copy (the server checked the card authentication).
    pub fn enrol_jpki(&mut self) {
        self.jpki = true;
    }

    /// JPKI user authentication from the phone: sign the challenge with the SE's JPKI key.
    pub fn jpki_sign(&self, _uv: UserVerified, nonce: Nonce) -> Option<Term> {
        (self.jpki && !self.invalidated).then_some(Term::SeSig {
            phone: self.phone,
            nonce,
        })
    }

    /// `authenticatorMakeCredential`: create this phone's key and attest it for the origin the
    /// client saw.
    pub fn make_credential(&mut self, _uv: UserVerified, nonce: Nonce, origin: Origin) -> Term {
        let key = self.phone.key();
        self.credential = Some(key);
        self.ctr = 0;
        Term::Attestation { key, nonce, origin }
    }

    /// `authenticatorGetAssertion`: sign the challenge, incrementing the counter.
    pub fn get_assertion(
        &mut self,
        _uv: UserVerified,
        nonce: Nonce,
        origin: Origin,
    ) -> Option<Term> {
        let key = self.credential?;
        counted(self.invalidated, key, &mut self.ctr, nonce, origin)
    }

    /// `authenticatorGetAssertion` with the second credential, if the element holds one.
    pub fn get_second_assertion(
        &mut self,
        _uv: UserVerified,
        nonce: Nonce,
        origin: Origin,
    ) -> Option<Term> {
        let invalidated = self.invalidated;
        counted(invalidated, Key::Old2, self.second.as_mut()?, nonce, origin)
    }
}

/// An assertion of `key` over `nonce`, its counter `ctr` incremented first; none once the keys
/// are invalidated.
fn counted(
    invalidated: bool,
    key: Key,
    ctr: &mut u8,
    nonce: Nonce,
    origin: Origin,
) -> Option<Term> {
    if invalidated {
        return None;
    }
    *ctr = ctr.saturating_add(1);
    Some(Term::Assertion {
        key,
        nonce,
        origin,
        ctr: *ctr,
    })
}
