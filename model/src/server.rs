//! The server side: J-LIS (certificates, revocation), Myna Portal as the FIDO relying party
//! (sessions, challenges, credential bindings, recovery) and the services that receive
//! per-service pseudonyms.
//!
//! - Login (seed §3 sequence, step 1): a session's challenge answered by the card's JPKI
//!   signature (the certificate must be valid and unrevoked, step 4), by the SE's JPKI copy
//!   (seed §1), or by a FIDO assertion (step 5).
//! - Registration (steps 2-3): a session logged in by a fresh card authentication may open one
//!   registration; its attestation binds the credential to the person (not to the certificate).
//!   A credential already on record (live or revoked by a recovery) is refused, not bound again
//!   (WebAuthn L3 §7.1, registration step "Verify that the credentialId is not yet registered":
//!   the relying party SHOULD fail the ceremony), so neither its stored signature counter nor a
//!   revocation is overwritten.
//! - Recovery (seed §2): like registration, and it first revokes every credential and JPKI copy
//!   of the old phone.
//! - Assertions: WebAuthn L3 §7.2 checks: the challenge of this session, the origin, a bound
//!   credential, and a signature counter above the stored one (§6.1.1: otherwise the
//!   authenticator may be cloned: reject and flag).
//! - Pseudonyms (seed §2, NIST SP 800-63-3): each service gets an identifier of its own, and
//!   each person one of their own at each service.
//! - Accounts (issue 10): the portal keeps one account per person. A session is logged in as the
//!   account of the person whose card signed (J-LIS's certificate names the person), whose SE
//!   copy signed, or to whom the asserting credential is bound; a registration or recovery binds
//!   and revokes in the account of the card that authenticated its parent login, never in one
//!   the request names. In the SMS baseline of seed §2-1 (`Rules::sms_baseline`) an account is
//!   keyed by a phone number instead, and whoever receives the one-time code sent to that
//!   number is logged in.

use crate::bugs::{Bug, Bugs};
use crate::crypto::{Key, Nonce, Origin, Person, PhoneId, Term};
use crate::kiosk::KioskId;
use serde::Serialize;

/// Who opened a session (the channel the session is bound to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Party {
    User,
    Attacker,
    Kiosk(KioskId),
}

/// A relying service that receives a pseudonym.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Service {
    A,
    B,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::A, Service::B];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SessionKind {
    Login,
    Register {
        parent: u8,
    },
    Recover {
        parent: u8,
    },
    /// A kiosk's own session, answered by the phone that scanned the kiosk's QR.
    Kiosk {
        kiosk: KioskId,
    },
    /// The phone's session for showing a QR to the kiosk it is bound to.
    PhoneQr {
        kiosk: KioskId,
    },
}

/// How a session was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Method {
    Card {
        cert: u8,
    },
    Se {
        phone: PhoneId,
    },
    Fido {
        key: Key,
    },
    /// A one-time code sent by SMS to the account's phone number (the SMS baseline only).
    Sms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Status {
    Open,
    Authenticated(Method),
    Bound(Key),
    AtKiosk { kiosk: KioskId, key: Key },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Session {
    pub kind: SessionKind,
    pub opener: Party,
    pub nonce: Nonce,
    pub status: Status,
    /// This login session's card authentication has been spent on a registration/recovery.
    pub permit_used: bool,
    /// The account the session is logged in as (a login, once authenticated) or binds into
    /// (a registration or recovery, from its opening).
    pub account: Option<Person>,
}

/// A user-auth certificate generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cert {
    pub issued_at: u64,
    pub revoked: bool,
}

/// A credential bound to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Binding {
    pub key: Key,
    pub account: Person,
    /// The certificate generation current when it was bound (used only by `bind-to-cert-serial`).
    pub cert: u8,
    pub live: bool,
}

/// Why the server refused something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Reason {
    NoSuchSession,
    NotOpen,
    WrongChallenge,
    WrongOrigin,
    WrongKind,
    CertRevoked,
    CertExpired,
    SeCertRevoked,
    UnknownCredential,
    StaleCounter,
    WrongKiosk,
    NotPermitted,
    /// A registration of a credential already on record (WebAuthn L3 §7.1).
    KnownCredential,
    /// A response to a login, registration or recovery that did not come over the channel of
    /// the client that opened the session.
    WrongChannel,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Server {
    pub next_nonce: u8,
    pub sessions: Vec<Session>,
    pub certs: Vec<Cert>,
    /// The JPKI copy in each phone's SE is issued and not revoked.
    pub se_valid: [bool; 2],
    pub bindings: Vec<Binding>,
    pub stored_ctr: [u8; 5],
    /// Keys flagged as possibly cloned (bitmask over [`Key::bit`]).
    pub clone_flags: u8,
    /// Some session was ever authenticated by the card (consulted only by `card-auth-per-identity`).
    pub card_authed_ever: bool,
}

