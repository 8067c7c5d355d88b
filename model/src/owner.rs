//! The owner: the steps of each flow (DESIGN.md §1) on the owner's phone(s) and card, in the
//! scenario's script order ([`crate::system::Scenario::script`]).
//!
//! Each step runs only if its precondition holds (the owner waits for the answer to the
//! session it last answered before taking the next step). The owner's phone verifies the owner
//! with the biometric, or with the lock-screen PIN when the phone's automaton no longer takes
//! presentations; the owner always enters the right secrets. The composition that offers these
//! steps as actions is [`crate::system`].

use crate::authenticator::UserVerified;
use crate::bugs::Bug;
use crate::card::{Entry, Holder};
use crate::crypto::{Origin, PhoneId, Term};
use crate::kiosk::{self, KioskId};
use crate::policy::HOUR;
use crate::properties::Milestone;
use crate::server::{Party, SessionKind};
use crate::system::{Config, Scenario, State, Step};

impl Config {
    /// The owner verifies on a phone: biometric or lock-screen PIN per the phone's automaton.
    /// `Some((token, by_pin))`: verified, by the lock-screen PIN rather than the biometric.
    pub(crate) fn owner_verify_how(
        &self,
        s: &mut State,
        id: PhoneId,
    ) -> Option<(UserVerified, bool)> {
        let now = self.now_secs(s);
        let auth = &mut s.phones[id.index()].auth;
        let (uv, by_biometric) = auth.owner_verify(&self.phone_policy, now, self.bugs)?;
        let policy = &self.phone_policy.name;
        if by_biometric {
            s.ghost.on_presentation(id, policy, now, true);
            s.ghost.on_key_gated_by_biometric(id);
        } else {
            let recent_biometric =
                now.saturating_sub(s.ghost.bio[id.index()].last_bio_at) < 4 * HOUR;
            if s.scenario == Scenario::DailyUse && recent_biometric && now >= 72 * HOUR {
                s.ghost.reach(Milestone::PrimaryTimeoutAfterRegularUse);
            }
            s.ghost.on_phone_pin(id, policy, now, Entry::Right);
            s.ghost.reach(Milestone::OwnerPinFallback);
        }
        Some((uv, !by_biometric))
    }

    pub(crate) fn owner_verify(&self, s: &mut State, id: PhoneId) -> Option<UserVerified> {
        self.owner_verify_how(s, id).map(|(uv, _)| uv)
    }

