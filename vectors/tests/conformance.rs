//! Trace conformance (issue 5, "Trace conformance"; DESIGN.md §5): the traces that the `model`
//! crate explores, replayed as concrete messages, get the same accept/reject from the concrete
//! verifier as from the model's server, at every step that reaches the server.
//!
//! The walk is a breadth-first search over the model's states (through the stateright `Model`
//! methods `init_states`, `actions`, `next_state`), carrying next to each state the concrete
//! relying party's state ([`RpState`]) reached along the state's BFS path. At every state, every
//! enabled action that asks the server for a decision is decided twice:
//! - by the model's server, on a copy of the state (`Server::receive` for a delivery,
//!   `Server::present_qr` for a kiosk presenting a phone's QR, `Server::open` for a
//!   registration or recovery session);
//! - by the concrete relying party ([`World::post`] / [`World::open`]) on the rendered bytes.
//!
//! Rejected deliveries are not transitions of the model (its `next_state` drops them), so they
//! are decided here from the enabled actions, not from the edges. The two verdicts must agree,
//! and on acceptance so must the account (issue 10): the account the session is then logged in
//! as, or, for a registration or recovery, binds into (`Session::account` on both sides).
//!
//! The mapping of model terms onto bytes ([`response_of`]): challenge `n` is entry `n` of the
//! world's challenge table; `CardSig { person: A, cert: g }` is the owner's card's PKCS#1 v1.5
//! signature with the certificate of generation `g`, which the conformance CA issued at the
//! model's issue time and valid for the model's certificate validity; `CardSig { person: B }`
//! is the second person's card (a key and a certificate of its own from the same CA, issued at
//! 0, never revoked, as the model's server has it); `SeSig` of the old phone is the SE copy's
//! signature with its own certificate; the CRL lists what the model's J-LIS revoked (renewal,
//! loss report) and, after the owner's recovery, the SE copy. `Attestation` of the old / new
//! phone's key is the ES256 registration of phone one / two, and of the attacker's own key
//! (in `insider`, the second person's authenticator) the RS256 credential's; all use the
//! `none` attestation format, so the second person's registration of the owner's credential
//! (`Attestation { key: Old }` in its own session) is the very bytes phone one would send
//! there: the owner's credential ID and public key over the second person's challenge, which
//! anyone can assemble. `Assertion` is the assertion with the model's counter, on the phishing
//! origin (`mynaporta1.example`, its RP ID hash) when the model says `Phish`. A clone signs with
//! the same key, so its assertion is the same bytes as the phone's with that counter. A request
//! naming an account (`RegisterForOwner`, `RecoverForOwner`: the owner's) is
//! [`World::open`] with that claim. Model time `t` seconds is `NOW + t`.
//! [`clock_points_agree_with_card_validity`] checks the expiry boundary on every clock point.
//!
//! Skipped, with a count, because there are no bytes for them here:
//! - the new phone's SE copy (never issued in the model's scenarios);
//! - the attacker's second key (a second registration, reached only with `reuse-card-permit`,
//!   which no run here switches on);
//! - a kiosk presenting a QR bound to another kiosk: the kiosk binding is which kiosk's channel
//!   posts, session bookkeeping rather than bytes;
//! - biometric matching, lock-screen PIN and card PIN counters, kiosk proximity (the phone's
//!   BLE check), the clock and its lockout timers, pseudonyms, SE enrolment, the SMS baseline's
//!   number reassignment and one-time code (no SMS login outside `--sms-baseline`): client-side
//!   or bookkeeping steps with no response for a verifier (the clock still sets the verification
//!   time; renewals and loss reports still reach the CRL: they are mirrored, not compared).
//!
//! A skipped delivery's effect on the concrete state is taken from the model (the session is
//! finished if the model accepted), so that the trace can be followed past it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use model::bugs::Bug;
use model::crypto::{Key, Origin, Person as MPerson, PhoneId, Term};
use model::server::{Party, Server, SessionKind as MKind, Status};
use model::system::{Action, AttackerVerb, Config, KioskVerb, Scenario, State, Step};
use stateright::Model;
use vectors::conformance::{
    Auth, CertRef, Checks, ConformanceError, Cred, Person, Refusal, Response, RpState, SessionKind,
    World,
};
use vectors::sig::Backend;

/// The kinds every run reports; the first four must each show both verdicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum StepKind {
    /// An attestation, or the opening of a registration / recovery session.
    Registration,
    /// An assertion on the real origin answering the target session's open challenge (the
    /// owner's login, a kiosk login, or a clone's assertion).
    Login,
    /// A response delivered to a session that is not open, or whose challenge it does not sign.
    Replay,
    /// An assertion made on the phishing origin.
    Phishing,
    /// A JPKI authentication (the card, or the phone SE's JPKI copy) answering the target
    /// session's open challenge.
    CardAuth,
    /// A response to a login, registration or recovery delivered on another client's channel
    /// than the opener's (the attacker's attestation in the owner's registration).
    Substitution,
}