/// The policy parameters the server needs.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub bugs: Bugs,
    pub cert_validity_secs: u64,
    /// Sessions the server opens in one run (a bound of the model, not a defence).
    pub max_sessions: u8,
    /// The seed's SMS baseline (§2-1): the account is keyed by a phone number and a one-time
    /// code sent to it logs in (a configuration, not a bug switch).
    pub sms_baseline: bool,
}

impl Server {
    pub fn new() -> Server {
        Server {
            next_nonce: 0,
            sessions: Vec::new(),
            certs: vec![Cert {
                issued_at: 0,
                revoked: false,
            }],
            se_valid: [false; 2],
            bindings: Vec::new(),
            stored_ctr: [0; 5],
            clone_flags: 0,
            card_authed_ever: false,
        }
    }

    /// The person's current certificate generation.
    pub fn current_cert(&self) -> u8 {
        u8::try_from(self.certs.len().saturating_sub(1)).unwrap_or(u8::MAX)
    }

    /// Open a session of `kind` for `opener`: issue a fresh challenge (`reuse-challenge`: the
    /// first one, every time). Registration and recovery need a parent login session of the
    /// same opener, authenticated by a card whose permit is unspent; opening spends it.
    /// Recovery revokes the old phone's credentials and JPKI copy.
    pub fn open(&mut self, kind: SessionKind, opener: Party, rules: Rules) -> Result<u8, Reason> {
        self.open_claiming(kind, opener, None, rules)
    }

    /// [`Server::open`] with a request that names an account (`claimed`, a user handle in the
    /// request): a registration or recovery binds into the account of its parent's card, and a
    /// claim of another account is refused (`account-from-request` for a registration,
    /// `recovery-account-from-request` for a recovery: the claim is believed).
    pub fn open_claiming(
        &mut self,
        kind: SessionKind,
        opener: Party,
        claimed: Option<Person>,
        rules: Rules,
    ) -> Result<u8, Reason> {
        let bugs = rules.bugs;
        let mut account = None;
        if self.sessions.len() >= usize::from(rules.max_sessions) {
            return Err(Reason::NotPermitted);
        }
        if let SessionKind::Register { parent } | SessionKind::Recover { parent } = kind {
            let p = self
                .sessions
                .get(usize::from(parent))
                .ok_or(Reason::NoSuchSession)?;
            if p.opener != opener || p.kind != SessionKind::Login {
                return Err(Reason::NotPermitted);
            }
            let ok = (!p.permit_used || bugs.has(Bug::ReuseCardPermit))
                && match p.status {
                    Status::Authenticated(Method::Card { .. }) => true,
                    Status::Authenticated(_) if bugs.has(Bug::BindWithoutCardAuth) => true,
                    Status::Authenticated(_) if bugs.has(Bug::CardAuthPerIdentity) => {
                        self.card_authed_ever
                    }
                    _ => false,
                };
            if !ok {
                return Err(Reason::NotPermitted);
            }
            // Registration and recovery are two endpoints, each with its own account check.
            let believe = match kind {
                SessionKind::Register { .. } => bugs.has(Bug::AccountFromRequest),
                _ => bugs.has(Bug::RecoveryAccountFromRequest),
            };
            account = Some(Server::claimed_account(p.account, claimed, believe)?);
            self.sessions[usize::from(parent)].permit_used = true;
            if let (SessionKind::Recover { .. }, Some(a)) = (kind, account) {
                self.recover(a, bugs);
            }
        }
        let nonce = if bugs.has(Bug::ReuseChallenge) {
            0
        } else {
            self.next_nonce
        };
        self.next_nonce = self.next_nonce.saturating_add(1);
        let index = u8::try_from(self.sessions.len()).map_err(|_| Reason::NoSuchSession)?;
        self.sessions.push(Session {
            kind,
            opener,
            nonce,
            status: Status::Open,
            permit_used: false,
            account,
        });
        Ok(index)
    }

    /// Recovery on a new phone (seed §2): the old credentials and JPKI copies of `account`
    /// stop working (the phones' JPKI copies are the owner's, `A`'s).
    fn recover(&mut self, account: Person, bugs: Bugs) {
        if !bugs.has(Bug::KeepOldCredentials) {
            let first_only = bugs.has(Bug::RecoveryRetiresOneCredential);
            for b in self
                .bindings
                .iter_mut()
                .filter(|b| b.account == account && b.live)
            {
                b.live = false;
                if first_only {
                    break;
                }
            }
        }
        if !bugs.has(Bug::KeepOldSeCertificate) && account == Person::A {
            self.se_valid[PhoneId::Old.index()] = false;
        }
    }

