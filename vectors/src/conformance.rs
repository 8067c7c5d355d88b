//! Trace conformance, the concrete side (issue 5, "Trace conformance"; DESIGN.md §5): a relying
//! party that keeps, between responses, the state a real one keeps, and runs [`crate::verify`]
//! on every response posted to it.
//!
//! The state ([`RpState`]) is what the server learns from the responses it accepted, never a
//! verdict taken from elsewhere:
//! - sessions, each with the challenge the server issued, the client (channel) that opened it,
//!   whether it is finished and how it was authenticated;
//! - consumed challenges: a challenge answers once (WebAuthn L3 §13.4.3);
//! - accounts, one per person ([`Person`]: the card's holder): a session is logged in as the
//!   account of the person whose card certificate signed (J-LIS's records map the serial to the
//!   person), of the phone SE's JPKI copy (the owner's), or of the asserting credential's
//!   binding (issue 10; WebAuthn L3 §7.2: the credential identifies the user account);
//! - credentials bound to an account ([`CredRecord`], in the order bound), with a stored
//!   signature counter per credential (§6.1.1) and whether account recovery revoked them
//!   (seed §2);
//! - the verification time of JPKI authentications (RFC 5280 §6.1.3 (a)(2) validity), and the
//!   certificates J-LIS issued and revoked (renewal, loss reports, recovery), which the relying
//!   party sees only through the certificate in a response and the CRL it is given.
//!
//! A login, registration or recovery takes a response only from the client that opened it (its
//! session cookie over its TLS connection, `Refusal::WrongChannel`); a kiosk's session is
//! answered by the phone that scanned its QR, from the phone's own client.
//!
//! Registration and recovery sessions open only under a login session of the same client that
//! a card authentication logged in, once per card authentication (seed §2-3; the binding
//! property of DESIGN.md §3). They bind and revoke in the account of that login (the card's
//! person), never in one the request names: a request naming another account is refused.
//! Recovery revokes every credential of that account (and, for the owner, the phone SE's JPKI
//! copy). A registration whose credential ID is already on record, for any account, live or
//! revoked, is refused (WebAuthn L3 §7.1: "If the credentialId is already known then the
//! Relying Party SHOULD fail this registration ceremony"), so a stored counter, a revocation or
//! another person's binding is never overwritten: with the `none` attestation format a
//! registration carries no signature of the credential's key, so anyone who knows a credential
//! ID and public key (both public) can send them.
//!
//! WebAuthn responses are rendered by [`Renderer`] from one seeded world; challenge `i` of a
//! trace is the `i`-th entry of a table drawn from the same stream. JPKI responses come from a
//! CA of this module's own ([`Jlis`], a second ChaCha20 stream, so the Renderer's bytes do not
//! change): card certificates per generation (renewal issues the next one, valid for the
//! configured validity from its issue time, notAfter one second before it ends), a second
//! person's card with a key and a certificate of its own, the phone SE's JPKI copy, and a CRL
//! of the revoked ones for every verification. [`Checks`] switches one defence off
//! at a time, to mirror a bug switch of the model (or, as a negative control, to break the
//! agreement on purpose).
//!
//! `tests/conformance.rs` maps every step of the `model` crate's traces onto [`World::open`] and
//! [`World::post`]; this module does not depend on `model`.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::json;
use x509_cert::builder::{Builder, CrlBuilder};
use x509_cert::certificate::Certificate;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::pkix::CrlNumber;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::case::{self, CaseFile, ExpectedJson, Kind};
use crate::generate::{
    self, GenError, NOW, ORIGIN, PHISH_ORIGIN, PHISH_RP_ID, Phone, RP_ID, Renderer, RsaSigner,
};
use crate::sig::Backend;
use crate::verify::{self, CaseError, Registered, Reject, format_rfc3339, parse_rfc3339};
use crate::webauthn::b64;

/// A person with a card and an account at the relying party: `A` holds the phones; `B` is a
/// second person with a card of their own (the model's `insider`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Person {
    /// The owner of the phones.
    A,
    /// A second person.
    B,
}

/// A FIDO credential of the rendered world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cred {
    /// The first phone's ES256 credential.
    One,
    /// The second phone's ES256 credential.
    Two,
    /// An authenticator of the attacker's own (the second person's, when there is one): the
    /// Renderer's RS256 credential.
    Three,
    /// The first phone's second ES256 credential (the model's `Key::Old2`).
    Four,
    /// The attacker's second credential (the model's `Key::Attacker2`), ES256.
    Five,
}

impl Cred {
    /// Every credential.
    pub const ALL: [Cred; 5] = [Cred::One, Cred::Two, Cred::Three, Cred::Four, Cred::Five];
    /// How many there are: the length of every per-credential table.
    pub const COUNT: usize = Cred::ALL.len();

    fn phone(self) -> Phone {
        match self {
            Cred::One => Phone::One,
            Cred::Two => Phone::Two,
            Cred::Three => Phone::Rs256,
            Cred::Four => Phone::OneSecond,
            Cred::Five => Phone::Spare,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A response a client posts, before rendering. `challenge` indexes the world's challenge table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Response {
    /// The JPKI user-authentication signature of `person`'s card over the challenge, with the
    /// certificate of generation `generation` (0 at the start; renewal issues the next).
    Card {
        /// Whose card.
        person: Person,
        /// The certificate generation.
        generation: u8,
        /// The signed challenge.
        challenge: usize,
    },
    /// The phone secure element's JPKI copy signs the challenge (seed §1).
    Se {
        /// The signed challenge.
        challenge: usize,
    },
    /// A WebAuthn registration (`navigator.credentials.create`).
    Create {
        /// The credential created.
        cred: Cred,
        /// The signed challenge.
        challenge: usize,
    },
    /// A WebAuthn assertion (`navigator.credentials.get`).
    Get {
        /// The credential used.
        cred: Cred,
        /// The signed challenge.
        challenge: usize,
        /// The authenticator's signature counter.
        count: u32,
        /// Made on the look-alike phishing origin (its origin and RP ID hash).
        phished: bool,
    },
}

impl Response {
    /// The challenge the response signs.
    pub fn challenge(&self) -> usize {
        match *self {
            Response::Card { challenge, .. }
            | Response::Se { challenge }
            | Response::Create { challenge, .. }
            | Response::Get { challenge, .. } => challenge,
        }
    }
}

/// What a session's endpoint runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// Login: a card authentication or an assertion.
    Login,
    /// FIDO registration under a card-authenticated login session.
    Register {
        /// The login session.
        parent: usize,
    },
    /// Account recovery under a card-authenticated login session: revokes every credential,
    /// then registers.
    Recover {
        /// The login session.
        parent: usize,
    },
    /// A kiosk's login (the kiosk shows the QR): an assertion.
    Kiosk,
    /// The phone's QR session: its assertion counts only when a kiosk scans the QR and posts
    /// it ([`World::scan`]); an assertion posted straight to it is the wrong ceremony.
    PhoneQr,
}

/// How a session was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// By a card authentication.
    Card,
    /// By an assertion of this credential.
    Fido(Cred),
    /// By the phone SE's JPKI copy (not a card: it cannot open a registration).
    Se,
}