const REQUIRED: [StepKind; 5] = [
    StepKind::Registration,
    StepKind::Login,
    StepKind::Replay,
    StepKind::Phishing,
    StepKind::Substitution,
];

/// How model terms become bytes, and which defences the concrete side runs.
#[derive(Clone, Copy, Debug)]
struct Mapping {
    checks: Checks,
    /// A deliberately wrong mapping (negative control): phishing assertions rendered on the real
    /// origin.
    phish_as_real: bool,
    /// A deliberately wrong mapping (negative control): both persons are one, so the second
    /// person's card signs with the owner's card and names the owner's account.
    one_person: bool,
}

impl Mapping {
    fn with(checks: Checks) -> Mapping {
        Mapping {
            checks,
            phish_as_real: false,
            one_person: false,
        }
    }
}

/// The concrete person of a model person (under the mapping).
fn person(p: MPerson, map: Mapping) -> Person {
    match p {
        MPerson::B if !map.one_person => Person::B,
        _ => Person::A,
    }
}

/// The account the model's server has session `i` logged in as (or binding into).
fn account_at(server: &Server, i: usize) -> Option<Person> {
    let unmapped = Mapping::with(Checks::ALL);
    server
        .sessions
        .get(i)
        .and_then(|x| x.account)
        .map(|p| person(p, unmapped))
}

#[derive(Debug, Default)]
struct Stats {
    /// BFS paths followed: one per reachable model state.
    traces: usize,
    /// Distinct decisions compared, per kind: [accept, reject] agreed.
    agreed: BTreeMap<StepKind, [usize; 2]>,
    /// Distinct decisions agreed, per scenario: [accept, reject].
    by_scenario: BTreeMap<Scenario, [usize; 2]>,
    /// Concrete reasons of agreed rejections.
    reasons: BTreeMap<String, usize>,
    /// Disagreements (per kind), and the first few described. A disagreement is a verdict that
    /// differs, or an acceptance into another account.
    mismatches: usize,
    /// Of the disagreements, both accepted, into different accounts.
    account_mismatches: usize,
    mismatched: BTreeMap<StepKind, usize>,
    examples: Vec<String>,
    /// Skipped decisions and steps without bytes, per reason.
    skipped: BTreeMap<&'static str, usize>,
}

impl Stats {
    fn skip(&mut self, why: &'static str) {
        *self.skipped.entry(why).or_default() += 1;
    }

    fn compared(&self) -> usize {
        self.agreed.values().map(|[a, r]| a + r).sum::<usize>() + self.mismatches
    }

    fn print(&self, name: &str) {
        println!(
            "[{name}] traces followed (reachable states explored) {}, decisions compared {}, disagreements {} (in the account {})",
            self.traces,
            self.compared(),
            self.mismatches,
            self.account_mismatches
        );
        for (k, [a, r]) in &self.agreed {
            println!("  {k:<12?} accept {a:>5}  reject {r:>5}");
        }
        let accepts: usize = self.agreed.values().map(|v| v[0]).sum();
        let rejects: usize = self.agreed.values().map(|v| v[1]).sum();
        println!("  total        accept {accepts:>5}  reject {rejects:>5}");
        for (sc, [a, r]) in &self.by_scenario {
            println!("  scenario {sc}: accept {a}, reject {r}");
        }
        for (r, n) in &self.reasons {
            println!("  reject reason {r}: {n}");
        }
        let skipped: usize = self.skipped.values().sum();
        println!("  skipped {skipped}:");
        for (why, n) in &self.skipped {
            println!("    {n:>7}  {why}");
        }
        for e in &self.examples {
            println!("  DISAGREE {e}");
        }
    }
}

const SKIP_SE_NEW: &str = "delivery: the new phone's SE copy (not rendered; never issued)";
const SKIP_PHISH_REG: &str = "delivery: registration on the phishing origin (not rendered)";
const SKIP_KIOSK_BINDING: &str = "kiosk: QR bound to another kiosk (channel bookkeeping)";
const SKIP_QR_NO_SESSION: &str = "kiosk: QR of no phone-QR session (lookup, no bytes)";
const SKIP_SESSION_BOUND: &str = "open: the model's session bound reached (not a defence)";

/// The rendered credential of each of the model's keys.
fn cred_of(key: Key) -> Cred {
    match key {
        Key::Old => Cred::One,
        Key::New => Cred::Two,
        Key::Attacker => Cred::Three,
        // `renew`'s second credential of the old phone (the model's recovery must retire it
        // too).
        Key::Old2 => Cred::Four,
        Key::Attacker2 => Cred::Five,
    }
}