    /// Run the owner's next step, if its precondition holds.
    pub(crate) fn user_step(&self, s: &mut State, step: Step) -> Option<()> {
        if let Some(a) = s.user.awaiting
            && s.session_open(a)
        {
            return None;
        }
        s.user.awaiting = None;
        let now = self.now_secs(s);
        let rules = self.rules();
        match step {
            Step::StartLogin => {
                let i = s.server.open(SessionKind::Login, Party::User, rules).ok()?;
                s.user.login = Some(i);
            }
            Step::CardAuth => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                if s.card.holder != Holder::Owner {
                    return None;
                }
                let nonce = s.nonce(l)?;
                let t = self.card_sign_right_pin(s, now, nonce)?;
                s.attacker.learn(t);
                s.user.awaiting = Some(l);
            }
            Step::EnrolSe => {
                let l = s.user.login?;
                s.server
                    .enrol_se(l, PhoneId::Old, Party::User, self.bugs)
                    .ok()?;
                s.ghost.on_se_enrolment(l);
                s.phone(PhoneId::Old).se.enrol_jpki();
            }
            Step::RequestRegister | Step::RequestRecover => {
                let parent = s.user.login?;
                let kind = if step == Step::RequestRegister {
                    SessionKind::Register { parent }
                } else {
                    SessionKind::Recover { parent }
                };
                let c = s.server.open(kind, Party::User, rules).ok()?;
                if step == Step::RequestRecover {
                    s.ghost.on_recovery(parent);
                }
                s.user.child = Some(c);
            }
            Step::Attest(id) => {
                let c = s.user.child.filter(|c| s.session_open(*c))?;
                let nonce = s.nonce(c)?;
                let uv = self.owner_verify(s, id)?;
                let t = s.phone(id).se.make_credential(uv, nonce, Origin::Real);
                s.attacker.learn(t);
                s.user.awaiting = Some(c);
            }
            Step::SeLogin | Step::FidoLogin(_) => {
                let l = s.user.login.filter(|l| s.session_open(*l))?;
                let nonce = s.nonce(l)?;
                let id = match step {
                    Step::FidoLogin(id) => id,
                    _ => PhoneId::Old,
                };
                let (uv, by_pin) = self.owner_verify_how(s, id)?;
                let t = match step {
                    Step::SeLogin if !by_pin => {
                        s.ghost.reach(Milestone::SeSignedAfterBiometric);
                        s.phone(id).se.jpki_sign(uv, nonce)?
                    }
                    Step::SeLogin => s.phone(id).se.jpki_sign(uv, nonce)?,
                    _ => s.phone(id).se.get_assertion(uv, nonce, Origin::Real)?,
                };
                s.attacker.learn(t);
                s.user.awaiting = Some(l);
            }
            Step::Pseudonym(svc) => {
                let l = s.user.login?;
                s.server
                    .issue_pseudonym(l, svc, Party::User, self.bugs)
                    .ok()?;
                s.ghost.on_pseudonym(l);
            }
            Step::Renew => {
                s.card.renew();
                s.server.renew(now, self.bugs);
                s.ghost.on_renewal(now);
            }
            // Not a script step (see `owner_reissues`).
            Step::Reissue | Step::Unlock => return None,
            Step::ScanKioskQr => {
                let k = s.kiosks[KioskId::Near.index()]
                    .showing
                    .filter(|k| s.session_open(*k))?;
                let t = self.answer_kiosk_qr(s, KioskId::Near, k)?;
                s.attacker.learn(t);
                s.user.awaiting = Some(k);
            }
            Step::ShowPhoneQr => {
                let kind = SessionKind::PhoneQr {
                    kiosk: KioskId::Near,
                };
                let q = s.server.open(kind, Party::User, rules).ok()?;
                let nonce = s.nonce(q)?;
                let uv = self.owner_verify(s, PhoneId::Old)?;
                let t = s
                    .phone(PhoneId::Old)
                    .se
                    .get_assertion(uv, nonce, Origin::Real)?;
                s.user.qr = Some(t);
                s.attacker.learn(t);
                s.user.awaiting = Some(q);
            }
            Step::ReportLoss => {
                if !self.bugs.has(Bug::ForgetLossReport) {
                    s.server.revoke(s.card.cert);
                }
                s.ghost.on_loss_reported(s.card.cert);
            }
        }
        s.user.pc += 1;
        Some(())
    }

    /// The owner unlocks the old phone, as every day (`daily-use`, at any clock point): the
    /// biometric while it is open, else the lock-screen PIN.
    pub(crate) fn owner_unlocks(&self, s: &mut State) -> Option<()> {
        let before = s.phones[PhoneId::Old.index()].auth;
        self.owner_verify(s, PhoneId::Old)?;
        (s.phones[PhoneId::Old.index()].auth != before).then_some(())
    }

    /// The owner, whose card a thief holds, gets a new card at the municipal office: J-LIS
    /// issues the next certificate generation and revokes the old card's (a physical event for
    /// the observer); the thief's card keeps the old generation.
    pub(crate) fn owner_reissues(&self, s: &mut State) -> Option<()> {
        if s.user.pc != 0 {
            return None;
        }
        let now = self.now_secs(s);
        s.server.renew(now, self.bugs);
        s.ghost.on_renewal(now);
        // The owner's part of `stolen-card` is over.
        s.user.pc = 1;
        Some(())
    }

    /// The owner's phone answers a kiosk QR (after its proximity check).
    pub(crate) fn answer_kiosk_qr(
        &self,
        s: &mut State,
        kiosk: KioskId,
        session: u8,
    ) -> Option<Term> {
        if !kiosk::phone_accepts_qr(kiosk, self.bugs.has(Bug::SkipProximityCheck)) {
            return None;
        }
        let nonce = s.nonce(session)?;
        let uv = self.owner_verify(s, PhoneId::Old)?;
        s.phone(PhoneId::Old)
            .se
            .get_assertion(uv, nonce, Origin::Real)
    }
}