    /// The account a credential logs into: its live binding's (the most recent one, if a
    /// credential was ever bound twice: the record a lookup by credential ID finds last).
    pub fn account_of(&self, key: Key, bugs: Bugs) -> Option<Person> {
        let current = self.current_cert();
        self.bindings
            .iter()
            .rev()
            .find(|b| {
                b.key == key && b.live && (!bugs.has(Bug::BindToCertSerial) || b.cert == current)
            })
            .map(|b| b.account)
    }

    /// Check a card certificate of `person` at `now`. The second person's card has one
    /// certificate, issued at 0 and never revoked (its life plays no part in `insider`).
    pub fn check_cert(
        &self,
        person: Person,
        cert: u8,
        now: u64,
        rules: Rules,
    ) -> Result<(), Reason> {
        if person == Person::B {
            return if cert == 0 && now < rules.cert_validity_secs {
                Ok(())
            } else {
                Err(Reason::CertExpired)
            };
        }
        let c = self
            .certs
            .get(usize::from(cert))
            .ok_or(Reason::CertRevoked)?;
        if c.revoked && !rules.bugs.has(Bug::SkipRevocationCheck) {
            return Err(Reason::CertRevoked);
        }
        let expired = now >= c.issued_at.saturating_add(rules.cert_validity_secs);
        if expired && !rules.bugs.has(Bug::SkipExpiryCheck) {
            return Err(Reason::CertExpired);
        }
        Ok(())
    }

    /// WebAuthn assertion checks beyond challenge and origin: a bound credential and a counter
    /// above the stored one. A stale counter flags the key (the state changes even though the
    /// assertion is refused).
    fn check_assertion(&mut self, key: Key, ctr: u8, bugs: Bugs) -> Result<Person, Reason> {
        let account = self
            .account_of(key, bugs)
            .ok_or(Reason::UnknownCredential)?;
        let stored = self.stored_ctr[key.index()];
        if ctr <= stored && !bugs.has(Bug::IgnoreSignatureCounter) {
            self.clone_flags |= key.bit();
            return Err(Reason::StaleCounter);
        }
        self.stored_ctr[key.index()] = ctr;
        Ok(account)
    }

    /// Challenge and origin checks common to every response.
    fn check_common(&self, session: &Session, term: &Term, bugs: Bugs) -> Result<(), Reason> {
        if session.status != Status::Open {
            return Err(Reason::NotOpen);
        }
        if term.nonce() != session.nonce && !bugs.has(Bug::SkipChallengeCheck) {
            return Err(Reason::WrongChallenge);
        }
        if term.origin() == Some(Origin::Phish) && !bugs.has(Bug::SkipOriginCheck) {
            return Err(Reason::WrongOrigin);
        }
        Ok(())
    }

    /// A response arrives for session `s` over the network, on the channel of client `from`.
    ///
    /// A login, registration or recovery is answered by the client that opened it, over the
    /// channel it opened it on (its TLS connection and session cookie: RFC 8446, RFC 6265): a
    /// response on another channel finds no such session (`ignore-session-channel`: the server
    /// takes a response for any session from anyone). Without this check the seed's registration
    /// has no defence against a substituted credential: whoever reads the challenge of the
    /// owner's registration can answer it with an attestation of its own key, which then binds
    /// in the account of the owner's card; and whoever answers the owner's login makes the
    /// owner's browser work in an account of its choosing (a login CSRF: Barth, Jackson and
    /// Mitchell, "Robust Defenses for Cross-Site Request Forgery", CCS 2008, §2.2). A kiosk's
    /// session is answered by the phone that scanned its QR, over the phone's own channel (a
    /// cross-device flow): proximity, not the channel, defends it.
    pub fn receive(
        &mut self,
        s: u8,
        term: Term,
        from: Party,
        now: u64,
        rules: Rules,
    ) -> Result<(), Reason> {
        let bugs = rules.bugs;
        let session = *self
            .sessions
            .get(usize::from(s))
            .ok_or(Reason::NoSuchSession)?;
        let own_channel = matches!(
            session.kind,
            SessionKind::Login | SessionKind::Register { .. } | SessionKind::Recover { .. }
        );
        if own_channel && from != session.opener && !bugs.has(Bug::IgnoreSessionChannel) {
            return Err(Reason::WrongChannel);
        }
        self.check_common(&session, &term, bugs)?;
        let mut account = session.account;
        let status = match (session.kind, term) {
            (SessionKind::Login, Term::CardSig { person, cert, .. }) => {
                self.check_cert(person, cert, now, rules)?;
                self.card_authed_ever = true;
                account = Some(person);
                Status::Authenticated(Method::Card { cert })
            }
            (SessionKind::Login, Term::SeSig { phone, .. }) => {
                if !self.se_valid[phone.index()] {
                    return Err(Reason::SeCertRevoked);
                }
                account = Some(Person::A);
                Status::Authenticated(Method::Se { phone })
            }
            (SessionKind::Login | SessionKind::Kiosk { .. }, Term::Assertion { key, ctr, .. }) => {
                account = Some(self.check_assertion(key, ctr, bugs)?);
                Status::Authenticated(Method::Fido { key })
            }
            (
                SessionKind::Register { .. } | SessionKind::Recover { .. },
                Term::Attestation { key, .. },
            ) => {
                // WebAuthn L3 §7.1: a credential registered before (for anyone, live or
                // revoked) fails the ceremony.
                if self.bindings.iter().any(|b| b.key == key)
                    && !bugs.has(Bug::SkipKnownCredentialCheck)
                {
                    return Err(Reason::KnownCredential);
                }
                let cert = self.current_cert();
                self.bindings.push(Binding {
                    key,
                    account: account.unwrap_or(Person::A),
                    cert,
                    live: true,
                });
                Status::Bound(key)
            }
            _ => return Err(Reason::WrongKind),
        };
        self.sessions[usize::from(s)].status = status;
        self.sessions[usize::from(s)].account = account;
        Ok(())
    }