/// The response a term is rendered as, or why it is skipped.
fn response_of(term: Term, map: Mapping) -> Result<Response, &'static str> {
    match term {
        Term::CardSig {
            person: p,
            cert,
            nonce,
        } => Ok(Response::Card {
            person: person(p, map),
            generation: cert,
            challenge: usize::from(nonce),
        }),
        Term::SeSig {
            phone: PhoneId::Old,
            nonce,
        } => Ok(Response::Se {
            challenge: usize::from(nonce),
        }),
        Term::SeSig { .. } => Err(SKIP_SE_NEW),
        Term::Attestation {
            origin: Origin::Phish,
            ..
        } => Err(SKIP_PHISH_REG),
        Term::Attestation { key, nonce, .. } => Ok(Response::Create {
            cred: cred_of(key),
            challenge: usize::from(nonce),
        }),
        Term::Assertion {
            key,
            nonce,
            origin,
            ctr,
        } => Ok(Response::Get {
            cred: cred_of(key),
            challenge: usize::from(nonce),
            count: u32::from(ctr),
            phished: origin == Origin::Phish && !map.phish_as_real,
        }),
    }
}

/// What the model's server knows an accepted term proved (to follow a skipped step).
fn auth_of(term: Term) -> Auth {
    match term {
        Term::CardSig { .. } => Auth::Card,
        Term::Assertion { key, .. } => Auth::Fido(cred_of(key)),
        _ => Auth::Se,
    }
}

fn client(p: Party) -> u8 {
    match p {
        Party::User => 0,
        Party::Attacker => 1,
        Party::Kiosk(k) => 2 + k.index() as u8,
    }
}

fn kind_of(k: MKind) -> SessionKind {
    match k {
        MKind::Login => SessionKind::Login,
        MKind::Register { parent } => SessionKind::Register {
            parent: usize::from(parent),
        },
        MKind::Recover { parent } => SessionKind::Recover {
            parent: usize::from(parent),
        },
        MKind::Kiosk { .. } => SessionKind::Kiosk,
        MKind::PhoneQr { .. } => SessionKind::PhoneQr,
    }
}

fn classify(s: &State, session: usize, term: Term) -> StepKind {
    if term.origin() == Some(Origin::Phish) {
        return StepKind::Phishing;
    }
    let other_channel = s.server.sessions.get(session).is_some_and(|x| {
        matches!(
            x.kind,
            MKind::Login | MKind::Register { .. } | MKind::Recover { .. }
        ) && u8::try_from(session).is_ok_and(|i| s.channel(i, term) != x.opener)
    });
    if other_channel {
        return StepKind::Substitution;
    }
    let fresh = s
        .server
        .sessions
        .get(session)
        .is_some_and(|x| x.status == Status::Open && x.nonce == term.nonce());
    match term {
        _ if !fresh => StepKind::Replay,
        Term::CardSig { .. } | Term::SeSig { .. } => StepKind::CardAuth,
        Term::Attestation { .. } => StepKind::Registration,
        Term::Assertion { .. } => StepKind::Login,
    }
}

/// Steps that ask the server for no decision, by what they are.
fn no_bytes(a: &Action) -> &'static str {
    match a {
        Action::Attacker(AttackerVerb::PresentBiometric(_) | AttackerVerb::GuessPhonePin(_)) => {
            "no bytes: biometric matching / lock-screen PIN"
        }
        Action::Attacker(
            AttackerVerb::GuessCardPin(_)
            | AttackerVerb::GuessSigningPassword(_)
            | AttackerVerb::PowerCycleCard,
        ) => "no bytes: card PIN counters",
        Action::Attacker(AttackerVerb::RelayKioskQr | AttackerVerb::RelayOwnQr { .. }) => {
            "no bytes: kiosk proximity (phone side)"
        }
        Action::Tick => "no bytes: clock and lockout timers (card validity follows it)",
        Action::User(Step::StartLogin)
        | Action::Attacker(AttackerVerb::OpenLogin | AttackerVerb::OpenPhoneQr { .. })
        | Action::Kiosk(_, KioskVerb::ShowQr) => "mirrored: a session opens (challenge issued)",
        Action::User(Step::Renew | Step::ReportLoss) => {
            "mirrored: J-LIS renews or revokes a card certificate"
        }
        Action::User(Step::MistypePin | Step::InPersonReset) => "no bytes: card PIN counters",
        Action::User(Step::EnrolSe | Step::Pseudonym(_))
        | Action::Attacker(
            AttackerVerb::RequestPseudonym { .. }
            | AttackerVerb::EnrolSe { .. }
            | AttackerVerb::EnrolSeForOwner { .. },
        ) => "no bytes: SE enrolment, pseudonyms",
        Action::Attacker(AttackerVerb::GetReassignedNumber | AttackerVerb::SmsLogin { .. }) => {
            "no bytes: SMS baseline (number reassigned, one-time code; off by default)"
        }
        _ => "client side: signs a response (rendered when delivered)",
    }
}

/// One decision of each side: the verdict, and on acceptance the account the session is then
/// logged in as (or binds into).
struct Decision {
    kind: StepKind,
    model: Result<Option<Person>, String>,
    concrete: Result<Option<Person>, Refusal>,
}