/// One session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Session {
    /// Its endpoint.
    pub kind: SessionKind,
    /// The client (channel) that opened it.
    pub client: u8,
    /// The challenge issued (index into the table).
    pub challenge: usize,
    /// A response was accepted: the session is finished.
    pub done: bool,
    /// How it was authenticated (logins).
    pub auth: Option<Auth>,
    /// Its card authentication has been spent on a registration or recovery.
    pub permit_used: bool,
    /// The account it is logged in as (a login, once authenticated) or binds into (a
    /// registration or recovery, from its opening).
    pub account: Option<Person>,
}

/// A credential bound to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CredRecord {
    /// The credential.
    pub cred: Cred,
    /// The account it logs into.
    pub account: Person,
    /// Not revoked by a recovery.
    pub live: bool,
}

/// A JPKI certificate J-LIS issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CertRef {
    /// A person's card user-authentication certificate of this generation.
    Card(Person, u8),
    /// The phone secure element's JPKI copy (the owner's, `A`'s).
    Se,
}

impl CertRef {
    fn serial(self) -> u32 {
        match self {
            CertRef::Card(Person::A, g) => 0x4000 + u32::from(g),
            CertRef::Card(Person::B, g) => 0x6000 + u32::from(g),
            CertRef::Se => 0x5001,
        }
    }

    /// The certificate J-LIS issued with this serial (DER contents of the serial number): how
    /// the relying party learns whose card signed.
    fn of_serial(serial: &[u8]) -> Option<CertRef> {
        if serial.len() > 4 {
            return None;
        }
        let n = serial.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b));
        let g = u8::try_from(n & 0xff).ok()?;
        match n & !0xff {
            0x4000 => Some(CertRef::Card(Person::A, g)),
            0x6000 => Some(CertRef::Card(Person::B, g)),
            _ if n == CertRef::Se.serial() => Some(CertRef::Se),
            _ => None,
        }
    }
}

/// The relying party's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RpState {
    /// Sessions in the order they were opened.
    pub sessions: Vec<Session>,
    /// Consumed challenges.
    pub used: Vec<usize>,
    /// Credentials bound, in the order bound (a credential appears once while the
    /// known-credential check is on).
    pub creds: Vec<CredRecord>,
    /// The stored signature counter of each credential, by [`Cred`].
    pub counts: [u32; Cred::COUNT],
    /// Seconds since [`NOW`]: card authentications are verified at `NOW + time_secs`.
    pub time_secs: u64,
    /// Issue time (seconds since [`NOW`]) of each generation of `A`'s card certificate. `B`'s
    /// card has one certificate, issued at 0 and never revoked (as in the model).
    pub card_issued: Vec<u64>,
    /// Certificates J-LIS revoked (sorted): what the CRL lists.
    pub revoked: Vec<CertRef>,
}

impl Default for RpState {
    /// No session, no credential, time 0, `A`'s card generation 0 issued at 0, nothing
    /// revoked.
    fn default() -> Self {
        RpState {
            sessions: Vec::new(),
            used: Vec::new(),
            creds: Vec::new(),
            counts: [0; Cred::COUNT],
            time_secs: 0,
            card_issued: vec![0],
            revoked: Vec::new(),
        }
    }
}

impl RpState {
    /// J-LIS revokes a certificate (renewal, loss report, recovery).
    pub fn revoke(&mut self, c: CertRef) {
        if let Err(i) = self.revoked.binary_search(&c) {
            self.revoked.insert(i, c);
        }
    }

    /// The account a credential logs into: its live record's (the latest, if it was bound
    /// twice: the one a lookup by credential ID finds last), or why there is none.
    pub fn account_of(&self, cred: Cred) -> Result<Person, Refusal> {
        match self.creds.iter().rev().find(|r| r.cred == cred && r.live) {
            Some(r) => Ok(r.account),
            None if self.creds.iter().any(|r| r.cred == cred) => {
                Err(Refusal::Verifier(Reject::CredentialRevoked))
            }
            None => Err(Refusal::UnknownCredential),
        }
    }
}

/// Which defences are on. [`Checks::ALL`] is the verifier as it is; each `false` removes one
/// defence, as the model's bug switch of the same name does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Checks {
    /// Compare the signed challenge with the session's, and refuse consumed ones.
    pub challenge: bool,
    /// Compare the origin and the RP ID hash with the relying party's.
    pub origin: bool,
    /// Require the signature counter to increase.
    pub counter: bool,
    /// Open registration and recovery only under a card-authenticated login.
    pub fresh_card_auth: bool,
    /// Refuse a registration of a credential ID already on record for any account (WebAuthn
    /// L3 §7.1). Off, a known credential is bound again, in the registering account (the
    /// model's `skip-known-credential-check`).
    pub fresh_credential: bool,
    /// Bind a registration in the account of the card that authenticated the parent login,
    /// and refuse a registration naming another account. Off, the account the request names
    /// is taken (the model's `account-from-request`).
    pub account_from_card: bool,
    /// The same for a recovery (its own endpoint): revoke in the account of the parent's card,
    /// and refuse a recovery naming another account. Off, the named account's credentials are
    /// revoked and the recovery binds there (the model's `recovery-account-from-request`).
    pub recovery_account_from_card: bool,
    /// Take a response to a login, registration or recovery only from the client that opened
    /// the session (its TLS connection and session cookie). Off, a response from any client is
    /// taken (the model's `ignore-session-channel`).
    pub channel: bool,
    /// A recovery revokes every live credential of the account, however many (seed §2: the
    /// old phone holds two in `renew`). Off, only the first one on record (the model's
    /// `recovery-retires-one-credential`).
    pub retire_every_credential: bool,
}

impl Checks {
    /// Every defence on.
    pub const ALL: Checks = Checks {
        challenge: true,
        origin: true,
        counter: true,
        fresh_card_auth: true,
        fresh_credential: true,
        account_from_card: true,
        recovery_account_from_card: true,
        channel: true,
        retire_every_credential: true,
    };
}