    /// The SMS baseline (seed §2-1, `Rules::sms_baseline`): the one-time code the server sent
    /// to the phone number on file for the account (the model has one such number, `A`'s) is
    /// typed back into login session `s` by `requester`, the session's opener, who got it
    /// because it holds the SIM of that number: the session is logged in as the account.
    pub fn sms_login(&mut self, s: u8, requester: Party, rules: Rules) -> Result<(), Reason> {
        if !rules.sms_baseline {
            return Err(Reason::WrongKind);
        }
        let session = self
            .sessions
            .get_mut(usize::from(s))
            .ok_or(Reason::NoSuchSession)?;
        if session.opener != requester || session.kind != SessionKind::Login {
            return Err(Reason::NotPermitted);
        }
        if session.status != Status::Open {
            return Err(Reason::NotOpen);
        }
        session.status = Status::Authenticated(Method::Sms);
        session.account = Some(Person::A);
        Ok(())
    }

    /// A kiosk scanned the phone's QR and presents the assertion in it.
    pub fn present_qr(&mut self, kiosk: KioskId, term: Term, rules: Rules) -> Result<u8, Reason> {
        let bugs = rules.bugs;
        let Term::Assertion { key, ctr, .. } = term else {
            return Err(Reason::WrongKind);
        };
        let s = self
            .sessions
            .iter()
            .position(|x| {
                matches!(x.kind, SessionKind::PhoneQr { .. })
                    && x.nonce == term.nonce()
                    && x.status == Status::Open
            })
            .ok_or(Reason::NoSuchSession)?;
        let session = self.sessions[s];
        self.check_common(&session, &term, bugs)?;
        if let SessionKind::PhoneQr { kiosk: bound } = session.kind
            && bound != kiosk
            && !bugs.has(Bug::SkipKioskBinding)
        {
            return Err(Reason::WrongKiosk);
        }
        let account = self.check_assertion(key, ctr, bugs)?;
        self.sessions[s].status = Status::AtKiosk { kiosk, key };
        self.sessions[s].account = Some(account);
        u8::try_from(s).map_err(|_| Reason::NoSuchSession)
    }

    /// SE enrolment, like the FIDO registration/recovery flows, needs a session logged in by
    /// the card, and only the session's opener may ask (the session is its channel). The JPKI
    /// copy goes to the requester's phone (`phone`; `None` for one outside the model, the
    /// second person's) and is of the person whose card authenticated the session; a request
    /// naming another person (`claimed`) is refused (`se-copy-of-named-person`: the claim is
    /// believed). Returns the person whose copy was issued.
    pub fn enrol_se(
        &mut self,
        s: u8,
        phone: Option<PhoneId>,
        requester: Party,
        claimed: Option<Person>,
        bugs: Bugs,
    ) -> Result<Person, Reason> {
        let session = self.requested(s, requester, bugs.has(Bug::SeEnrolmentAnyRequester))?;
        match session.status {
            Status::Authenticated(Method::Card { .. }) => {}
            Status::Authenticated(_) if bugs.has(Bug::EnrolSeWithoutCardAuth) => {}
            _ => return Err(Reason::NotPermitted),
        }
        let person =
            Server::claimed_account(session.account, claimed, bugs.has(Bug::SeCopyOfNamedPerson))?;
        // The model's phones hold the owner's copies only (an SE signature logs into `A`).
        if let Some(phone) = phone.filter(|_| person == Person::A) {
            self.se_valid[phone.index()] = true;
        }
        Ok(person)
    }