/// A concrete post: the verdict and the state after it.
type Posted = (Result<(), Refusal>, RpState);

struct Walker<'a> {
    config: &'a Config,
    map: Mapping,
    world: &'a mut World,
    stats: Stats,
    /// Decisions already counted: (server, clock, concrete state, action).
    decided: HashSet<(model::server::Server, u8, RpState, Action)>,
    /// Concrete posts already made: (state, session, response) -> (verdict, next state).
    memo: HashMap<(RpState, usize, Response, Option<u8>), Posted>,
}

impl Walker<'_> {
    /// `from`: the client whose channel a delivery arrives on (`None` for a kiosk's scan).
    fn post(
        &mut self,
        rp: &RpState,
        session: usize,
        resp: Response,
        from: Option<u8>,
    ) -> Result<Posted, ConformanceError> {
        let key = (rp.clone(), session, resp, from);
        if let Some(v) = self.memo.get(&key) {
            return Ok(v.clone());
        }
        let mut next = rp.clone();
        let verdict = match from {
            None => self.world.scan(&mut next, session, resp, self.map.checks)?,
            Some(client) => {
                self.world
                    .post_from(&mut next, session, client, resp, self.map.checks)?
            }
        };
        self.memo.insert(key, (verdict, next.clone()));
        Ok((verdict, next))
    }

    fn record(&mut self, s: &State, rp: &RpState, a: Action, d: Decision) {
        if !self
            .decided
            .insert((s.server.clone(), s.now, rp.clone(), a))
        {
            return;
        }
        let st = &mut self.stats;
        let other_account = matches!((&d.model, &d.concrete), (Ok(m), Ok(c)) if m != c);
        if d.model.is_ok() == d.concrete.is_ok() && !other_account {
            let e = st.agreed.entry(d.kind).or_default();
            e[usize::from(d.model.is_err())] += 1;
            let e = st.by_scenario.entry(s.scenario).or_default();
            e[usize::from(d.model.is_err())] += 1;
            if let Err(r) = d.concrete {
                *st.reasons.entry(r.to_string()).or_default() += 1;
            }
        } else {
            st.mismatches += 1;
            st.account_mismatches += usize::from(other_account);
            *st.mismatched.entry(d.kind).or_default() += 1;
            if st.examples.len() < 5 {
                st.examples.push(format!(
                    "{:?} in {}: {} -> model {:?}, concrete {:?}",
                    d.kind,
                    s.scenario,
                    self.config.format_action(&a),
                    d.model,
                    d.concrete
                ));
            }
        }
    }

    /// Posts the rendered response `resp` to the concrete relying party for server session `i`
    /// (the model's term is `term`; a kiosk's scan goes through [`World::scan`]), records the two
    /// verdicts, and returns the concrete state after.
    fn decide(
        &mut self,
        s: &State,
        rp: &RpState,
        a: Action,
        (i, term, resp): (usize, Term, Response),
        model: Result<Option<Person>, String>,
    ) -> Result<RpState, ConformanceError> {
        // The channel the model's network delivers on (`State::channel`), as the concrete
        // relying party's client.
        let from = match a {
            Action::Deliver { session, term } => Some(client(s.channel(session, term))),
            _ => None,
        };
        let (concrete, after) = self.post(rp, i, resp, from)?;
        let concrete = concrete.map(|()| after.sessions.get(i).and_then(|x| x.account));
        let kind = classify(s, i, term);
        self.record(
            s,
            rp,
            a,
            Decision {
                kind,
                model,
                concrete,
            },
        );
        Ok(after)
    }

    /// Decides `a` at `s` on both sides (if it asks the server for a decision). `next` is the
    /// model's state after `a` if the walk follows it (a state not seen before); then the
    /// concrete state after `a` is returned (else only the decision is made, and nothing is
    /// copied for a step without one).
    fn step(
        &mut self,
        s: &State,
        rp: &RpState,
        a: Action,
        next: Option<&State>,
    ) -> Result<Option<RpState>, ConformanceError> {
        let rules = self.config.rules_for_trace();
        let now = self.config.now_secs(s);
        let mut out = Cow::Borrowed(rp);
        match a {
            Action::Deliver { session, term } => {
                let i = usize::from(session);
                let mut server = s.server.clone();
                let model = server
                    .receive(session, term, s.channel(session, term), now, rules)
                    .map(|()| account_at(&server, i));
                match response_of(term, self.map) {
                    Err(why) => {
                        self.stats.skip(why);
                        if let Ok(account) = model {
                            World::assume_accepted(out.to_mut(), i, auth_of(term), account);
                        }
                    }
                    Ok(resp) => {
                        let model = model.map_err(|r| format!("{r:?}"));
                        out = Cow::Owned(self.decide(s, rp, a, (i, term, resp), model)?);
                    }
                }
            }
            Action::Kiosk(k, KioskVerb::ScanQr(term)) => {
                let target = s.server.sessions.iter().position(|x| {
                    matches!(x.kind, MKind::PhoneQr { .. }) && x.nonce == term.nonce()
                });
                let bound = target.and_then(|i| match s.server.sessions[i].kind {
                    MKind::PhoneQr { kiosk } => Some(kiosk),
                    _ => None,
                });
                match (target, bound) {
                    (Some(i), Some(b)) if b == k => match response_of(term, self.map) {
                        Err(why) => self.stats.skip(why),
                        Ok(resp) => {
                            let mut server = s.server.clone();
                            let model = server
                                .present_qr(k, term, rules)
                                .map(|q| account_at(&server, usize::from(q)))
                                .map_err(|r| format!("{r:?}"));
                            out = Cow::Owned(self.decide(s, rp, a, (i, term, resp), model)?);
                        }
                    },
                    (Some(_), _) => self.stats.skip(SKIP_KIOSK_BINDING),
                    (None, _) => self.stats.skip(SKIP_QR_NO_SESSION),
                }
            }
            Action::User(Step::RequestRegister | Step::RequestRecover)
            | Action::Attacker(
                AttackerVerb::RequestRegister { .. }
                | AttackerVerb::RequestRecover { .. }
                | AttackerVerb::RegisterForOwner { .. }
                | AttackerVerb::RecoverForOwner { .. },
            ) => {
                // (who asks, under which login, naming which account, recovery or not)
                let (party, parent, claimed, recover) = match a {
                    Action::Attacker(AttackerVerb::RequestRegister { parent }) => {
                        (Party::Attacker, Some(parent), None, false)
                    }
                    Action::Attacker(AttackerVerb::RequestRecover { parent }) => {
                        (Party::Attacker, Some(parent), None, true)
                    }
                    Action::Attacker(AttackerVerb::RegisterForOwner { parent }) => {
                        (Party::Attacker, Some(parent), Some(MPerson::A), false)
                    }
                    Action::Attacker(AttackerVerb::RecoverForOwner { parent }) => {
                        (Party::Attacker, Some(parent), Some(MPerson::A), true)
                    }
                    Action::User(Step::RequestRecover) => (Party::User, s.user.login, None, true),
                    _ => (Party::User, s.user.login, None, false),
                };
                if let Some(parent) = parent {
                    let kind = if recover {
                        MKind::Recover { parent }
                    } else {
                        MKind::Register { parent }
                    };
                    if s.server.sessions.len() >= usize::from(rules.max_sessions) {
                        self.stats.skip(SKIP_SESSION_BOUND);
                    } else {
                        let mut server = s.server.clone();
                        let model = server
                            .open_claiming(kind, party, claimed, rules)
                            .map(|i| account_at(&server, usize::from(i)))
                            .map_err(|r| format!("{r:?}"));
                        let out = out.to_mut();
                        let concrete = self
                            .world
                            .open(
                                out,
                                kind_of(kind),
                                client(party),
                                claimed.map(|p| person(p, self.map)),
                                usize::from(s.server.next_nonce),
                                self.map.checks,
                            )
                            .map(|i| out.sessions.get(i).and_then(|x| x.account));
                        self.record(
                            s,
                            rp,
                            a,
                            Decision {
                                kind: StepKind::Registration,
                                model,
                                concrete,
                            },
                        );
                    }
                }
            }
            _ => self.stats.skip(no_bytes(&a)),
        }
        // Follow the model's structure: sessions it opened (with their challenges) and its clock.
        let Some(n) = next else {
            return Ok(None);
        };
        let mut out = out.into_owned();
        for x in n.server.sessions.iter().skip(out.sessions.len()) {
            World::push_session(
                &mut out,
                kind_of(x.kind),
                client(x.opener),
                usize::from(x.nonce),
            );
        }
        out.time_secs = self.config.now_secs(n);
        // J-LIS's issuance and revocation of card certificates (renewal, loss report) are
        // events of the CA, mirrored; the relying party learns them only from the
        // certificate in a response and the CRL it verifies against.
        for (g, c) in (0u8..).zip(&n.server.certs) {
            if out.card_issued.len() <= usize::from(g) {
                out.card_issued.push(c.issued_at);
            }
            if c.revoked {
                out.revoke(CertRef::Card(Person::A, g));
            }
        }
        Ok(Some(out))
    }
}