/// Why the relying party refused: the verifier's reason, or its own session bookkeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The verifier rejected the response (or, for sequences' rules, the opening).
    #[error("{0}")]
    Verifier(Reject),
    /// No such session.
    #[error("no-such-session")]
    NoSuchSession,
    /// The session is already finished (reachable only with the challenge check off).
    #[error("session-closed")]
    SessionClosed,
    /// The response is not of the ceremony the session runs (e.g. a registration posted to a
    /// login).
    #[error("wrong-ceremony")]
    WrongCeremony,
    /// An assertion by a credential that was never registered.
    #[error("unknown-credential")]
    UnknownCredential,
    /// The parent of a registration is not a login session of the same client.
    #[error("not-a-login-of-this-client")]
    NotOwnLogin,
    /// A registration of a credential ID already on record, live or revoked (WebAuthn L3 §7.1).
    #[error("known-credential")]
    KnownCredential,
    /// A registration or recovery request naming an account other than that of the card that
    /// authenticated its parent login.
    #[error("account-mismatch")]
    AccountMismatch,
    /// A response to a login, registration or recovery from a client other than the one that
    /// opened the session: no session of that client has this ID.
    #[error("wrong-channel")]
    WrongChannel,
}

/// A failure of the harness itself (not a verdict).
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// Rendering failed.
    #[error(transparent)]
    Gen(#[from] GenError),
    /// A rendered case is unusable.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// A challenge index outside the table.
    #[error("challenge {0} is outside the table of {1}")]
    Challenge(usize, usize),
    /// A time that cannot be represented.
    #[error("time NOW + {0} s cannot be represented")]
    Time(u64),
    /// A JPKI response has no WebAuthn rendering.
    #[error("JPKI responses are not rendered by the Renderer")]
    NotWebauthn,
    /// A registration yielded another key than the credential's.
    #[error("registration of {0:?} yielded an unexpected key")]
    Key(Cred),
}

/// Mixed into the seed for J-LIS's stream ("JLIS").
pub const JLIS_STREAM: u64 = 0x4a4c_4953;

/// The effect of an accepted response.
enum Effect {
    Card(Person),
    Se,
    Get(Cred, u32, Person),
    Create(Cred),
}

/// Far enough for every clock point, and still a UTCTime (RFC 5280 §4.1.2.5: before 2050).
const FAR: &str = "2049-12-31T23:59:59Z";

/// The J-LIS side of the world: a CA of its own, the two persons' card keys and the SE copy's
/// key; certificates and CRLs issued on demand (and cached).
pub struct Jlis {
    ca_key: rsa::PrivateKey,
    ca: Certificate,
    ca_der: Vec<u8>,
    card_key: rsa::PrivateKey,
    se_key: rsa::PrivateKey,
    card_key_b: rsa::PrivateKey,
    validity_secs: u64,
    certs: HashMap<(CertRef, u64), Vec<u8>>,
    crls: HashMap<(Vec<CertRef>, u64), Vec<u8>>,
    signed: HashMap<(CertRef, u64, Vec<u8>), Vec<u8>>,
}

impl Jlis {
    /// A CA and three RSA-2048 user keys (`A`'s card, the SE copy, `B`'s card, drawn in this
    /// order) from the ChaCha20 stream of `seed` (JPKI: RSA-2048, SHA-256). Card certificates
    /// are valid `validity_secs` from their issue time.
    pub fn new(seed: u64, validity_secs: u64) -> Result<Jlis, ConformanceError> {
        use der::Encode;
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let ca_key = generate::rsa_key(&mut rng)?;
        let card_key = generate::rsa_key(&mut rng)?;
        let se_key = generate::rsa_key(&mut rng)?;
        let card_key_b = generate::rsa_key(&mut rng)?;
        let name = Name::from_str("CN=mynafido conformance J-LIS CA,O=mynafido test,C=JP")
            .map_err(GenError::from)?;
        let ca = generate::cert(
            &ca_key,
            &name,
            &name,
            1,
            ("2024-01-01T00:00:00Z", FAR),
            &generate::rsa_spki(&ca_key)?,
            true,
        )?;
        let ca_der = ca.to_der().map_err(GenError::from)?;
        Ok(Jlis {
            ca_key,
            ca,
            ca_der,
            card_key,
            se_key,
            card_key_b,
            validity_secs,
            certs: HashMap::new(),
            crls: HashMap::new(),
            signed: HashMap::new(),
        })
    }

    /// The DER certificate `c` issued at `issued` (seconds since [`NOW`]): a card generation
    /// runs to one second before `issued + validity_secs` (RFC 5280 §4.1.2.5: notAfter is
    /// inclusive); the SE copy does not expire within the clock.
    fn cert(&mut self, c: CertRef, issued: u64) -> Result<Vec<u8>, ConformanceError> {
        use der::Encode;
        if let Some(d) = self.certs.get(&(c, issued)) {
            return Ok(d.clone());
        }
        let (subject, key, to) = match c {
            CertRef::Card(person, g) => (
                match person {
                    Person::A => format!("CN=card user auth generation {g},O=mynafido test,C=JP"),
                    Person::B => {
                        format!("CN=card B user auth generation {g},O=mynafido test,C=JP")
                    }
                },
                self.key(c),
                World::card_time(
                    issued
                        .checked_add(self.validity_secs)
                        .and_then(|t| t.checked_sub(1))
                        .ok_or(ConformanceError::Time(issued))?,
                )?,
            ),
            CertRef::Se => (
                "CN=phone SE JPKI copy,O=mynafido test,C=JP".to_owned(),
                self.key(c),
                FAR.to_owned(),
            ),
        };
        let subject = Name::from_str(&subject).map_err(GenError::from)?;
        let issuer = self.ca.tbs_certificate().subject().clone();
        let cert = generate::cert(
            &self.ca_key,
            &issuer,
            &subject,
            c.serial(),
            (&World::card_time(issued)?, &to),
            &generate::rsa_spki(key)?,
            false,
        )?;
        let der = cert.to_der().map_err(GenError::from)?;
        self.certs.insert((c, issued), der.clone());
        Ok(der)
    }

    /// The private key behind a certificate of `c`.
    fn key(&self, c: CertRef) -> &rsa::PrivateKey {
        match c {
            CertRef::Card(Person::A, _) => &self.card_key,
            CertRef::Card(Person::B, _) => &self.card_key_b,
            CertRef::Se => &self.se_key,
        }
    }

    /// A CRL listing `revoked`, issued at `at` and current for a day (RFC 5280 §5).
    fn crl(&mut self, revoked: &[CertRef], at: u64) -> Result<Vec<u8>, ConformanceError> {
        use der::Encode;
        let key = (revoked.to_vec(), at);
        if let Some(d) = self.crls.get(&key) {
            return Ok(d.clone());
        }
        let this = generate::time(&World::card_time(at)?)?;
        let next = generate::time(&World::card_time(at.saturating_add(24 * 3600))?)?;
        let entries = revoked
            .iter()
            .map(|c| RevokedCert {
                serial_number: SerialNumber::from(c.serial()),
                revocation_date: this,
                crl_entry_extensions: None,
            })
            .collect::<Vec<_>>();
        let number = der::asn1::Uint::new(&[1]).map_err(GenError::from)?;
        let list = CrlBuilder::new_with_this_update(&self.ca, CrlNumber(number), this)
            .map_err(GenError::from)?
            .with_next_update(Some(next))
            .with_certificates(entries.into_iter())
            .build::<_, rsa::pkcs1v15::Signature>(&RsaSigner::new(self.ca_key.clone()))
            .map_err(GenError::from)?;
        let der = list.to_der().map_err(GenError::from)?;
        self.crls.insert(key, der.clone());
        Ok(der)
    }