    /// Session `s`, asked for something by `requester`: only its opener may ask (the session
    /// is its opener's channel), unless `any_requester` (a bug switch).
    fn requested(&self, s: u8, requester: Party, any_requester: bool) -> Result<Session, Reason> {
        let session = *self
            .sessions
            .get(usize::from(s))
            .ok_or(Reason::NoSuchSession)?;
        if session.opener != requester && !any_requester {
            return Err(Reason::NotPermitted);
        }
        Ok(session)
    }

    /// The account a request acts on: the one the session's card authenticated (`own`; the
    /// owner's if none), and a request naming another (`claimed`) is refused, unless the claim
    /// is believed (`believe`, a bug switch).
    fn claimed_account(
        own: Option<Person>,
        claimed: Option<Person>,
        believe: bool,
    ) -> Result<Person, Reason> {
        match (own, claimed) {
            (_, Some(c)) if believe => Ok(c),
            (Some(a), Some(c)) if a != c => Err(Reason::NotPermitted),
            (a, _) => Ok(a.unwrap_or(Person::A)),
        }
    }

    /// Renewal at the municipal office: revoke the current certificate, issue the next
    /// (`renewal-keeps-old-cert`: the old one stays unrevoked; `renewal-revokes-new-cert`: the
    /// next is issued first, and the revocation then takes it instead of the old one).
    pub fn renew(&mut self, now: u64, bugs: Bugs) {
        let fresh = Cert {
            issued_at: now,
            revoked: false,
        };
        if bugs.has(Bug::RenewalRevokesNewCert) {
            self.certs.push(fresh);
        }
        if let Some(c) = self.certs.last_mut()
            && !bugs.has(Bug::RenewalKeepsOldCert)
        {
            c.revoked = true;
        }
        if !bugs.has(Bug::RenewalRevokesNewCert) {
            self.certs.push(fresh);
        }
    }

    /// The owner reports the card lost: J-LIS revokes the certificate generation `cert` (the
    /// one on the lost card; after a reissue that is not the current one).
    pub fn revoke(&mut self, cert: u8) {
        if let Some(c) = self.certs.get_mut(usize::from(cert)) {
            c.revoked = true;
        }
    }

    /// The identifier service `svc` gets for `person` (whose current certificate is `cert`).
    /// Values index a bitmask: the right one is per person and service (0-3); the bugs give one
    /// value per person shared by the services (4-5), one per certificate serial (6-13), or one
    /// per service shared by the persons (14-15).
    pub fn pseudonym(svc: Service, person: Person, cert: u8, bugs: Bugs) -> u8 {
        let svc = svc as u8;
        let p = person as u8;
        if bugs.has(Bug::GlobalPseudonym) {
            4 + p
        } else if bugs.has(Bug::PseudonymFromCertSerial) {
            6 + p * 4 + svc * 2 + cert.min(1)
        } else if bugs.has(Bug::PseudonymPerServiceOnly) {
            14 + svc
        } else {
            p * 2 + svc
        }
    }

    /// Session `s`, logged in as a person, passes that person's identifier to `svc`, at the
    /// request of the session's opener (`pseudonym-without-login`: in any status, the owner's
    /// identifier). Returns the identifier.
    pub fn issue_pseudonym(
        &mut self,
        s: u8,
        svc: Service,
        requester: Party,
        bugs: Bugs,
    ) -> Result<u8, Reason> {
        let session = self.requested(s, requester, bugs.has(Bug::PseudonymAnyRequester))?;
        if !matches!(session.status, Status::Authenticated(_))
            && !bugs.has(Bug::PseudonymWithoutLogin)
        {
            return Err(Reason::NotPermitted);
        }
        let person = session.account.unwrap_or(Person::A);
        let cert = match person {
            Person::A => self.current_cert(),
            Person::B => 0,
        };
        let value = Server::pseudonym(svc, person, cert, bugs);
        Ok(value)
    }
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Server {
        /// Does the server resolve this credential to an account? With `bind-to-cert-serial`
        /// it looks the binding up by the person's current certificate serial. (The tests'
        /// shorthand: the model's observers judge the server's decisions, not this.)
        fn resolves(&self, key: Key, bugs: Bugs) -> bool {
            self.account_of(key, bugs).is_some()
        }
    }

    const YEAR: u64 = 365 * 24 * 3600;

    fn rules(bugs: Bugs) -> Rules {
        Rules {
            bugs,
            cert_validity_secs: 5 * YEAR,
            max_sessions: 8,
            sms_baseline: false,
        }
    }