/// The concrete state of an initial model state: its bindings are registered credentials.
fn initial(world: &World, s: &State) -> RpState {
    let mut rp = RpState::default();
    let unmapped = Mapping::with(Checks::ALL);
    for b in s.server.bindings.iter().filter(|b| b.live) {
        let account = person(b.account, unmapped);
        world.preregister(&mut rp, cred_of(b.key), account);
    }
    rp
}

/// Walks the reachable states of `config` breadth-first (the shortest traces first), at most
/// `limit` of them, and compares every server decision at each.
fn walk(
    config: &Config,
    map: Mapping,
    world: &mut World,
    limit: usize,
) -> Result<Stats, ConformanceError> {
    let mut w = Walker {
        config,
        map,
        world,
        stats: Stats::default(),
        decided: HashSet::new(),
        memo: HashMap::new(),
    };
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue = VecDeque::new();
    for s in config.init_states() {
        if seen.insert(s.clone()) {
            let rp = initial(w.world, &s);
            queue.push_back((s, rp));
        }
    }
    let mut actions = Vec::new();
    while let Some((s, rp)) = queue.pop_front() {
        w.stats.traces += 1;
        actions.clear();
        config.actions(&s, &mut actions);
        for a in actions.drain(..) {
            let fresh = config
                .next_state(&s, a)
                .filter(|n| seen.len() < limit && !seen.contains(n));
            let rp_next = w.step(&s, &rp, a, fresh.as_ref())?;
            if let (Some(n), Some(rp_next)) = (fresh, rp_next) {
                seen.insert(n.clone());
                queue.push_back((n, rp_next));
            }
        }
    }
    Ok(w.stats)
}