    /// The `jpki.auth` credential JSON: certificate `c` and its key's signature over `challenge`.
    fn sign(
        &mut self,
        c: CertRef,
        issued: u64,
        challenge: &[u8],
    ) -> Result<Vec<u8>, ConformanceError> {
        let k = (c, issued, challenge.to_vec());
        if let Some(j) = self.signed.get(&k) {
            return Ok(j.clone());
        }
        let cert = self.cert(c, issued)?;
        let sig = generate::rsa_sign(self.key(c), challenge);
        let j = json!({"certificate": b64(&cert), "signature": b64(&sig)})
            .to_string()
            .into_bytes();
        self.signed.insert(k, j.clone());
        Ok(j)
    }
}

/// The rendered world: the renderer, J-LIS, the challenge table, the credentials' keys and a
/// cache of rendered responses.
pub struct World {
    renderer: Renderer,
    jlis: Jlis,
    challenges: Vec<Vec<u8>>,
    keys: [Registered; Cred::COUNT],
    cache: HashMap<Response, CaseFile>,
    backend: Backend,
}

impl World {
    /// A world for `seed` with `challenges` challenges and card certificates valid
    /// `validity_secs`. Each credential's key is learnt by verifying its registration over a
    /// setup challenge outside the table. J-LIS draws from the stream of `seed ^ JLIS_STREAM`.
    pub fn new(
        seed: u64,
        challenges: usize,
        backend: Backend,
        validity_secs: u64,
    ) -> Result<World, ConformanceError> {
        let mut renderer = Renderer::new(seed)?;
        let table = (0..challenges).map(|_| renderer.challenge()).collect();
        let mut register = |cred: Cred| -> Result<Registered, ConformanceError> {
            let ch = renderer.challenge();
            let c = renderer.create_case(cred.phone(), &ch)?;
            let exp = case::prepare_create(&c.expected, backend)?;
            verify::verify_registration(&exp, c.credential.get().as_bytes())
                .map_err(|_| ConformanceError::Key(cred))
        };
        let keys = [
            register(Cred::One)?,
            register(Cred::Two)?,
            register(Cred::Three)?,
            register(Cred::Four)?,
            register(Cred::Five)?,
        ];
        Ok(World {
            renderer,
            jlis: Jlis::new(seed ^ JLIS_STREAM, validity_secs)?,
            challenges: table,
            keys,
            cache: HashMap::new(),
            backend,
        })
    }

    fn challenge(&self, i: usize) -> Result<&[u8], ConformanceError> {
        self.challenges
            .get(i)
            .map(Vec::as_slice)
            .ok_or(ConformanceError::Challenge(i, self.challenges.len()))
    }

    /// The concrete bytes of a response (cached).
    pub fn render(&mut self, r: Response) -> Result<&CaseFile, ConformanceError> {
        if !self.cache.contains_key(&r) {
            let ch = self.challenge(r.challenge())?.to_vec();
            let g = &self.renderer;
            let c = match r {
                Response::Card { .. } | Response::Se { .. } => {
                    return Err(ConformanceError::NotWebauthn);
                }
                Response::Create { cred, .. } => g.create_case(cred.phone(), &ch)?,
                Response::Get {
                    cred,
                    count,
                    phished: false,
                    ..
                } => g.get_case(cred.phone(), &ch, count, 0)?,
                Response::Get {
                    cred,
                    count,
                    phished: true,
                    ..
                } => g.phished_get_case(cred.phone(), &ch, count, 0)?,
            };
            self.cache.insert(r, c);
        }
        self.cache
            .get(&r)
            .ok_or(ConformanceError::Challenge(r.challenge(), 0))
    }

    /// A credential bound to `account` before the trace starts (the model's initial bindings).
    pub fn preregister(&self, rp: &mut RpState, cred: Cred, account: Person) {
        rp.creds.push(CredRecord {
            cred,
            account,
            live: true,
        });
        rp.counts[cred.index()] = self.keys[cred.index()].sign_count;
    }

    /// Opens a session for `client` with challenge `challenge`; the request names the account
    /// `claimed`, if any (a user handle in the request). Registration and recovery need a login
    /// session of the same client, logged in by a card authentication whose permit is unspent
    /// (with `checks.fresh_card_auth` off: logged in by anything); opening spends it. They bind
    /// into the login's account; a claim of another account is refused (with
    /// `checks.account_from_card` off for a registration, `checks.recovery_account_from_card`
    /// for a recovery: believed). Recovery revokes every credential of that
    /// account, and the owner's phone SE copy with the owner's.
    pub fn open(
        &self,
        rp: &mut RpState,
        kind: SessionKind,
        client: u8,
        claimed: Option<Person>,
        challenge: usize,
        checks: Checks,
    ) -> Result<usize, Refusal> {
        let mut account = None;
        if let SessionKind::Register { parent } | SessionKind::Recover { parent } = kind {
            let p = rp.sessions.get(parent).ok_or(Refusal::NoSuchSession)?;
            if p.kind != SessionKind::Login || p.client != client {
                return Err(Refusal::NotOwnLogin);
            }
            let ok = !p.permit_used
                && match p.auth {
                    Some(Auth::Card) => true,
                    Some(_) => !checks.fresh_card_auth,
                    None => false,
                };
            if !ok {
                return Err(Refusal::Verifier(Reject::NoFreshCardAuth));
            }
            // An authenticated login always has an account; the owner's is the fallback, as the
            // model's server has it.
            let own = p.account.unwrap_or(Person::A);
            let believe = match kind {
                SessionKind::Register { .. } => !checks.account_from_card,
                _ => !checks.recovery_account_from_card,
            };
            let a = match claimed {
                Some(c) if believe => c,
                Some(c) if c != own => return Err(Refusal::AccountMismatch),
                _ => own,
            };
            account = Some(a);
            rp.sessions[parent].permit_used = true;
            if let SessionKind::Recover { .. } = kind {
                for c in rp.creds.iter_mut().filter(|c| c.account == a && c.live) {
                    c.live = false;
                    if !checks.retire_every_credential {
                        break;
                    }
                }
                // Seed §2: the old phone's JPKI copy (the owner's) stops working too.
                if a == Person::A {
                    rp.revoke(CertRef::Se);
                }
            }
        }
        let i = Self::push_session(rp, kind, client, challenge);
        rp.sessions[i].account = account;
        Ok(i)
    }