    /// A login, registration or recovery takes a response only over the channel of the client
    /// that opened it; a kiosk's session takes the phone's (control: the same responses over the
    /// opener's channel are accepted, and `ignore-session-channel` takes them from anyone).
    #[test]
    fn responses_come_over_the_sessions_channel() {
        for bugs in [Bugs::NONE, Bugs::only(Bug::IgnoreSessionChannel)] {
            let lax = bugs.has(Bug::IgnoreSessionChannel);
            let mut server = Server::new();
            let (s, nonce) = login(&mut server, bugs);
            let sig = Term::CardSig {
                person: Person::A,
                cert: 0,
                nonce,
            };
            let wrong = |r: Result<(), Reason>| r == Err(Reason::WrongChannel);
            let mut probe = server.clone();
            assert_eq!(
                wrong(probe.receive(s, sig, Party::Attacker, 0, rules(bugs))),
                !lax
            );
            assert_eq!(server.receive(s, sig, Party::User, 0, rules(bugs)), Ok(()));
            let reg = SessionKind::Register { parent: s };
            let r = server.open(reg, Party::User, rules(bugs)).expect("opens");
            let att = |key| Term::Attestation {
                key,
                nonce: server.sessions[usize::from(r)].nonce,
                origin: Origin::Real,
            };
            let mut probe = server.clone();
            let theirs = probe.receive(r, att(Key::Attacker), Party::Attacker, 0, rules(bugs));
            assert_eq!(wrong(theirs), !lax);
            assert_eq!(theirs.is_ok(), lax);
            assert_eq!(
                server.receive(r, att(Key::Old), Party::User, 0, rules(bugs)),
                Ok(())
            );
            let k = server
                .open(
                    SessionKind::Kiosk {
                        kiosk: KioskId::Near,
                    },
                    Party::Kiosk(KioskId::Near),
                    rules(bugs),
                )
                .expect("opens");
            let a = Term::Assertion {
                key: Key::Old,
                nonce: server.sessions[usize::from(k)].nonce,
                origin: Origin::Real,
                ctr: 1,
            };
            assert_eq!(server.receive(k, a, Party::User, 0, rules(bugs)), Ok(()));
        }
    }

    fn login(server: &mut Server, bugs: Bugs) -> (u8, Nonce) {
        let s = server
            .open(SessionKind::Login, Party::User, rules(bugs))
            .expect("opens");
        (s, server.sessions[usize::from(s)].nonce)
    }

    #[test]
    fn card_login_checks_challenge_revocation_and_expiry() {
        let mut server = Server::new();
        let (s, n) = login(&mut server, Bugs::NONE);
        let wrong = Term::CardSig {
            person: Person::A,
            cert: 0,
            nonce: n + 1,
        };
        assert_eq!(
            server.receive(s, wrong, Party::User, 0, rules(Bugs::NONE)),
            Err(Reason::WrongChallenge)
        );
        let sig = Term::CardSig {
            person: Person::A,
            cert: 0,
            nonce: n,
        };
        assert_eq!(
            server.receive(s, sig, Party::User, 5 * YEAR, rules(Bugs::NONE)),
            Err(Reason::CertExpired)
        );
        server.revoke(0);
        assert_eq!(
            server.receive(s, sig, Party::User, 0, rules(Bugs::NONE)),
            Err(Reason::CertRevoked)
        );
        let lax = Bugs::only(Bug::SkipRevocationCheck);
        assert_eq!(server.receive(s, sig, Party::User, 0, rules(lax)), Ok(()));
    }

    #[test]
    fn stale_counter_is_refused_and_flagged() {
        let mut server = with_owner_credential();
        let (s1, n1) = login(&mut server, Bugs::NONE);
        let (s2, n2) = login(&mut server, Bugs::NONE);
        let a = |nonce, ctr| Term::Assertion {
            key: Key::Old,
            nonce,
            origin: Origin::Real,
            ctr,
        };
        assert_eq!(
            server.receive(s1, a(n1, 1), Party::User, 0, rules(Bugs::NONE)),
            Ok(())
        );
        assert_eq!(
            server.receive(s2, a(n2, 1), Party::User, 0, rules(Bugs::NONE)),
            Err(Reason::StaleCounter)
        );
        assert_eq!(server.clone_flags, Key::Old.bit());
    }