fn world() -> World {
    let validity = Config::default().cert_validity_secs;
    match World::new(1, 32, Backend::default(), validity) {
        Ok(w) => w,
        Err(e) => panic!("cannot build the rendered world: {e}"),
    }
}

fn run(name: &str, config: &Config, map: Mapping, world: &mut World, limit: usize) -> Stats {
    let started = std::time::Instant::now();
    let stats = match walk(config, map, world, limit) {
        Ok(s) => s,
        Err(e) => panic!("{name}: harness failure: {e}"),
    };
    stats.print(name);
    println!("  ({:.2} s)", started.elapsed().as_secs_f64());
    stats
}

const ENROL: &[Scenario] = &[Scenario::Enrol];
const INSIDER: &[Scenario] = &[Scenario::Insider];

/// States explored per bug-switch run (breadth-first, so every trace up to some depth): a
/// removed check can multiply the state space (`skip-challenge-check` on `enrol` alone reaches
/// about a million states), and the short traces already show both verdicts.
const BUG_LIMIT: usize = 40_000;

/// The configurations compared: the default (every scenario), and each bug switch that removes
/// a server check next to the concrete relying party with the same check off.
fn conforming_runs() -> Vec<(&'static str, Config, Checks, usize)> {
    let all = Checks::ALL;
    vec![
        // Every scenario (`Config::default()` runs `Scenario::ALL`), `insider`'s two persons
        // included.
        ("default", Config::default(), all, usize::MAX),
        (
            "skip-challenge-check",
            Config::default()
                .with_bug(Bug::SkipChallengeCheck)
                .only(&[Scenario::Enrol, Scenario::Kiosk]),
            Checks {
                challenge: false,
                ..all
            },
            BUG_LIMIT,
        ),
        (
            "skip-origin-check",
            Config::default().with_bug(Bug::SkipOriginCheck).only(ENROL),
            Checks {
                origin: false,
                ..all
            },
            BUG_LIMIT,
        ),
        (
            "ignore-signature-counter",
            Config::default()
                .with_bug(Bug::IgnoreSignatureCounter)
                .only(ENROL),
            Checks {
                counter: false,
                ..all
            },
            BUG_LIMIT,
        ),
        (
            "bind-without-card-auth",
            Config::default()
                .with_bug(Bug::BindWithoutCardAuth)
                .only(ENROL),
            Checks {
                fresh_card_auth: false,
                ..all
            },
            BUG_LIMIT,
        ),
        // Issue 10's two switches that remove a server check, where they are caught: the second
        // person's requests naming the owner's account, and its `none` registration of the
        // owner's credential.
        (
            "account-from-request",
            Config::default()
                .with_bug(Bug::AccountFromRequest)
                .only(INSIDER),
            Checks {
                account_from_card: false,
                ..all
            },
            BUG_LIMIT,
        ),
        (
            "recovery-account-from-request",
            Config::default()
                .with_bug(Bug::RecoveryAccountFromRequest)
                .only(INSIDER),
            Checks {
                recovery_account_from_card: false,
                ..all
            },
            BUG_LIMIT,
        ),
        (
            "skip-known-credential-check",
            Config::default()
                .with_bug(Bug::SkipKnownCredentialCheck)
                .only(INSIDER),
            Checks {
                fresh_credential: false,
                ..all
            },
            BUG_LIMIT,
        ),
        // The network attacker's attestation in the owner's registration.
        (
            "ignore-session-channel",
            Config::default()
                .with_bug(Bug::IgnoreSessionChannel)
                .only(ENROL),
            Checks {
                channel: false,
                ..all
            },
            BUG_LIMIT,
        ),
        // The old phone's second credential, left live by a recovery that retires one.
        (
            "recovery-retires-one-credential",
            Config::default()
                .with_bug(Bug::RecoveryRetiresOneCredential)
                .only(&[Scenario::Renew]),
            Checks {
                retire_every_credential: false,
                ..all
            },
            BUG_LIMIT,
        ),
    ]
}