    /// Adds a session without any check (to follow a trace past a step the harness skips).
    pub fn push_session(
        rp: &mut RpState,
        kind: SessionKind,
        client: u8,
        challenge: usize,
    ) -> usize {
        rp.sessions.push(Session {
            kind,
            client,
            challenge,
            done: false,
            auth: None,
            permit_used: false,
            account: None,
        });
        rp.sessions.len() - 1
    }

    /// Records that a response the harness does not render was accepted by `session`, logging
    /// it in as `account` (to follow a trace past it).
    pub fn assume_accepted(rp: &mut RpState, session: usize, auth: Auth, account: Option<Person>) {
        if let Some(s) = rp.sessions.get_mut(session) {
            s.done = true;
            s.auth = Some(auth);
            s.account = account;
            rp.used.push(s.challenge);
        }
    }

    fn card_time(secs: u64) -> Result<String, ConformanceError> {
        let base = parse_rfc3339(NOW).ok_or(ConformanceError::Time(0))?;
        let t = base
            .unix_duration()
            .checked_add(Duration::from_secs(secs))
            .and_then(|d| der::DateTime::from_unix_duration(d).ok())
            .ok_or(ConformanceError::Time(secs))?;
        Ok(format_rfc3339(&t))
    }

    /// A kiosk scanned the phone's QR of `session` and posts `resp` for it: decided as a
    /// kiosk login ([`World::post`] on a kiosk session); the session keeps its kind.
    pub fn scan(
        &mut self,
        rp: &mut RpState,
        session: usize,
        resp: Response,
        checks: Checks,
    ) -> Result<Result<(), Refusal>, ConformanceError> {
        let Some(kind) = rp.sessions.get(session).map(|s| s.kind) else {
            return Ok(Err(Refusal::NoSuchSession));
        };
        if kind != SessionKind::PhoneQr {
            return Ok(Err(Refusal::WrongCeremony));
        }
        rp.sessions[session].kind = SessionKind::Kiosk;
        let verdict = self.post(rp, session, resp, checks);
        rp.sessions[session].kind = kind;
        verdict
    }

    /// Posts `resp` to `session` from the client that opened it: see [`World::post_from`].
    pub fn post(
        &mut self,
        rp: &mut RpState,
        session: usize,
        resp: Response,
        checks: Checks,
    ) -> Result<Result<(), Refusal>, ConformanceError> {
        let Some(client) = rp.sessions.get(session).map(|s| s.client) else {
            return Ok(Err(Refusal::NoSuchSession));
        };
        self.post_from(rp, session, client, resp, checks)
    }

    /// Posts `resp` to `session` from `client`: the verifier decides with the carried state;
    /// an accepted response finishes the session, consumes its challenge, and stores what it
    /// proves (the card authentication, the counter, the registered credential). A login,
    /// registration or recovery takes a response only from the client that opened it (the
    /// session's cookie over its TLS connection); a kiosk's session is answered by the phone
    /// that scanned its QR, from its own client.
    pub fn post_from(
        &mut self,
        rp: &mut RpState,
        session: usize,
        client: u8,
        resp: Response,
        checks: Checks,
    ) -> Result<Result<(), Refusal>, ConformanceError> {
        let Some(s) = rp.sessions.get(session).copied() else {
            return Ok(Err(Refusal::NoSuchSession));
        };
        let own_channel = matches!(
            s.kind,
            SessionKind::Login | SessionKind::Register { .. } | SessionKind::Recover { .. }
        );
        if own_channel && client != s.client && checks.channel {
            return Ok(Err(Refusal::WrongChannel));
        }
        if s.kind == SessionKind::PhoneQr {
            // Only a kiosk's scan answers a phone's QR session ([`World::scan`]).
            return Ok(Err(Refusal::WrongCeremony));
        }
        // Without the challenge check the server takes whatever challenge the client signed
        // and keeps no record of consumed ones.
        let (challenge, used) = if checks.challenge {
            let used = rp
                .used
                .iter()
                .map(|i| self.challenge(*i).map(b64))
                .collect::<Result<Vec<_>, _>>()?;
            (self.challenge(s.challenge)?.to_vec(), used)
        } else {
            (self.challenge(resp.challenge())?.to_vec(), Vec::new())
        };
        let keys = self.keys.clone();
        let backend = self.backend;
        let now = Self::card_time(rp.time_secs)?;
        if let (SessionKind::Login, Response::Card { .. } | Response::Se { .. }) = (s.kind, resp) {
            let signed = self.challenge(resp.challenge())?.to_vec();
            let cert = match resp {
                Response::Card {
                    person, generation, ..
                } => CertRef::Card(person, generation),
                _ => CertRef::Se,
            };
            let issued = match cert {
                CertRef::Card(Person::A, g) => {
                    rp.card_issued.get(usize::from(g)).copied().unwrap_or(0)
                }
                CertRef::Card(Person::B, _) | CertRef::Se => 0,
            };
            let cred_json = self.jlis.sign(cert, issued, &signed)?;
            let e = ExpectedJson {
                challenge: b64(&challenge),
                ca_cert: Some(b64(&self.jlis.ca_der)),
                crl: Some(b64(&self.jlis.crl(&rp.revoked, rp.time_secs)?)),
                now: Some(now),
                used_challenges: used,
                ..ExpectedJson::default()
            };
            let exp = case::prepare_card(&e, backend)?;
            // J-LIS's records name the holder of the certificate's serial: the account.
            let effect =
                verify::verify_card(&exp, &cred_json).and_then(|a| {
                    match CertRef::of_serial(&a.serial) {
                        Some(CertRef::Se) => Ok(Effect::Se),
                        Some(CertRef::Card(person, _)) => Ok(Effect::Card(person)),
                        None => Err(Reject::UntrustedIssuer),
                    }
                });
            return Ok(Self::finish(rp, session, s, effect, &keys));
        }
        if let Response::Card { .. } | Response::Se { .. } = resp {
            // A JPKI signature posted to a registration or kiosk session.
            return Ok(Err(Refusal::WrongCeremony));
        }
        let c = self.render(resp)?;
        let cred_json = c.credential.get().as_bytes();
        let effect = match (s.kind, resp) {
            (SessionKind::Login | SessionKind::Kiosk, Response::Get { cred, phished, .. }) => {
                let account = match rp.account_of(cred) {
                    Ok(a) => a,
                    Err(r) => return Ok(Err(r)),
                };
                let stored = rp.counts[cred.index()];
                let key = &keys[cred.index()];
                // Without the origin check the server takes the origin and RP ID the client
                // reports.
                let (origin, rp_id) = if phished && !checks.origin {
                    (PHISH_ORIGIN, PHISH_RP_ID)
                } else {
                    (ORIGIN, RP_ID)
                };
                let e = ExpectedJson {
                    origin: Some(origin.to_owned()),
                    rp_id: Some(rp_id.to_owned()),
                    challenge: b64(&challenge),
                    public_key: Some(b64(&key.spki)),
                    public_key_algorithm: Some(key.alg.cose()),
                    stored_sign_count: Some(if checks.counter { stored } else { 0 }),
                    require_user_verification: true,
                    used_challenges: used,
                    ..ExpectedJson::default()
                };
                match case::prepare_get(&e, backend)? {
                    Ok(exp) => verify::verify_assertion(&exp, cred_json)
                        .map(|a| Effect::Get(cred, a.sign_count, account)),
                    Err(r) => Err(r),
                }
            }
            (
                SessionKind::Register { .. } | SessionKind::Recover { .. },
                Response::Create { cred, .. },
            ) => {
                let e = ExpectedJson {
                    origin: Some(ORIGIN.to_owned()),
                    rp_id: Some(RP_ID.to_owned()),
                    challenge: b64(&challenge),
                    require_user_verification: true,
                    used_challenges: used,
                    ..ExpectedJson::default()
                };
                debug_assert_eq!(c.kind, Kind::WebauthnCreate);
                let exp = case::prepare_create(&e, backend)?;
                match verify::verify_registration(&exp, cred_json) {
                    Ok(reg) if reg.spki != keys[cred.index()].spki => {
                        return Err(ConformanceError::Key(cred));
                    }
                    Ok(reg) => {
                        // WebAuthn L3 §7.1: the credential ID must not be registered yet (for
                        // any account; a revoked one is still on record).
                        let known = rp
                            .creds
                            .iter()
                            .any(|r| keys[r.cred.index()].credential_id == reg.credential_id);
                        if known && checks.fresh_credential {
                            return Ok(Err(Refusal::KnownCredential));
                        }
                        Ok(Effect::Create(cred))
                    }
                    Err(r) => Err(r),
                }
            }
            _ => return Ok(Err(Refusal::WrongCeremony)),
        };
        Ok(Self::finish(rp, session, s, effect, &keys))
    }

