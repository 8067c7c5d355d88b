//! Bug switches: each removes one defence of the system, so that the checker can show that the
//! property the defence protects really fails without it (DESIGN.md §3, "Bug switches").

use crate::system::Scenario;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// One removed defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Bug {
    BindWithoutCardAuth,
    CardAuthPerIdentity,
    ReuseCardPermit,
    SkipRevocationCheck,
    SkipExpiryCheck,
    BindToCertSerial,
    SkipChallengeCheck,
    ReuseChallenge,
    IgnoreSignatureCounter,
    SkipOriginCheck,
    CardCounterInRam,
    CardUnblocksOverTime,
    BlockedCardTakesRightPin,
    UnlimitedSigningPassword,
    UnlimitedBiometricTries,
    IgnoreBiometricTimeouts,
    NoPinThrottle,
    SkipProximityCheck,
    SkipKioskBinding,
    KeepOldCredentials,
    KeepOldSeCertificate,
    GlobalPseudonym,
    PseudonymFromCertSerial,
    ForgetLossReport,
    CardPinFourTries,
    BiometricSixTries,
    GatekeeperOffByOne,
    EnrolSeWithoutCardAuth,
    PseudonymWithoutLogin,
    RenewalKeepsOldCert,
    WeakBiometricGatesKeys,
    PrimaryTimerFromLastBiometric,
    KeysSurviveEnrolmentChange,
    ProximityNotDistanceBounding,
    SkipKnownCredentialCheck,
    AccountFromRequest,
    PseudonymPerServiceOnly,
    ResetKeepsPinCounter,
    SeEnrolmentAnyRequester,
    PseudonymAnyRequester,
    RenewalRevokesNewCert,
    SeCopyOfNamedPerson,
    RecoveryRetiresOneCredential,
    RecoveryAccountFromRequest,
    IgnoreSessionChannel,
}

/// An unknown bug name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown bug `{0}` (see `model bugs`)")]
pub struct UnknownBug(pub String);

impl Bug {
    pub const ALL: [Bug; 45] = [
        Bug::BindWithoutCardAuth,
        Bug::CardAuthPerIdentity,
        Bug::ReuseCardPermit,
        Bug::SkipRevocationCheck,
        Bug::SkipExpiryCheck,
        Bug::BindToCertSerial,
        Bug::SkipChallengeCheck,
        Bug::ReuseChallenge,
        Bug::IgnoreSignatureCounter,
        Bug::SkipOriginCheck,
        Bug::CardCounterInRam,
        Bug::CardUnblocksOverTime,
        Bug::BlockedCardTakesRightPin,
        Bug::UnlimitedSigningPassword,
        Bug::UnlimitedBiometricTries,
        Bug::IgnoreBiometricTimeouts,
        Bug::NoPinThrottle,
        Bug::SkipProximityCheck,
        Bug::SkipKioskBinding,
        Bug::KeepOldCredentials,
        Bug::KeepOldSeCertificate,
        Bug::GlobalPseudonym,
        Bug::PseudonymFromCertSerial,
        Bug::ForgetLossReport,
        Bug::CardPinFourTries,
        Bug::BiometricSixTries,
        Bug::GatekeeperOffByOne,
        Bug::EnrolSeWithoutCardAuth,
        Bug::PseudonymWithoutLogin,
        Bug::RenewalKeepsOldCert,
        Bug::WeakBiometricGatesKeys,
        Bug::PrimaryTimerFromLastBiometric,
        Bug::KeysSurviveEnrolmentChange,
        Bug::ProximityNotDistanceBounding,
        Bug::SkipKnownCredentialCheck,
        Bug::AccountFromRequest,
        Bug::PseudonymPerServiceOnly,
        Bug::ResetKeepsPinCounter,
        Bug::SeEnrolmentAnyRequester,
        Bug::PseudonymAnyRequester,
        Bug::RenewalRevokesNewCert,
        Bug::SeCopyOfNamedPerson,
        Bug::RecoveryRetiresOneCredential,
        Bug::RecoveryAccountFromRequest,
        Bug::IgnoreSessionChannel,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The name of the property this switch must break.
    pub fn breaks(self) -> &'static str {
        self.info().1
    }