    #[test]
    fn registration_needs_an_unspent_card_login_and_recovery_revokes() {
        let mut server = with_owner_credential();
        server.se_valid[PhoneId::Old.index()] = true;
        let (s, n) = login(&mut server, Bugs::NONE);
        let reg = SessionKind::Register { parent: s };
        assert_eq!(
            server.open(reg, Party::User, rules(Bugs::NONE)),
            Err(Reason::NotPermitted)
        );
        let sig = Term::CardSig {
            person: Person::A,
            cert: 0,
            nonce: n,
        };
        assert_eq!(
            server.receive(s, sig, Party::User, 0, rules(Bugs::NONE)),
            Ok(())
        );
        // Another party cannot ride on the owner's session.
        assert_eq!(
            server.open(reg, Party::Attacker, rules(Bugs::NONE)),
            Err(Reason::NotPermitted)
        );
        let rec = SessionKind::Recover { parent: s };
        assert!(server.open(rec, Party::User, rules(Bugs::NONE)).is_ok());
        assert!(!server.resolves(Key::Old, Bugs::NONE));
        assert!(!server.se_valid[PhoneId::Old.index()]);
        // The permit is spent.
        assert_eq!(
            server.open(reg, Party::User, rules(Bugs::NONE)),
            Err(Reason::NotPermitted)
        );
    }

    /// WebAuthn L3 §7.1: a credential already on record is refused at registration, whether its
    /// binding is live or was revoked by a recovery; the stored counter and the revocation stay.
    /// A credential not on record is bound (the check is not a blanket refusal).
    #[test]
    fn registration_of_a_known_credential_is_refused() {
        let mut server = with_owner_credential();
        server.stored_ctr[Key::Old.index()] = 3;
        let register = |server: &mut Server, key: Key| {
            let (s, n) = login(server, Bugs::NONE);
            let sig = Term::CardSig {
                person: Person::A,
                cert: 0,
                nonce: n,
            };
            assert_eq!(
                server.receive(s, sig, Party::User, 0, rules(Bugs::NONE)),
                Ok(())
            );
            let r = server
                .open(
                    SessionKind::Register { parent: s },
                    Party::User,
                    rules(Bugs::NONE),
                )
                .expect("opens");
            let nonce = server.sessions[usize::from(r)].nonce;
            let att = Term::Attestation {
                key,
                nonce,
                origin: Origin::Real,
            };
            server.receive(r, att, Party::User, 0, rules(Bugs::NONE))
        };
        assert_eq!(
            register(&mut server, Key::Old),
            Err(Reason::KnownCredential)
        );
        assert_eq!(server.stored_ctr[Key::Old.index()], 3);
        assert_eq!(server.bindings.len(), 1);
        // A recovery revokes it; registering it again does not revive it.
        server.bindings[0].live = false;
        assert_eq!(
            register(&mut server, Key::Old),
            Err(Reason::KnownCredential)
        );
        assert!(!server.resolves(Key::Old, Bugs::NONE));
        // A new credential is bound.
        assert_eq!(register(&mut server, Key::New), Ok(()));
        assert!(server.resolves(Key::New, Bugs::NONE));
    }

    #[test]
    fn renewal_keeps_bindings_unless_keyed_by_serial() {
        let mut server = with_owner_credential();
        server.renew(10, Bugs::NONE);
        assert!(server.resolves(Key::Old, Bugs::NONE));
        assert!(!server.resolves(Key::Old, Bugs::only(Bug::BindToCertSerial)));
        assert!(
            server
                .check_cert(Person::A, 0, 10, rules(Bugs::NONE))
                .is_err()
        );
        assert!(
            server
                .check_cert(Person::A, 1, 10, rules(Bugs::NONE))
                .is_ok()
        );
    }

    #[test]
    fn phone_qr_logs_in_only_the_bound_kiosk() {
        let mut server = with_owner_credential();
        let q = server
            .open(
                SessionKind::PhoneQr {
                    kiosk: KioskId::Near,
                },
                Party::User,
                rules(Bugs::NONE),
            )
            .expect("opens");
        let t = Term::Assertion {
            key: Key::Old,
            nonce: server.sessions[usize::from(q)].nonce,
            origin: Origin::Real,
            ctr: 1,
        };
        assert_eq!(
            server.present_qr(KioskId::Remote, t, rules(Bugs::NONE)),
            Err(Reason::WrongKiosk)
        );
        assert_eq!(
            server.present_qr(KioskId::Near, t, rules(Bugs::NONE)),
            Ok(q)
        );
    }

    /// A server on which the owner's old phone's credential is bound, live, in the owner's
    /// account (as the scenarios that start registered have it).
    fn with_owner_credential() -> Server {
        let mut server = Server::new();
        server.bindings.push(Binding {
            key: Key::Old,
            account: Person::A,
            cert: 0,
            live: true,
        });
        server
    }

    /// A login session of the owner's opening that the second person's card authenticates.
    fn login_with_b_card(server: &mut Server, bugs: Bugs) -> u8 {
        let (s, n) = login(server, bugs);
        let sig = Term::CardSig {
            person: Person::B,
            cert: 0,
            nonce: n,
        };
        assert_eq!(server.receive(s, sig, Party::User, 0, rules(bugs)), Ok(()));
        s
    }