    /// Applies an accepted response's effect (or returns the refusal).
    fn finish(
        rp: &mut RpState,
        session: usize,
        s: Session,
        effect: Result<Effect, Reject>,
        keys: &[Registered; Cred::COUNT],
    ) -> Result<(), Refusal> {
        let effect = match effect {
            Ok(e) => e,
            Err(r) => return Err(Refusal::Verifier(r)),
        };
        if s.done {
            return Err(Refusal::SessionClosed);
        }
        let (auth, account) = match effect {
            Effect::Card(person) => (Some(Auth::Card), Some(person)),
            // The SE copy is the owner's phone's.
            Effect::Se => (Some(Auth::Se), Some(Person::A)),
            Effect::Get(cred, count, account) => {
                rp.counts[cred.index()] = count;
                (Some(Auth::Fido(cred)), Some(account))
            }
            Effect::Create(cred) => {
                // `post` refused a credential ID already on record (WebAuthn L3 §7.1), so this
                // one is new: it starts at the counter of its attestation. (With
                // `fresh_credential` off it is bound again, in this session's account, and its
                // counter never decreases.)
                rp.creds.push(CredRecord {
                    cred,
                    account: s.account.unwrap_or(Person::A),
                    live: true,
                });
                let c = &mut rp.counts[cred.index()];
                *c = (*c).max(keys[cred.index()].sign_count);
                (None, s.account)
            }
        };
        if let Some(st) = rp.sessions.get_mut(session) {
            st.done = true;
            st.auth = auth;
            st.account = account;
        }
        rp.used.push(s.challenge);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_YEARS: u64 = 5 * 365 * 24 * 3600;

    fn world() -> World {
        match World::new(7, 16, Backend::default(), FIVE_YEARS) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        }
    }