    /// Other properties the switch breaks as well, because the same defence protects them too.
    /// Without the challenge check, a kiosk session accepts the assertion the owner's phone made
    /// for another session (the near kiosk's), relayed by the attacker: the freshness defence
    /// also enforces kiosk proximity. A kiosk login that proximity or the kiosk binding should
    /// have stopped is the owner's phone completing the session of the person at the remote
    /// kiosk (account isolation, issue 10). (In `renew` the owner's card signature, delivered to
    /// the thief's own login, still card-authenticates it and J-LIS issues a JPKI copy to the
    /// stolen phone again after the recovery retired it; but that copy's signature logged in
    /// only the owner's own open login, which the session channel now refuses: the full `renew`
    /// run under `skip-challenge-check`, 44,552,510 states, breaks challenge freshness alone, so
    /// recovery is no longer collateral of the two switches.) J-LIS issuing the copy to whoever
    /// names the owner's card-authenticated session breaks recovery
    /// (`se-enrolment-any-requester`). A renewal that revokes the new certificate leaves the old
    /// one unrevoked, so a card signature of the old generation still binds (bind to identity,
    /// as `renewal-keeps-old-cert`). Bindings keyed by the certificate serial lock the owner out
    /// after a recovery and a renewal: the new phone's binding is orphaned, and the
    /// known-credential refusal keeps it from being bound again (owner can recover). A FIDO
    /// login that may open registrations may open recoveries too: the thief in `stolen-both`
    /// logs in with the unlocked phone and opens one (recovery). So does the thief in `renew`
    /// (issue 9: its own recovery is offered wherever it may ask, and the server decides), who
    /// logs in with the stolen old phone, under `bind-without-card-auth` and under
    /// `card-auth-per-identity` (the owner's card signature in another session marks the
    /// person, so the thief's FIDO login counts as card-authenticated): the recovery retires
    /// every credential of the owner, the new phone's included, and binds the thief's key
    /// (recovery); the known-credential refusal then keeps the new phone's key from being bound
    /// again, as with `bind-to-cert-serial` (owner can recover: the model's phone has one
    /// credential key, where a real one would make a new credential).
    ///
    /// In `insider` (issue 10): binding a known
    /// credential again puts the owner's key into the second person's account, so the owner's
    /// next login lands there (account isolation) and the owner's session then receives the
    /// second person's identifier (unlinkability). A blocked card that takes the right PIN
    /// lets the owner recover without the in-person reset, which `owner can recover` says is
    /// the only way back. A JPKI copy of the owner issued in a session the second person's card
    /// authenticated is that card's signature acting for the owner (account isolation). One identifier for all services lets two services match a person
    /// (`pseudonyms` and `unlinkability` state that clause alike).
    pub fn also_breaks(self) -> &'static [&'static str] {
        use crate::properties::names::*;
        match self {
            Bug::SkipChallengeCheck | Bug::ReuseChallenge => &[KIOSK_PROXIMITY, ACCOUNT_ISOLATION],
            Bug::SkipProximityCheck | Bug::SkipKioskBinding | Bug::ProximityNotDistanceBounding => {
                &[ACCOUNT_ISOLATION]
            }
            Bug::SkipKnownCredentialCheck => &[ACCOUNT_ISOLATION, UNLINKABILITY],
            Bug::SeEnrolmentAnyRequester => &[RECOVERY],
            Bug::SeCopyOfNamedPerson => &[ACCOUNT_ISOLATION],
            Bug::RenewalRevokesNewCert | Bug::RecoveryAccountFromRequest => &[BIND_TO_IDENTITY],
            Bug::BindToCertSerial => &[OWNER_CAN_RECOVER],
            Bug::BindWithoutCardAuth | Bug::CardAuthPerIdentity => &[RECOVERY, OWNER_CAN_RECOVER],
            Bug::BlockedCardTakesRightPin => &[OWNER_CAN_RECOVER],
            Bug::GlobalPseudonym => &[UNLINKABILITY],
            _ => &[],
        }
    }

    /// The scenarios in which the switch breaks the property it names, each alone: `model check
    /// --bug NAME --scenario S` fails for each of them (measured for every pair of switch and
    /// scenario on 14d855d's model: these are all the pairs that failed; re-measured on
    /// 2026-12-08 for `kiosk`, `stolen-phone`, `stolen-iphone` and `stolen-card`, where issue 9's
    /// capabilities added the attacker's identifier requests, which show the pseudonym
    /// switches there too, and for the SE enrolment and recovery switches in `enrol`, `renew`
    /// and `stolen-both`, where they added its JPKI copy onto a phone of its own and its own
    /// recovery). The tests and the
    /// mutation oracle require every one, so a defence or an observer that goes blind in one
    /// scenario is seen even where another scenario still shows the switch. Why each is
    /// reachable there:
    /// - registration, SE enrolment and pseudonym switches: wherever a person logs in with a card
    ///   (`enrol`, `renew`, `insider`) or a thief holds the card or the unlocked phone
    ///   (`stolen-card`, `stolen-both`); an identifier given without a login, wherever the
    ///   attacker asks for one (every scenario with an attacker), and one given to whoever asks,
    ///   wherever the owner's session is authenticated (`kiosk` too); a JPKI copy issued to
    ///   whoever asks in the owner's session, wherever the owner logs in with the card (`enrol`:
    ///   the attacker asks for one onto a phone of its own);
    /// - certificate switches: where a certificate expires (`enrol`'s and `renew`'s five-year
    ///   point), is superseded (`renew`'s renewal, `stolen-card`'s reissue) or revoked;
    /// - challenge and counter switches: wherever a second session or a cloned key gives the
    ///   attacker a term to replay (`kiosk`'s two kiosks, the logins of `enrol`, `renew`, `insider`);
    /// - card PIN switches: wherever someone other than the owner types the card's PINs
    ///   (`stolen-card`, `stolen-both`, the second person in `insider`);
    /// - sensor and lock-screen switches: the locked phones of `stolen-phone`, `stolen-iphone`,
    ///   `stolen-both` (Apple's schedule is not gatekeeper's, and `stolen-both` has one clock point:
    ///   the timer switches show only where the clock passes the timers);
    /// - kiosk switches: `kiosk`; the second person's switches: `insider`; the owner's timers:
    ///   `daily-use` (regular use) and `stolen-phone-pin-known` (the thief's enrolment).
    pub fn caught_in(self) -> &'static [Scenario] {
        use Scenario::*;
        match self {
            Bug::BindWithoutCardAuth | Bug::EnrolSeWithoutCardAuth => &[Enrol, Renew, StolenBoth],
            Bug::CardAuthPerIdentity => &[Enrol, Renew],
            Bug::ReuseCardPermit => &[StolenCard, Insider, StolenBoth],
            Bug::SkipRevocationCheck => &[Renew, StolenCard, StolenBoth],
            Bug::SkipExpiryCheck => &[Enrol, Renew, StolenCard],
            Bug::PseudonymFromCertSerial => &[Renew, StolenCard],
            Bug::BindToCertSerial
            | Bug::KeepOldCredentials
            | Bug::KeepOldSeCertificate
            | Bug::WeakBiometricGatesKeys
            | Bug::RecoveryRetiresOneCredential => &[Renew],
            Bug::SkipChallengeCheck | Bug::ReuseChallenge => &[Enrol, Renew, Kiosk, Insider],
            Bug::IgnoreSignatureCounter => &[Enrol, Kiosk],
            Bug::SkipOriginCheck => &[Enrol],
            Bug::CardCounterInRam | Bug::UnlimitedSigningPassword | Bug::ForgetLossReport => {
                &[StolenCard, StolenBoth]
            }
            Bug::CardUnblocksOverTime => &[StolenCard],
            Bug::BlockedCardTakesRightPin | Bug::CardPinFourTries => {
                &[StolenCard, Insider, StolenBoth]
            }
            Bug::UnlimitedBiometricTries | Bug::NoPinThrottle => {
                &[StolenPhone, StolenIphone, StolenBoth]
            }
            Bug::IgnoreBiometricTimeouts => &[StolenPhone],
            Bug::BiometricSixTries | Bug::GatekeeperOffByOne => &[StolenPhone, StolenBoth],
            Bug::SkipProximityCheck | Bug::SkipKioskBinding | Bug::ProximityNotDistanceBounding => {
                &[Kiosk]
            }
            Bug::GlobalPseudonym => &[Enrol, Renew, StolenCard, Insider, StolenBoth],
            Bug::PseudonymWithoutLogin => &[
                Enrol,
                Renew,
                Kiosk,
                StolenPhone,
                StolenCard,
                Insider,
                StolenIphone,
                StolenBoth,
            ],
            Bug::RenewalKeepsOldCert | Bug::RenewalRevokesNewCert => &[Renew, StolenCard],
            Bug::PrimaryTimerFromLastBiometric => &[DailyUse],
            Bug::KeysSurviveEnrolmentChange => &[StolenPhonePinKnown],
            Bug::SkipKnownCredentialCheck
            | Bug::AccountFromRequest
            | Bug::RecoveryAccountFromRequest
            | Bug::PseudonymPerServiceOnly
            | Bug::ResetKeepsPinCounter
            | Bug::SeCopyOfNamedPerson => &[Insider],
            Bug::SeEnrolmentAnyRequester => &[Enrol, Renew, Insider],
            Bug::PseudonymAnyRequester => &[Enrol, Renew, Kiosk, Insider],
            Bug::IgnoreSessionChannel => &[Enrol, Renew],
        }
    }

    /// The defence it removes.
    pub fn removes(self) -> &'static str {
        self.info().2
    }

    fn info(self) -> (&'static str, &'static str, &'static str) {
        use crate::properties::names::*;
        match self {
            Bug::BindWithoutCardAuth => (
                "bind-without-card-auth",
                BINDING,
                "registration is allowed in a session logged in by FIDO or the SE, not by the card",
            ),
            Bug::CardAuthPerIdentity => (
                "card-auth-per-identity",
                BINDING,
                "a card authentication marks the person, not the session, as card-authenticated",
            ),
            Bug::ReuseCardPermit => (
                "reuse-card-permit",
                BINDING,
                "one card authentication may open any number of registrations",
            ),
            Bug::SkipRevocationCheck => (
                "skip-revocation-check",
                BIND_TO_IDENTITY,
                "the server accepts a card signature from a revoked certificate",
            ),
            Bug::ForgetLossReport => (
                "forget-loss-report",
                BIND_TO_IDENTITY,
                "J-LIS does not record the owner's loss report, so the lost card's certificate stays unrevoked",
            ),
            Bug::SkipExpiryCheck => (
                "skip-expiry-check",
                BIND_TO_IDENTITY,
                "the server accepts a card signature from an expired certificate",
            ),
            Bug::BindToCertSerial => (
                "bind-to-cert-serial",
                BIND_TO_IDENTITY,
                "bindings are keyed by the certificate serial, so renewal orphans them",
            ),
            Bug::SkipChallengeCheck => (
                "skip-challenge-check",
                CHALLENGE_FRESHNESS,
                "the server does not compare the signed challenge with the session's",
            ),
            Bug::ReuseChallenge => (
                "reuse-challenge",
                CHALLENGE_FRESHNESS,
                "the server issues the same challenge to every session",
            ),
            Bug::IgnoreSignatureCounter => (
                "ignore-signature-counter",
                CLONE_DETECTION,
                "the server does not compare the assertion's signature counter",
            ),
            Bug::SkipOriginCheck => (
                "skip-origin-check",
                ORIGIN_BINDING,
                "the server does not check the origin in the client data",
            ),
            Bug::CardCounterInRam => (
                "card-counter-in-ram",
                PIN_LOCKOUT,
                "the card keeps its retry counters in RAM: a power cycle clears them",
            ),
            Bug::BlockedCardTakesRightPin => (
                "blocked-card-takes-right-pin",
                PIN_LOCKOUT,
                "the blocked card refuses wrong PINs only: the right PIN still gets through",
            ),
            Bug::CardUnblocksOverTime => (
                "card-unblocks-over-time",
                PIN_LOCKOUT,
                "a blocked card unblocks itself as time passes, without the in-person reset",
            ),
            Bug::UnlimitedSigningPassword => (
                "unlimited-signing-password",
                PIN_LOCKOUT,
                "the card does not block the signing password after 5 wrong tries",
            ),
            Bug::UnlimitedBiometricTries => (
                "unlimited-biometric-tries",
                BIOMETRIC_LOCKOUT,
                "the sensor ignores the failure count: no timed or permanent lockout",
            ),
            Bug::IgnoreBiometricTimeouts => (
                "ignore-biometric-timeouts",
                BIOMETRIC_LOCKOUT,
                "the sensor ignores the idle and primary-credential timeouts",
            ),
            Bug::NoPinThrottle => (
                "no-pin-throttle",
                PIN_FALLBACK_THROTTLE,
                "the authenticator ignores the lock-screen PIN delay schedule",
            ),
            Bug::SkipProximityCheck => (
                "skip-proximity-check",
                KIOSK_PROXIMITY,
                "the phone answers a kiosk QR without checking that the kiosk is near",
            ),
            Bug::SkipKioskBinding => (
                "skip-kiosk-binding",
                KIOSK_PROXIMITY,
                "the server logs in whichever kiosk presents the phone's QR",
            ),
            Bug::KeepOldCredentials => (
                "keep-old-credentials",
                RECOVERY,
                "recovery does not revoke the old phone's FIDO credentials",
            ),
            Bug::KeepOldSeCertificate => (
                "keep-old-se-certificate",
                RECOVERY,
                "recovery does not revoke the old phone's JPKI copy",
            ),
            Bug::GlobalPseudonym => (
                "global-pseudonym",
                PSEUDONYMS,
                "every service receives the same identifier for a person",
            ),
            Bug::CardPinFourTries => (
                "card-pin-four-tries",
                PIN_LOCKOUT,
                "the card's PIN policy data (`card-pin`) allows 4 wrong tries, not J-LIS's 3",
            ),
            Bug::BiometricSixTries => (
                "biometric-six-tries",
                BIOMETRIC_LOCKOUT,
                "the phone policy's data puts the timed biometric lockout after 6 failures, not 5",
            ),
            Bug::GatekeeperOffByOne => (
                "gatekeeper-off-by-one",
                PIN_FALLBACK_THROTTLE,
                "the lock-screen PIN delays come one failure late (after the 6th, 11th, ...)",
            ),
            Bug::EnrolSeWithoutCardAuth => (
                "enrol-se-without-card-auth",
                SE_ENROLMENT,
                "J-LIS issues a JPKI copy to a phone in a session logged in by FIDO or the SE, not by the card",
            ),
            Bug::PseudonymWithoutLogin => (
                "pseudonym-without-login",
                PSEUDONYMS,
                "a session passes the person's identifier to a service without being logged in",
            ),
            Bug::RenewalKeepsOldCert => (
                "renewal-keeps-old-cert",
                BIND_TO_IDENTITY,
                "a renewal (or reissue) issues the new certificate but does not revoke the old one",
            ),
            Bug::WeakBiometricGatesKeys => (
                "weak-biometric-gates-keys",
                STRONG_BIOMETRIC_ONLY,
                "the authenticator lets a class 2 (weak) biometric gate the SE's keys",
            ),
            Bug::PrimaryTimerFromLastBiometric => (
                "primary-timer-from-last-biometric",
                BIOMETRIC_LOCKOUT,
                "the 72 h primary-credential timer runs from the last unlock of any kind (a biometric match restarts it), not from the last PIN",
            ),
            Bug::KeysSurviveEnrolmentChange => (
                "keys-survive-enrolment-change",
                OWNERS_BIOMETRIC_ONLY,
                "the SE's JPKI copy and FIDO keys are not bound to the enrolled biometric set: a \
                 new enrolment leaves them usable",
            ),
            Bug::ProximityNotDistanceBounding => (
                "proximity-not-distance-bounding",
                KIOSK_PROXIMITY,
                "the phone's proximity check is presence on a short-range channel (as CTAP 2.2 \
                 hybrid's BLE advert), not distance bounding, so a relay standing near the phone \
                 makes a remote kiosk look near",
            ),
            Bug::SkipKnownCredentialCheck => (
                "skip-known-credential-check",
                KNOWN_CREDENTIAL,
                "the portal binds a credential already on record (WebAuthn L3 §7.1 \"credentialId is \
                 not yet registered\" not checked): the insider registers the owner's credential ID \
                 and public key to its own account",
            ),
            Bug::AccountFromRequest => (
                "account-from-request",
                ACCOUNT_ISOLATION,
                "a registration binds in the account its request names (a user handle in the \
                 request), not in the account of the card that authenticated its parent login",
            ),
            Bug::PseudonymPerServiceOnly => (
                "pseudonym-per-service-only",
                UNLINKABILITY,
                "the identifier is derived from the service alone, so two persons get the same one \
                 at a service",
            ),
            Bug::ResetKeepsPinCounter => (
                "reset-keeps-pin-counter",
                OWNER_CAN_RECOVER,
                "the in-person reset at the municipal office does not clear the blocked user-auth \
                 PIN's counter, so the owner's card stays blocked",
            ),
            Bug::SeEnrolmentAnyRequester => (
                "se-enrolment-any-requester",
                SE_ENROLMENT,
                "J-LIS issues the JPKI copy at the request of anyone who names a card-authenticated \
                 session, not only of the session's opener (the session is its opener's channel)",
            ),
            Bug::PseudonymAnyRequester => (
                "pseudonym-any-requester",
                PSEUDONYMS,
                "a logged-in session passes the person's identifier to whoever asks in its name, not \
                 only to the session's opener",
            ),
            Bug::RenewalRevokesNewCert => (
                "renewal-revokes-new-cert",
                OWNER_CAN_RECOVER,
                "a renewal (or reissue) issues the new certificate first and then revokes the \
                 newest one on record: the new card's, not the old one's, so the owner's new card \
                 is refused",
            ),
            Bug::SeCopyOfNamedPerson => (
                "se-copy-of-named-person",
                SE_ENROLMENT,
                "J-LIS issues the JPKI copy of the person an SE enrolment request names, not of the \
                 person whose card authenticated the session, so the second person's card gets \
                 a copy of the owner's identity onto the second person's phone",
            ),
            Bug::RecoveryRetiresOneCredential => (
                "recovery-retires-one-credential",
                RECOVERY,
                "a recovery retires the first live credential of the account and stops there: a \
                 second credential of the old phone stays live",
            ),
            Bug::RecoveryAccountFromRequest => (
                "recovery-account-from-request",
                ACCOUNT_ISOLATION,
                "the recovery endpoint alone takes the account its request names, not the account \
                 of the card that authenticated its parent login (the registration endpoint still \
                 checks): the second person's recovery retires the owner's credentials",
            ),
            Bug::IgnoreSessionChannel => (
                "ignore-session-channel",
                SESSION_INTEGRITY,
                "the portal takes a response to a login, registration or recovery from any client, \
                 not only over the channel (TLS connection and session cookie) of the client that \
                 opened the session: the network attacker answers the owner's registration with \
                 an attestation of its own key",
            ),
            Bug::PseudonymFromCertSerial => (
                "pseudonym-from-cert-serial",
                PSEUDONYMS,
                "the identifier is derived from the certificate serial, so renewal changes it",
            ),
        }
    }

    fn bit(self) -> u64 {
        1 << (self as u64)
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bug {
    type Err = UnknownBug;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bug::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| UnknownBug(s.to_string()))
    }
}

/// A set of bug switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Bugs(u64);

impl Bugs {
    pub const NONE: Bugs = Bugs(0);

    pub fn only(bug: Bug) -> Bugs {
        Bugs(bug.bit())
    }

    pub fn with(self, bug: Bug) -> Bugs {
        Bugs(self.0 | bug.bit())
    }

    pub fn has(self, bug: Bug) -> bool {
        self.0 & bug.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Bug> {
        Bug::ALL.into_iter().filter(move |b| self.has(*b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for b in Bug::ALL {
            assert_eq!(b.name().parse::<Bug>(), Ok(b));
        }
        let mut names: Vec<_> = Bug::ALL.iter().map(|b| b.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Bug::ALL.len());
        assert!("no-such-bug".parse::<Bug>().is_err());
    }
}