#[test]
fn verifier_agrees_with_the_model_server_on_every_trace() {
    let mut world = world();
    let mut total: BTreeMap<StepKind, [usize; 2]> = BTreeMap::new();
    let mut disagreements = 0;
    for (name, config, checks, limit) in conforming_runs() {
        let stats = run(name, &config, Mapping::with(checks), &mut world, limit);
        assert!(stats.compared() > 0, "{name}: nothing compared");
        disagreements += stats.mismatches;
        for (k, [a, r]) in stats.agreed {
            let t = total.entry(k).or_default();
            t[0] += a;
            t[1] += r;
        }
    }
    println!("[all runs] accept/reject agreed per kind: {total:?}");
    assert_eq!(
        disagreements, 0,
        "the verifier and the model's server disagree"
    );
    // Not vacuous: every kind was seen both accepted and rejected.
    for k in REQUIRED {
        let [a, r] = total.get(&k).copied().unwrap_or_default();
        assert!(a > 0 && r > 0, "{k:?}: accept {a}, reject {r}");
    }
}

/// The bug-switch runs without the state limit (about a million states for
/// `skip-challenge-check`): `cargo test -p vectors --release --test conformance -- --ignored`.
#[test]
#[ignore = "minutes: the unbounded bug-switch runs"]
fn unbounded_bug_switch_runs_agree() {
    let mut world = world();
    for (name, config, checks, _) in conforming_runs().into_iter().skip(1) {
        let stats = run(name, &config, Mapping::with(checks), &mut world, usize::MAX);
        assert_eq!(stats.mismatches, 0, "{name}");
    }
}

/// Negative control: the model's default server against a relying party without the origin
/// check. The phishing assertions the model refuses are accepted: disagreements, all phishing.
#[test]
fn control_origin_check_off_is_detected() {
    let mut world = world();
    let checks = Checks {
        origin: false,
        ..Checks::ALL
    };
    let config = Config::default().only(ENROL);
    let stats = run(
        "control: origin off",
        &config,
        Mapping::with(checks),
        &mut world,
        BUG_LIMIT,
    );
    assert!(stats.mismatches > 0);
    assert!(stats.mismatched.keys().all(|k| *k == StepKind::Phishing));
}

/// Negative control: a wrong mapping that renders phishing assertions on the real origin.
#[test]
fn control_wrong_origin_mapping_is_detected() {
    let mut world = world();
    let map = Mapping {
        checks: Checks::ALL,
        phish_as_real: true,
        one_person: false,
    };
    let config = Config::default().only(ENROL);
    let stats = run(
        "control: phish as real",
        &config,
        map,
        &mut world,
        BUG_LIMIT,
    );
    assert!(stats.mismatches > 0);
}

/// Negative control for every bug-switch run: the broken model against the full verifier must
/// disagree within the same explored states, and on the kind of step the removed check guards.
/// This also shows that each bug-switch run reaches the steps where its check matters.
#[test]
fn control_each_bug_run_needs_its_check_off() {
    let mut world = world();
    let guarded = [
        ("skip-challenge-check", StepKind::Replay),
        ("skip-origin-check", StepKind::Phishing),
        ("ignore-signature-counter", StepKind::Login),
        ("bind-without-card-auth", StepKind::Registration),
        ("account-from-request", StepKind::Registration),
        ("recovery-account-from-request", StepKind::Registration),
        ("skip-known-credential-check", StepKind::Registration),
        ("ignore-session-channel", StepKind::Substitution),
        ("recovery-retires-one-credential", StepKind::Login),
    ];
    let runs = conforming_runs();
    for (name, kind) in guarded {
        let Some((_, config, _, limit)) = runs.iter().find(|r| r.0 == name) else {
            panic!("no run {name}");
        };
        let label = format!("control: {name} vs full verifier");
        let stats = run(
            &label,
            config,
            Mapping::with(Checks::ALL),
            &mut world,
            *limit,
        );
        // Later steps of a trace may differ too (a registration under a login that only the
        // model accepted), so only the guarded kind is required.
        let n = stats.mismatched.get(&kind).copied().unwrap_or(0);
        println!("  -> {n} disagreements on {kind:?}");
        assert!(n > 0, "{name}: no disagreement on {kind:?}");
    }
}