    fn post(
        w: &mut World,
        rp: &mut RpState,
        s: usize,
        r: Response,
        c: Checks,
    ) -> Result<(), Refusal> {
        match w.post(rp, s, r, c) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    const ALL: Checks = Checks::ALL;

    /// Registration needs a card login, once; logins keep counters and consume challenges;
    /// recovery revokes credentials and the SE copy. Each refusal has an accepted control.
    #[test]
    fn carried_state_follows_the_flows() {
        let mut w = world();
        let mut rp = RpState::default();
        let fido = |cred, challenge, count, phished| Response::Get {
            cred,
            challenge,
            count,
            phished,
        };
        // Registration before and after the card authentication of the parent login.
        let l0 = World::push_session(&mut rp, SessionKind::Login, 0, 0);
        let reg = SessionKind::Register { parent: l0 };
        assert_eq!(
            w.open(&mut rp.clone(), reg, 0, None, 1, ALL),
            Err(Refusal::Verifier(Reject::NoFreshCardAuth))
        );
        let card = Response::Card {
            person: Person::A,
            generation: 0,
            challenge: 0,
        };
        assert_eq!(post(&mut w, &mut rp, l0, card, ALL), Ok(()));
        assert_eq!(
            w.open(&mut rp.clone(), reg, 1, None, 1, ALL),
            Err(Refusal::NotOwnLogin)
        );
        let r0 = w.open(&mut rp, reg, 0, None, 1, ALL).unwrap_or(usize::MAX);
        assert_eq!(
            w.open(&mut rp.clone(), reg, 0, None, 2, ALL),
            Err(Refusal::Verifier(Reject::NoFreshCardAuth))
        );
        let create = Response::Create {
            cred: Cred::One,
            challenge: 1,
        };
        assert_eq!(post(&mut w, &mut rp, r0, create, ALL), Ok(()));
        // Logins: counter 1 accepted; the same bytes again, a stale counter, a phishing origin.
        let l1 = World::push_session(&mut rp, SessionKind::Login, 0, 2);
        let l2 = World::push_session(&mut rp, SessionKind::Login, 0, 3);
        assert_eq!(
            post(&mut w, &mut rp, l1, fido(Cred::One, 2, 1, false), ALL),
            Ok(())
        );
        let replay = post(
            &mut w,
            &mut rp.clone(),
            l2,
            fido(Cred::One, 2, 1, false),
            ALL,
        );
        assert_eq!(replay, Err(Refusal::Verifier(Reject::ChallengeMismatch)));
        let again = post(
            &mut w,
            &mut rp.clone(),
            l1,
            fido(Cred::One, 2, 1, false),
            ALL,
        );
        assert_eq!(again, Err(Refusal::Verifier(Reject::ChallengeReused)));
        let stale = post(
            &mut w,
            &mut rp.clone(),
            l2,
            fido(Cred::One, 3, 1, false),
            ALL,
        );
        assert_eq!(stale, Err(Refusal::Verifier(Reject::CounterNotIncreased)));
        let phish = post(
            &mut w,
            &mut rp.clone(),
            l2,
            fido(Cred::One, 3, 2, true),
            ALL,
        );
        assert_eq!(phish, Err(Refusal::Verifier(Reject::WrongOrigin)));
        // With the matching check off, each is accepted.
        let lax = |f: fn(&mut Checks)| {
            let mut c = ALL;
            f(&mut c);
            c
        };
        let no_challenge = lax(|c| c.challenge = false);
        let no_counter = lax(|c| c.counter = false);
        let no_origin = lax(|c| c.origin = false);
        // (A redirected assertion over l1's challenge with a fresh counter.)
        let r = fido(Cred::One, 2, 2, false);
        let strict = post(&mut w, &mut rp.clone(), l2, r, ALL);
        assert_eq!(strict, Err(Refusal::Verifier(Reject::ChallengeMismatch)));
        assert_eq!(post(&mut w, &mut rp.clone(), l2, r, no_challenge), Ok(()));
        let r = fido(Cred::One, 3, 1, false);
        assert_eq!(post(&mut w, &mut rp.clone(), l2, r, no_counter), Ok(()));
        let r = fido(Cred::One, 3, 2, true);
        assert_eq!(post(&mut w, &mut rp.clone(), l2, r, no_origin), Ok(()));
        let unknown = post(
            &mut w,
            &mut rp.clone(),
            l2,
            fido(Cred::Two, 3, 1, false),
            ALL,
        );
        assert_eq!(unknown, Err(Refusal::UnknownCredential));
        assert_eq!(
            post(&mut w, &mut rp.clone(), r0, card, ALL),
            Err(Refusal::WrongCeremony)
        );
        // Recovery under a fresh card login revokes credential one and the SE copy.
        let l3 = World::push_session(&mut rp, SessionKind::Login, 0, 4);
        let se = Response::Se { challenge: 4 };
        assert_eq!(post(&mut w, &mut rp.clone(), l3, se, ALL), Ok(()));
        let card = Response::Card {
            person: Person::A,
            generation: 0,
            challenge: 4,
        };
        assert_eq!(post(&mut w, &mut rp, l3, card, ALL), Ok(()));
        let rec = SessionKind::Recover { parent: l3 };
        let rs = w.open(&mut rp, rec, 0, None, 5, ALL).unwrap_or(usize::MAX);
        let l4 = World::push_session(&mut rp, SessionKind::Login, 0, 6);
        let old = post(
            &mut w,
            &mut rp.clone(),
            l4,
            fido(Cred::One, 6, 2, false),
            ALL,
        );
        assert_eq!(old, Err(Refusal::Verifier(Reject::CredentialRevoked)));
        let se = post(
            &mut w,
            &mut rp.clone(),
            l4,
            Response::Se { challenge: 6 },
            ALL,
        );
        assert_eq!(se, Err(Refusal::Verifier(Reject::CertRevoked)));
        // WebAuthn L3 §7.1: a revoked credential is still on record, so registering it again in
        // the recovery session is refused (it would revive it); the new phone's one is bound.
        let create = |cred, challenge| Response::Create { cred, challenge };
        assert_eq!(
            post(&mut w, &mut rp.clone(), rs, create(Cred::One, 5), ALL),
            Err(Refusal::KnownCredential)
        );
        assert_eq!(post(&mut w, &mut rp, rs, create(Cred::Two, 5), ALL), Ok(()));
        // A live one is refused too, under a fresh card login; its counter stays.
        let l5 = World::push_session(&mut rp, SessionKind::Login, 0, 7);
        let card = Response::Card {
            person: Person::A,
            generation: 0,
            challenge: 7,
        };
        assert_eq!(post(&mut w, &mut rp, l5, card, ALL), Ok(()));
        let r5 = w
            .open(&mut rp, reg_of(l5), 0, None, 8, ALL)
            .unwrap_or(usize::MAX);
        let l6 = World::push_session(&mut rp, SessionKind::Login, 0, 9);
        assert_eq!(
            post(&mut w, &mut rp, l6, fido(Cred::Two, 9, 1, false), ALL),
            Ok(())
        );
        let before = rp.creds.clone();
        assert_eq!(
            post(&mut w, &mut rp, r5, create(Cred::Two, 8), ALL),
            Err(Refusal::KnownCredential)
        );
        assert_eq!(rp.creds, before);
    }

    fn reg_of(parent: usize) -> SessionKind {
        SessionKind::Register { parent }
    }

    /// Two accounts (issue 10): `B`'s card logs into `B`'s account; a request of `B`'s naming
    /// `A`'s account is refused (believed with `account_from_card` off, a control); `B`'s `none`
    /// registration of `A`'s credential is refused as known (bound into `B`'s account with
    /// `fresh_credential` off, after which `A`'s assertion logs into `B`'s account); `B`'s own
    /// credential is bound into `B`'s account, and `A`'s recovery revokes only `A`'s.
    /// Registration and recovery are two endpoints, each with its own account check: `B`'s
    /// recovery naming `A`'s account is refused with every check on and with only the
    /// registration's check off; with the recovery's check off it is believed and retires
    /// `A`'s credential.
    #[test]
    fn each_endpoint_checks_its_own_claim() {
        let mut w = world();
        let mut rp = RpState::default();
        w.preregister(&mut rp, Cred::One, Person::A);
        let lb = World::push_session(&mut rp, SessionKind::Login, 1, 0);
        let card = Response::Card {
            person: Person::B,
            generation: 0,
            challenge: 0,
        };
        assert_eq!(post(&mut w, &mut rp, lb, card, ALL), Ok(()));
        let rec = SessionKind::Recover { parent: lb };
        let claim = Some(Person::A);
        for (checks, believed) in [
            (ALL, false),
            (
                Checks {
                    account_from_card: false,
                    ..ALL
                },
                false,
            ),
            (
                Checks {
                    recovery_account_from_card: false,
                    ..ALL
                },
                true,
            ),
        ] {
            let mut x = rp.clone();
            let r = w.open(&mut x, rec, 1, claim, 1, checks);
            if believed {
                assert_eq!(r.map(|i| x.sessions[i].account), Ok(Some(Person::A)));
                assert!(x.creds.iter().all(|c| c.account != Person::A || !c.live));
            } else {
                assert_eq!(r, Err(Refusal::AccountMismatch), "{checks:?}");
                assert!(x.creds.iter().any(|c| c.account == Person::A && c.live));
            }
        }
    }

    /// Recovery retires every credential of the account (seed §2), here the old phone's two
    /// (`Cred::One`, `Cred::Four`) and not the second person's; with
    /// `retire_every_credential` off (the control of `recovery-retires-one-credential`) only the
    /// first on record, and the old phone's second credential still logs in.
    #[test]
    fn recovery_retires_every_credential_of_the_account() {
        let mut w = world();
        let mut rp = RpState::default();
        w.preregister(&mut rp, Cred::One, Person::A);
        w.preregister(&mut rp, Cred::Four, Person::A);
        w.preregister(&mut rp, Cred::Three, Person::B);
        let l = World::push_session(&mut rp, SessionKind::Login, 0, 0);
        let card = Response::Card {
            person: Person::A,
            generation: 0,
            challenge: 0,
        };
        assert_eq!(post(&mut w, &mut rp, l, card, ALL), Ok(()));
        let rec = SessionKind::Recover { parent: l };
        for (checks, live) in [
            (ALL, [false, false, true]),
            (
                Checks {
                    retire_every_credential: false,
                    ..ALL
                },
                [false, true, true],
            ),
        ] {
            let mut x = rp.clone();
            assert!(w.open(&mut x, rec, 0, None, 1, checks).is_ok());
            let state = [Cred::One, Cred::Four, Cred::Three]
                .map(|c| x.creds.iter().any(|r| r.cred == c && r.live));
            assert_eq!(state, live, "{checks:?}");
            let login = World::push_session(&mut x, SessionKind::Login, 0, 2);
            let get = Response::Get {
                cred: Cred::Four,
                challenge: 2,
                count: 1,
                phished: false,
            };
            let r = post(&mut w, &mut x, login, get, checks);
            assert_eq!(r.is_ok(), live[1], "{checks:?}: {r:?}");
        }
    }

    #[test]
    fn accounts_follow_the_card_not_the_request() {
        let mut w = world();
        let mut rp = RpState::default();
        w.preregister(&mut rp, Cred::One, Person::A);
        let card = |person, challenge| Response::Card {
            person,
            generation: 0,
            challenge,
        };
        let lb = World::push_session(&mut rp, SessionKind::Login, 1, 0);
        assert_eq!(post(&mut w, &mut rp, lb, card(Person::B, 0), ALL), Ok(()));
        assert_eq!(rp.sessions[lb].account, Some(Person::B));
        let reg = reg_of(lb);
        let claim = Some(Person::A);
        assert_eq!(
            w.open(&mut rp.clone(), reg, 1, claim, 1, ALL),
            Err(Refusal::AccountMismatch)
        );
        let believed = Checks {
            account_from_card: false,
            ..ALL
        };
        let mut lax = rp.clone();
        let r = w.open(&mut lax, reg, 1, claim, 1, believed);
        assert_eq!(r.map(|i| lax.sessions[i].account), Ok(Some(Person::A)));
        // Naming its own account, or none, opens in B's.
        let mut named = rp.clone();
        let r = w.open(&mut named, reg, 1, Some(Person::B), 1, ALL);
        assert_eq!(r.map(|i| named.sessions[i].account), Ok(Some(Person::B)));
        let rb = w.open(&mut rp, reg, 1, None, 1, ALL).unwrap_or(usize::MAX);
        assert_eq!(
            rp.sessions.get(rb).map(|s| s.account),
            Some(Some(Person::B))
        );
        let create = |cred| Response::Create { cred, challenge: 1 };
        assert_eq!(
            post(&mut w, &mut rp.clone(), rb, create(Cred::One), ALL),
            Err(Refusal::KnownCredential)
        );
        let rebind = Checks {
            fresh_credential: false,
            ..ALL
        };
        let mut taken = rp.clone();
        assert_eq!(
            post(&mut w, &mut taken, rb, create(Cred::One), rebind),
            Ok(())
        );
        assert_eq!(taken.account_of(Cred::One), Ok(Person::B));
        assert_eq!(post(&mut w, &mut rp, rb, create(Cred::Three), ALL), Ok(()));
        assert_eq!(rp.account_of(Cred::Three), Ok(Person::B));
        assert_eq!(rp.account_of(Cred::One), Ok(Person::A));
        // A's login by assertion lands in A's account; A's recovery spares B's credential.
        let la = World::push_session(&mut rp, SessionKind::Login, 0, 2);
        let get = Response::Get {
            cred: Cred::One,
            challenge: 2,
            count: 1,
            phished: false,
        };
        assert_eq!(post(&mut w, &mut rp, la, get, ALL), Ok(()));
        assert_eq!(rp.sessions[la].account, Some(Person::A));
        let lc = World::push_session(&mut rp, SessionKind::Login, 0, 3);
        assert_eq!(post(&mut w, &mut rp, lc, card(Person::A, 3), ALL), Ok(()));
        assert_eq!(rp.sessions[lc].account, Some(Person::A));
        let rec = SessionKind::Recover { parent: lc };
        assert!(w.open(&mut rp, rec, 0, None, 4, ALL).is_ok());
        assert_eq!(
            rp.account_of(Cred::One),
            Err(Refusal::Verifier(Reject::CredentialRevoked))
        );
        assert_eq!(rp.account_of(Cred::Three), Ok(Person::B));
    }

    /// Renewal: the old generation is revoked, the new one is valid from its issue time for the
    /// validity; expiry is at `issued + validity` exactly.
    #[test]
    fn card_generations_follow_renewal_and_expiry() {
        let mut w = world();
        let mut rp = RpState::default();
        let card = |generation, challenge| Response::Card {
            person: Person::A,
            generation,
            challenge,
        };
        let at = |w: &mut World, rp: &RpState, t: u64, r: Response| {
            let mut rp = rp.clone();
            rp.time_secs = t;
            let l = World::push_session(&mut rp, SessionKind::Login, 0, r.challenge());
            post(w, &mut rp, l, r, ALL)
        };
        let expired = Err(Refusal::Verifier(Reject::CertExpired));
        assert_eq!(at(&mut w, &rp, FIVE_YEARS - 1, card(0, 0)), Ok(()));
        assert_eq!(at(&mut w, &rp, FIVE_YEARS, card(0, 1)), expired);
        rp.card_issued.push(3600);
        rp.revoke(CertRef::Card(Person::A, 0));
        let revoked = Err(Refusal::Verifier(Reject::CertRevoked));
        assert_eq!(at(&mut w, &rp, 3600, card(0, 2)), revoked);
        assert_eq!(at(&mut w, &rp, 3600, card(1, 3)), Ok(()));
        assert_eq!(at(&mut w, &rp, FIVE_YEARS + 3599, card(1, 4)), Ok(()));
        assert_eq!(at(&mut w, &rp, FIVE_YEARS + 3600, card(1, 5)), expired);
    }
}