    /// Issue 10: a registration binds into the account of its parent's card; a request naming
    /// another account is refused, and believed only with `account-from-request` (control).
    /// The owner's credential registered by another person is refused as known, and bound
    /// again only with `skip-known-credential-check`, after which it logs into the other
    /// person's account.
    #[test]
    fn accounts_follow_the_card_not_the_request() {
        for bugs in [
            Bugs::NONE,
            Bugs::only(Bug::AccountFromRequest),
            Bugs::only(Bug::SkipKnownCredentialCheck),
        ] {
            let mut server = with_owner_credential();
            let s = login_with_b_card(&mut server, bugs);
            assert_eq!(server.sessions[usize::from(s)].account, Some(Person::B));
            let kind = SessionKind::Register { parent: s };
            let claimed = server.open_claiming(kind, Party::User, Some(Person::A), rules(bugs));
            if bugs.has(Bug::AccountFromRequest) {
                let r = claimed.expect("the claim is believed");
                assert_eq!(server.sessions[usize::from(r)].account, Some(Person::A));
                continue;
            }
            assert_eq!(claimed, Err(Reason::NotPermitted));
            let r = server.open(kind, Party::User, rules(bugs)).expect("opens");
            assert_eq!(server.sessions[usize::from(r)].account, Some(Person::B));
            let att = Term::Attestation {
                key: Key::Old,
                nonce: server.sessions[usize::from(r)].nonce,
                origin: Origin::Real,
            };
            let bound = server.receive(r, att, Party::User, 0, rules(bugs));
            if bugs.has(Bug::SkipKnownCredentialCheck) {
                assert_eq!(bound, Ok(()));
                assert_eq!(server.account_of(Key::Old, bugs), Some(Person::B));
            } else {
                assert_eq!(bound, Err(Reason::KnownCredential));
                assert_eq!(server.account_of(Key::Old, bugs), Some(Person::A));
            }
        }
    }

    /// The two endpoints check the claim each on its own: `account-from-request` believes a
    /// registration's claim only, `recovery-account-from-request` a recovery's only (a believed
    /// recovery retires the named account's credentials); with neither, both are refused.
    #[test]
    fn each_endpoint_checks_its_own_claim() {
        for bugs in [
            Bugs::NONE,
            Bugs::only(Bug::AccountFromRequest),
            Bugs::only(Bug::RecoveryAccountFromRequest),
        ] {
            for register in [true, false] {
                let mut server = with_owner_credential();
                let s = login_with_b_card(&mut server, bugs);
                let kind = if register {
                    SessionKind::Register { parent: s }
                } else {
                    SessionKind::Recover { parent: s }
                };
                let believed = if register {
                    bugs.has(Bug::AccountFromRequest)
                } else {
                    bugs.has(Bug::RecoveryAccountFromRequest)
                };
                let r = server.open_claiming(kind, Party::User, Some(Person::A), rules(bugs));
                match r {
                    Ok(i) => {
                        assert!(believed, "{bugs:?} register={register}");
                        assert_eq!(server.sessions[usize::from(i)].account, Some(Person::A));
                    }
                    Err(e) => {
                        assert!(!believed, "{bugs:?} register={register}");
                        assert_eq!(e, Reason::NotPermitted);
                    }
                }
                let owner_live = server.account_of(Key::Old, bugs) == Some(Person::A);
                assert_eq!(owner_live, register || !believed, "{bugs:?}");
            }
        }
    }

    /// Issue 10: a JPKI copy is of the person whose card authenticated the session; a request
    /// naming the other person is refused, and believed only with `se-copy-of-named-person`.
    #[test]
    fn se_copies_follow_the_card_not_the_request() {
        for bugs in [Bugs::NONE, Bugs::only(Bug::SeCopyOfNamedPerson)] {
            let mut server = Server::new();
            let s = login_with_b_card(&mut server, bugs);
            let claimed = server.enrol_se(s, None, Party::User, Some(Person::A), bugs);
            if bugs.has(Bug::SeCopyOfNamedPerson) {
                assert_eq!(claimed, Ok(Person::A));
            } else {
                assert_eq!(claimed, Err(Reason::NotPermitted));
                assert_eq!(
                    server.enrol_se(s, None, Party::User, None, bugs),
                    Ok(Person::B)
                );
            }
            // Neither puts a copy on the owner's phones.
            assert_eq!(server.se_valid, [false, false]);
        }
    }

    #[test]
    fn pseudonyms_differ_per_service() {
        let none = Bugs::NONE;
        assert_ne!(
            Server::pseudonym(Service::A, Person::A, 0, none),
            Server::pseudonym(Service::B, Person::A, 0, none)
        );
        assert_eq!(
            Server::pseudonym(Service::A, Person::A, 0, none),
            Server::pseudonym(Service::A, Person::A, 1, none)
        );
    }
}