/// Negative control for the relying party's known-credential check (WebAuthn L3 §7.1): against
/// the `skip-challenge-check` run (five times deeper), where the attacker replays the owner's
/// attestation of a bound key into a registration session of its own, a relying party that binds a known credential
/// again accepts what the model's server refuses. Every disagreement is such a registration.
#[test]
fn control_known_credential_rebound_is_detected() {
    let mut world = world();
    let runs = conforming_runs();
    let Some((_, config, checks, limit)) = runs.iter().find(|r| r.0 == "skip-challenge-check")
    else {
        panic!("no run skip-challenge-check");
    };
    let lax = Checks {
        fresh_credential: false,
        ..*checks
    };
    // Deeper than the bug run's own limit: with the session channel the attacker can no longer
    // deliver its own bound attestation into the owner's registration (the short path), so the
    // rebinding is the owner's attestation in a registration of the attacker's, whose login the
    // owner's replayed card signature authenticated (about ten steps).
    let stats = run(
        "control: known credential rebound",
        config,
        Mapping::with(lax),
        &mut world,
        limit.saturating_mul(5),
    );
    println!("  -> {} disagreements", stats.mismatches);
    assert!(stats.mismatches > 0);
    assert!(
        stats
            .mismatched
            .keys()
            .all(|k| matches!(k, StepKind::Registration | StepKind::Replay)),
        "{:?}",
        stats.mismatched
    );
}

/// Negative controls for the account of a registration and of a recovery (issue 10, two
/// endpoints): against the default `insider`, a relying party whose registration endpoint
/// binds in the account the request names (as the model's `account-from-request` does), or
/// whose recovery endpoint does (`recovery-account-from-request`), opens the second person's
/// requests of that kind naming the owner's account, which the model's server refuses. Every
/// disagreement is such an opening, or a step of the registration it let in.
#[test]
fn control_account_from_request_is_detected() {
    let registration = Checks {
        account_from_card: false,
        ..Checks::ALL
    };
    let n = insider_registration_disagreements(
        "control: registration account from the request",
        registration,
    );
    assert!(n > 0);
    let recovery = Checks {
        recovery_account_from_card: false,
        ..Checks::ALL
    };
    let n =
        insider_registration_disagreements("control: recovery account from the request", recovery);
    assert!(n > 0);
}

/// The default `insider` against a relying party with `checks`: the disagreements on
/// registrations (printed with the total).
fn insider_registration_disagreements(label: &str, checks: Checks) -> usize {
    let mut world = world();
    let config = Config::default().only(INSIDER);
    let stats = run(label, &config, Mapping::with(checks), &mut world, BUG_LIMIT);
    let n = stats
        .mismatched
        .get(&StepKind::Registration)
        .copied()
        .unwrap_or(0);
    println!(
        "  -> {} disagreements, {n} on Registration",
        stats.mismatches
    );
    n
}

/// Negative control for the known-credential refusal across accounts (WebAuthn L3 §7.1, issue
/// 10): against the default `insider`, a relying party that binds a known credential again
/// accepts the second person's `none` registration of the owner's credential, which the
/// model's server refuses.
#[test]
fn control_known_credential_off_in_insider_is_detected() {
    let checks = Checks {
        fresh_credential: false,
        ..Checks::ALL
    };
    let n = insider_registration_disagreements("control: known credential off (insider)", checks);
    assert!(n > 0);
}

/// Negative control for the two cards (issue 10): a wrong mapping that renders the second
/// person's card signature with the owner's card. Its logins then land in the owner's account
/// (an account disagreement), and its requests naming the owner's account are opened.
#[test]
fn control_both_cards_as_one_person_is_detected() {
    let mut world = world();
    let map = Mapping {
        one_person: true,
        ..Mapping::with(Checks::ALL)
    };
    let config = Config::default().only(INSIDER);
    let stats = run(
        "control: both cards one person",
        &config,
        map,
        &mut world,
        BUG_LIMIT,
    );
    println!(
        "  -> {} disagreements, {} in the account",
        stats.mismatches, stats.account_mismatches
    );
    assert!(stats.account_mismatches > 0);
    assert!(stats.mismatched.contains_key(&StepKind::Registration));
}

/// Model time `t` maps to `NOW + t` for the card: on every clock point of the default
/// configuration, the rendered card certificate of generation 0 is expired exactly when the
/// model's certificate 0 (issued at 0, valid `cert_validity_secs`) is. Independent of the
/// construction: the verifier reads notAfter from the DER certificate.
#[test]
fn clock_points_agree_with_card_validity() {
    let mut world = world();
    let config = Config::default();
    for &t in &config.clock_secs {
        let mut rp = RpState {
            time_secs: t,
            ..RpState::default()
        };
        let i = World::push_session(&mut rp, SessionKind::Login, 0, 0);
        let card = Response::Card {
            person: Person::A,
            generation: 0,
            challenge: 0,
        };
        let concrete = match world.post(&mut rp, i, card, Checks::ALL) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        let model_expired = t >= config.cert_validity_secs;
        let concrete_expired =
            concrete == Err(Refusal::Verifier(vectors::verify::Reject::CertExpired));
        assert_eq!(model_expired, concrete_expired, "t = {t} s: {concrete:?}");
        assert!(
            concrete.is_ok() || concrete_expired,
            "t = {t} s: {concrete:?}"
        );
    }
}
