//! The model checked end to end: the default configuration passes, every bug switch is caught,
//! and the state count is pinned and cross-checked.

use model::bugs::Bug;
use model::check::{self, Options, Verdict, bfs, shortest_counterexample};
use model::controls::Stricter;
use model::crypto::Term;
use model::policy;
use model::properties::{CATALOGUE, Kind};
use model::server::Reason;
use model::system::{Action, AttackerVerb, Config, Scenario, State};
use stateright::Model;
use std::cell::Cell;

fn config() -> Config {
    Config::new().expect("the default configuration is valid")
}

fn bfs_options() -> Options {
    Options {
        threads: 1,
        ..Options::default()
    }
}

/// Unique states of the default configuration per scenario (stateright BFS, one thread).
///
/// How we convinced ourselves the numbers are right:
/// - the scenarios' states are disjoint (the `scenario` field differs), so the total must be the
///   sum of the per-scenario counts, and `default_state_count_is_pinned` checks it;
/// - three independent searches agree on every count: stateright's BFS, stateright's DFS and
///   our own BFS in `check::bfs` (a plain queue and hash set over `Model::next_state`);
/// - disabling a capability moves the counts the expected way: an attacker without sessions of
///   its own shrinks every scenario with an attacker, `kiosk`, `stolen-phone` and
///   `stolen-iphone` to their counts before those sessions were offered, and leaves `daily-use`
///   (no attacker) unchanged (`disabling_flows_changes_counts_as_expected`);
/// - the thief's attempts reach exactly the automaton's limits (`the_automaton_bounds_the_thief`).
///
/// Refusing a known credential at registration (WebAuthn L3 §7.1, `Reason::KnownCredential`)
/// left every count where it was, and the three searches above still agree on each. That is
/// expected: in the default no registration of a credential already on record is ever
/// delivered (the owner registers each phone's key once, the attacker attests a new key per
/// registration and answers only its own sessions' challenges), so no accepted step became a
/// refusal; `known_credential_is_refused_only_past_a_removed_defence` checks it over every state,
/// and shows the refusal reached once the challenge check is off.
///
/// Issue 9 moved the counts in two parts, merged; each part was checked by running the
/// scenarios alone before and after it.
///
/// The environment side: the owner's steps as enabled actions (any order, each up to its
/// bound, abandoned midway) grew the owner's scenarios and only those (on the script model:
/// `enrol` 23,952 -> 184,218, `renew` 6,113 -> 362,905, `kiosk` 272 -> 1,562); the thefts,
/// whose owner had at most one step, did not move. The direction is the expected one: the
/// script's order is one of the orders the owner may now take, and the others (and stopping
/// anywhere) add states. The observers' own record of the challenges issued (`Ghost::issued`)
/// is a function of the sessions opened, so it moved no count.
///
/// The properties side (on the script model): the observers' spec tables changed no count
/// (they judge, they do not steer); the attacker's pseudonym requests in any session of `enrol`
/// and `renew` added states only where the server grants them (23,952 -> 37,967, 6,113 ->
/// 8,627); the owner's reissue at time 0 as the alternative to the loss report in
/// `stolen-card` (68,414 -> 93,852: a third branch beside "not yet reported" and "reported");
/// the observers watching the owner's own verifications per phone (`Ghost::bio`, `Ghost::pin`:
/// the time of each biometric unlock is history the ghost keeps) grew `enrol` 37,967 -> 63,909
/// and `kiosk` 272 -> 356; the new `daily-use` scenario has 2,319 states (20 clock points, at
/// each of which the owner may unlock or not).
///
/// Merged, both act together in the owner's scenarios, so their growth multiplies there:
/// `enrol` 403,128 and `renew` 562,559 (more than either part alone: the free order times the
/// ghost's unlock history and the attacker's pseudonym grants), `kiosk` 2,192; `stolen-phone`
/// (34,329) and `daily-use` (2,319) are untouched by the free owner (no counted owner steps),
/// and `stolen-card` is 93,852 as in the properties side (the loss report and the reissue are
/// its two counted owner steps, each excluding the other, as the script's alternative did).
///
/// Then the thefts' clock gained the point 120 s (the 30 s lockout after the 20th biometric
/// failure ends before the idle timeout; see `Config::new`): `stolen-phone` 34,329 -> 72,209
/// and `stolen-card` 93,852 -> 135,954 (the clock is a factor of every theft state, and a
/// further point before 5 h lets the thief's earlier attempts fall at more times); the owner's
/// scenarios have their own clocks and did not move.
///
/// Issue 16 (model half) moved two counts, checked by running the scenarios alone before and
/// after: `kiosk` 2,192 -> 4,384, exactly twice, because the relay standing near the phone
/// (`AttackerVerb::RelayProximity`, once, at any time) is one more bit of state that every
/// other step ignores in the default (distance bounding refuses the relayed kiosk, so no step
/// the relay could enable is taken: each of the 2,192 states exists with and without the
/// relay); and the new `stolen-phone-pin-known` has 28 states, derived by hand: the clock is
/// at one of its 4 points k = 0..3 (`owner_clock_secs`); the thief's login session is open or
/// not (2); the biometric is not enrolled, or was enrolled at a point j <= k (the enrolment's
/// PIN entry puts its time into the lockout and the ghost's PIN record), k + 2 choices; the
/// keys are then invalidated, so no signing, no term, no delivery adds a state. Sum over k of
/// 2 (k + 2) = 4 + 6 + 8 + 10 = 28. The other scenarios did not move (enrol 403,128, renew
/// 562,559, stolen-phone, stolen-card, daily-use 2,319).
///
/// Issue 10 added the scenario `insider` (89,296 states) and moved no other count: the two
/// persons' accounts, the person in a card signature and the observers' per-person records
/// (`Ghost::ids`, `as_person` per person, `card_by_b`, `on_record`) are functions of what the
/// one-person scenarios already did there (every account is the owner's, every card the
/// owner's, `on_record` starts as the initial binding and grows with `live`), so each of their
/// states maps to exactly one state before; measured by running each scenario alone before
/// and after (enrol 403,128, renew 562,559, kiosk 4,384, stolen-phone 72,209, stolen-card
/// 135,954, daily-use 2,319, stolen-phone-pin-known 28, all unchanged). `insider`'s own count
/// is too large to derive by hand; it rests on the three searches agreeing, on
/// `insider_count_moves_as_expected` below (no second person's sessions: fewer states; the
/// SMS baseline: more, the SMS logins the card-bound design refuses), and on the bug switches
/// that remove a refusal growing it (`account-from-request` 179,256: the owner's account named
/// and granted).
/// Issue 9's Apple scenario: `stolen-iphone` (the `stolen-phone` thief on a phone with the
/// `touch-id` policy, on its own 12-point clock) has 86,356 states, checked by running it alone
/// (the three searches above agree). The other scenarios did not move: the exact-schedule
/// witnesses read the ghost's existing records (`Ghost::pin`, `Ghost::bio`) and add no state.
/// Plausible against `stolen-phone`'s 72,209 on 8 points: Apple allows only 5 presentations
/// (the thief's biometric history is smaller) but its clock has 12 points where a passcode
/// guess may fall, and up to 11 wrong guesses fit (1-10 on schedule, the 11th at 5 h).
///
/// Issue 9's combined thief (this session): the attacker's own recovery (`RequestRecover`,
/// once, under any session, with an attestation of its own key in it) moved `stolen-card`
/// 135,954 -> 163,206, the one scenario where an attacker's login can be card-authenticated
/// (the thief who guessed the PIN) so that the server grants it; everywhere else the server
/// refuses it (no card authentication), a refusal is no step, and the counts did not move
/// (enrol 403,128, renew 562,559, insider 89,296, each run alone before and after). The new
/// `stolen-both` (the `stolen-card` thief who also holds the enrolled, locked phone, on one
/// clock point) has 174,380 states, checked by the three searches agreeing; plausible against
/// `stolen-card`'s 163,206 on 8 clock points: one point here, but the phone's 5 + 5 attempts
/// and, once it is unlocked, its FIDO key and JPKI copy in the thief's sessions multiply what
/// the card alone allows.
///
/// Issue 9's second credential of `renew`'s old phone (`Key::Old2`): `renew` 562,559 ->
/// 761,159, derived in `second_credential_adds_only_its_own_use`; the other scenarios did not
/// move (no other scenario's phone holds it).
///
/// Issue 9's witness of the in-person reset: `insider` 89,296 -> 97,172, derived in
/// `reset_witness_adds_only_its_history`; the other scenarios did not move.
///
/// Issue 9's phone-QR session of the attacker's own in `kiosk` (`AttackerVerb::OpenPhoneQr`,
/// once, bound to either kiosk, and `RelayOwnQr`): `kiosk` 4,384 -> 37,168, derived in
/// `own_phone_qr_adds_only_its_own_session`; the other scenarios offer neither verb. Then the
/// showing of that session's QR to the owner's phone became a step whatever the phone does
/// (`Happened::OwnQrShown`, the witness's event): `kiosk` 37,168 -> 69,952, derived in the
/// same test.
///
/// Issue 9's capabilities wherever their precondition holds, within the default's budget:
/// `kiosk` 69,952 -> 86,344, `stolen-phone` 72,209 -> 144,418, `stolen-iphone` 86,356 ->
/// 172,712, `stolen-card` 163,206 -> 365,940, derived in
/// `every_capability_in_the_default_adds_only_its_own_steps`; the other scenarios did not move.
const PER_SCENARIO: [(Scenario, usize); 10] = [
    (Scenario::Enrol, 403_128),
    (Scenario::Renew, 761_159),
    (Scenario::Kiosk, 86_344),
    (Scenario::StolenPhone, 144_418),
    (Scenario::StolenCard, 365_940),
    (Scenario::DailyUse, 2_319),
    (Scenario::StolenPhonePinKnown, 28),
    (Scenario::Insider, 97_172),
    (Scenario::StolenIphone, 172_712),
    (Scenario::StolenBoth, 174_380),
];

#[test]
fn default_passes_every_property() {
    let report = check::run(config(), &bfs_options());
    for p in &report.properties {
        let expected = match CATALOGUE.iter().find(|c| c.name == p.name).map(|c| c.kind) {
            Some(Kind::Always) => Verdict::Holds,
            _ => Verdict::Witnessed,
        };
        assert_eq!(p.verdict, expected, "{}", p.name);
        assert!(p.trace.is_none());
    }
    assert!(report.ok());
}

/// Every attacker capability in every scenario where its precondition holds, combined in one
/// run (`model check --every-capability`): every property as in the default. This is the run
/// that judges the cells the default leaves out for its budget (the phishing lure and the key
/// clone in `renew` and `kiosk`, the attacker's own phone-QR session outside `kiosk`, its
/// logins and identifiers in `kiosk` with both of those, its own recovery in `enrol`).
#[test]
fn every_capability_combined_passes_every_property() {
    let mut c = config();
    c.every_capability = true;
    let report = check::run(c, &bfs_options());
    assert_eq!(report.violated(), Vec::<&str>::new());
    assert!(report.ok());
    // The cells left out of the default add states (8,016,965 measured, against 2,207,600).
    assert!(report.unique_states > PER_SCENARIO.iter().map(|(_, n)| n).sum::<usize>());
}

#[test]
fn default_state_count_is_pinned() {
    let total: usize = PER_SCENARIO.iter().map(|(_, n)| n).sum();
    let report = check::run(config(), &bfs_options());
    assert_eq!(report.unique_states, total);
    for (scenario, n) in PER_SCENARIO {
        let c = config().only(&[scenario]);
        let bfs_count = check::run(c.clone(), &bfs_options()).unique_states;
        let dfs_count = check::run(
            c.clone(),
            &Options {
                threads: 1,
                dfs: true,
                ..Options::default()
            },
        )
        .unique_states;
        let (own, _) = bfs(&c, |_| false);
        assert_eq!((bfs_count, dfs_count, own), (n, n, n), "{scenario}");
    }
}

#[test]
fn disabling_flows_changes_counts_as_expected() {
    let count = |c: &Config| bfs(c, |_| false).0;
    let mut no_sessions = config();
    no_sessions.attacker_sessions = 0;
    for (scenario, n) in PER_SCENARIO {
        let fewer = count(&no_sessions.clone().only(&[scenario]));
        match scenario {
            // Without its phone-QR session the attacker of `kiosk` is the one before it: the
            // count is the earlier pin, 4,384 (`own_phone_qr_adds_only_its_own_session`).
            Scenario::Kiosk => assert_eq!(fewer, 4_384),
            // Without its login the thief of a stolen phone is the one before it, exactly half
            // (`every_capability_in_the_default_adds_only_its_own_steps`).
            Scenario::StolenPhone => assert_eq!(fewer, 72_209),
            Scenario::StolenIphone => assert_eq!(fewer, 86_356),
            Scenario::DailyUse => assert_eq!(fewer, n, "{scenario}"),
            _ => assert!(fewer < n, "{scenario}: {fewer} >= {n}"),
        }
    }
}

/// A bug switch breaks the property it names (the shortest counterexample is not empty), in each
/// scenario of [`Bug::caught_in`] alone, and,
/// run to completion, breaks exactly that property plus the documented collateral.
fn caught_exactly(bug: Bug) {
    let c = config().with_bug(bug);
    let early = check::run(
        c.clone(),
        &Options {
            threads: 1,
            stop_at: Some(bug.breaks()),
            ..Options::default()
        },
    );
    let target = early.property(bug.breaks()).expect("property exists");
    assert_eq!(target.verdict, Verdict::Violated, "{bug}");
    let trace = target.trace.as_ref().expect("a trace");
    assert!(trace.len() > 1, "{bug}: {trace:?}");
    // ... in each scenario where it is documented to show, alone.
    for sc in bug.caught_in() {
        let alone = check::run(
            c.clone().only(&[*sc]),
            &Options {
                threads: 1,
                stop_at: Some(bug.breaks()),
                ..Options::default()
            },
        );
        let verdict = alone.property(bug.breaks()).map(|p| p.verdict);
        assert_eq!(verdict, Some(Verdict::Violated), "{bug} in {}", sc.name());
    }

    let mut expected: Vec<&str> = vec![bug.breaks()];
    expected.extend(bug.also_breaks());
    expected.sort_unstable();
    if UNBOUNDED_IN_RENEW.contains(&bug) {
        // Run to completion on every scenario but `renew` (the early stop above covered it):
        // the named property and nothing outside the documented set.
        let others: Vec<Scenario> = Scenario::ALL
            .into_iter()
            .filter(|s| *s != Scenario::Renew)
            .collect();
        let full = check::run(c.only(&others), &bfs_options());
        let violated = full.violated();
        assert!(violated.contains(&bug.breaks()), "{bug}: {violated:?}");
        assert!(
            violated.iter().all(|p| expected.contains(p)),
            "{bug}: {violated:?} outside {expected:?}"
        );
        return;
    }
    let full = check::run(c, &bfs_options());
    let mut violated = full.violated();
    violated.sort_unstable();
    assert_eq!(violated, expected, "{bug}");
    assert!(!full.ok());
}

/// Switches that remove the challenge check: with the owner's free order in `renew`, every
/// card signature the owner ever made is good for every later session, and the run to
/// completion there passes tens of millions of states and 20 GB (measured: it had not finished
/// after 8 minutes on 2 cores). Their shortest counterexample is still found on every scenario,
/// `renew` included; the run to completion covers the other scenarios.
const UNBOUNDED_IN_RENEW: [Bug; 2] = [Bug::SkipChallengeCheck, Bug::ReuseChallenge];

/// One test per switch, so that they run in parallel.
macro_rules! bug_tests {
    ($($name:ident => $bug:ident,)*) => {
        $(#[test]
        fn $name() {
            caught_exactly(Bug::$bug);
        })*

        #[test]
        fn every_bug_has_a_test() {
            let tested = [$(Bug::$bug),*];
            assert_eq!(tested.len(), Bug::ALL.len());
            for b in Bug::ALL {
                assert!(tested.contains(&b), "{b} has no test");
            }
        }
    };
}

bug_tests! {
    bug_bind_without_card_auth => BindWithoutCardAuth,
    bug_card_auth_per_identity => CardAuthPerIdentity,
    bug_reuse_card_permit => ReuseCardPermit,
    bug_skip_revocation_check => SkipRevocationCheck,
    bug_skip_expiry_check => SkipExpiryCheck,
    bug_bind_to_cert_serial => BindToCertSerial,
    bug_skip_challenge_check => SkipChallengeCheck,
    bug_reuse_challenge => ReuseChallenge,
    bug_ignore_signature_counter => IgnoreSignatureCounter,
    bug_skip_origin_check => SkipOriginCheck,
    bug_card_counter_in_ram => CardCounterInRam,
    bug_card_unblocks_over_time => CardUnblocksOverTime,
    bug_blocked_card_takes_right_pin => BlockedCardTakesRightPin,
    bug_unlimited_signing_password => UnlimitedSigningPassword,
    bug_unlimited_biometric_tries => UnlimitedBiometricTries,
    bug_ignore_biometric_timeouts => IgnoreBiometricTimeouts,
    bug_no_pin_throttle => NoPinThrottle,
    bug_skip_proximity_check => SkipProximityCheck,
    bug_skip_kiosk_binding => SkipKioskBinding,
    bug_keep_old_credentials => KeepOldCredentials,
    bug_keep_old_se_certificate => KeepOldSeCertificate,
    bug_global_pseudonym => GlobalPseudonym,
    bug_pseudonym_from_cert_serial => PseudonymFromCertSerial,
    bug_forget_loss_report => ForgetLossReport,
    bug_card_pin_four_tries => CardPinFourTries,
    bug_biometric_six_tries => BiometricSixTries,
    bug_gatekeeper_off_by_one => GatekeeperOffByOne,
    bug_enrol_se_without_card_auth => EnrolSeWithoutCardAuth,
    bug_pseudonym_without_login => PseudonymWithoutLogin,
    bug_se_enrolment_any_requester => SeEnrolmentAnyRequester,
    bug_pseudonym_any_requester => PseudonymAnyRequester,
    bug_renewal_revokes_new_cert => RenewalRevokesNewCert,
    bug_renewal_keeps_old_cert => RenewalKeepsOldCert,
    bug_weak_biometric_gates_keys => WeakBiometricGatesKeys,
    bug_primary_timer_from_last_biometric => PrimaryTimerFromLastBiometric,
    bug_keys_survive_enrolment_change => KeysSurviveEnrolmentChange,
    bug_proximity_not_distance_bounding => ProximityNotDistanceBounding,
    bug_skip_known_credential_check => SkipKnownCredentialCheck,
    bug_account_from_request => AccountFromRequest,
    bug_pseudonym_per_service_only => PseudonymPerServiceOnly,
    bug_reset_keeps_pin_counter => ResetKeepsPinCounter,
    bug_se_copy_of_named_person => SeCopyOfNamedPerson,
    bug_recovery_retires_one_credential => RecoveryRetiresOneCredential,
    bug_recovery_account_from_request => RecoveryAccountFromRequest,
    bug_ignore_session_channel => IgnoreSessionChannel,
}

/// The witness `login after the in-person reset` (this session) grew `insider` 89,296 ->
/// 97,172 and no other scenario. Derivation: the witness's three milestones are history the
/// steps never read, and the record of decided sessions (`Ghost::decided`) is a function of
/// the acceptances the ghost already recorded, so forgetting them maps each state onto a
/// state of the model before: exactly the 89,296 states `insider` had, the other 7,876 being
/// the states after the reset whose history the milestones now tell apart. The SMS login the
/// owner may try is refused outside the baseline (no step).
#[test]
fn reset_witness_adds_only_its_history() {
    use model::properties::Milestone;
    use std::cell::RefCell;
    use std::collections::HashSet;
    let before = RefCell::new(HashSet::new());
    let (all, _) = bfs(&config().only(&[Scenario::Insider]), |s: &State| {
        let mut p = s.clone();
        for m in [
            Milestone::PinReset,
            Milestone::PinRightAfterReset,
            Milestone::LoginAfterPinReset,
        ] {
            p.ghost.forget(m);
        }
        p.ghost.decided = 0;
        before.borrow_mut().insert(p);
        false
    });
    assert_eq!((all, before.borrow().len()), (97_172, 89_296));
}

/// The built-in lock-screen schedules written as delay tables (the form a user's policy file
/// uses) judge exactly as the built-ins: same states, same verdicts, in the two scenarios that
/// judge them. Its negative control: the gatekeeper table read one failure late (the
/// `gatekeeper-off-by-one` switch, itself a table) breaks the throttle there.
#[test]
fn schedules_as_tables_judge_as_the_built_ins() {
    let c = config().schedules_as_tables();
    for p in [&c.phone_policy, &c.apple_phone_policy] {
        let throttle = p.pin.as_ref().map(|pin| &pin.throttle);
        assert!(
            matches!(throttle, Some(policy::Throttle::Table { .. })),
            "{}",
            p.name
        );
    }
    for scenario in [Scenario::StolenPhone, Scenario::StolenIphone] {
        let run = |c: Config| check::run(c.only(&[scenario]), &bfs_options());
        let built_in = run(config());
        let tables = run(config().schedules_as_tables());
        assert_eq!(tables.unique_states, built_in.unique_states, "{scenario}");
        let verdicts = |r: &check::Report| -> Vec<(&'static str, Verdict)> {
            r.properties.iter().map(|p| (p.name, p.verdict)).collect()
        };
        assert_eq!(verdicts(&tables), verdicts(&built_in), "{scenario}");
    }
    let late = check::run(
        config()
            .schedules_as_tables()
            .with_bug(Bug::GatekeeperOffByOne)
            .only(&[Scenario::StolenPhone]),
        &bfs_options(),
    );
    assert_eq!(late.violated(), vec![Bug::GatekeeperOffByOne.breaks()]);
}

/// `renew`'s second credential of the old phone (issue 9) moved `renew` 562,559 -> 761,159 and
/// no other scenario. Derivation: until the thief uses the second credential, nothing reads
/// it (the owner's flows use the first; the recovery retires both), so the states where its
/// counter is still 0 are exactly the states before it: 562,559; the rest, 198,600, are the
/// states after the thief's login was answered with it.
#[test]
fn second_credential_adds_only_its_own_use() {
    let unused = Cell::new(0usize);
    let (all, _) = bfs(&config().only(&[Scenario::Renew]), |s: &State| {
        if s.phones[0].se.second == Some(0) {
            unused.set(unused.get() + 1);
        }
        false
    });
    assert_eq!((all, unused.get()), (761_159, 562_559));
}

/// The attacker's own phone-QR session in `kiosk` (issue 9) moved `kiosk` 4,384 -> 37,168 and
/// no other scenario. Derivation: before the attacker opens it, nothing differs from the model
/// without it (the relay of its challenge needs the session; the new flag is false), so the
/// states where no session of the attacker's exists are exactly the 4,384 of before (the
/// earlier pin, derived and cross-checked above; `attacker_sessions = 0` gives the same count
/// in `disabling_flows_changes_counts_as_expected`); the other 32,784 interleave the session,
/// bound to either kiosk, with the owner's and the kiosks' steps (each opening shifts the
/// session indices and challenges of the sessions after it).
///
/// Showing the session's QR to the owner's phone as a step of its own (whatever the phone does)
/// moved `kiosk` 37,168 -> 69,952. Derivation: in the default the phone refuses every such
/// relay (proximity), so before, the attempt was no step and `relayed_own_qr` was false in
/// every state: the states where it is false are exactly the 37,168 of before. Setting it
/// changes nothing else (the phone's answer is refused, nothing is learnt) and only takes the
/// relay away, which changed nothing anyway; so each of the 32,784 states with a session of the
/// attacker's has exactly one twin with the flag set, and the twins' successors are the twins
/// of the successors: 37,168 + 32,784 = 69,952.
///
/// Since the attacker's one session may also be a login (86,344 states in all,
/// `every_capability_in_the_default_adds_only_its_own_steps`), the counts above are those of
/// the states where it is not one.
#[test]
fn own_phone_qr_adds_only_its_own_session() {
    use model::server::{Party, SessionKind};
    let (no_login, before, unshown) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    let (all, _) = bfs(&config().only(&[Scenario::Kiosk]), |s: &State| {
        let mut own = s
            .server
            .sessions
            .iter()
            .filter(|x| x.opener == Party::Attacker);
        if own.clone().any(|x| x.kind == SessionKind::Login) {
            return false;
        }
        no_login.set(no_login.get() + 1);
        if own.next().is_none() {
            before.set(before.get() + 1);
        }
        if !s.attacker.relayed_own_qr {
            unshown.set(unshown.get() + 1);
        }
        false
    });
    let counts = (no_login.get(), before.get(), unshown.get());
    assert_eq!((all, counts), (86_344, (69_952, 4_384, 37_168)));
    assert_eq!(counts.0 - counts.2, counts.2 - counts.1);
}

/// Issue 9's capabilities where their precondition holds (`Capability::in_default`) moved four
/// counts, and no other (`enrol` 403,128, `renew` 761,159, `stolen-both` 174,380 and `insider`
/// 97,172 were run alone before and after: the capabilities new there, an own recovery and a
/// JPKI copy onto a phone of the attacker's own, are refused in every state of the default,
/// and a refusal is no step). Derivations:
/// - `stolen-phone` 72,209 -> 144,418 and `stolen-iphone` 86,356 -> 172,712, exactly twice:
///   the thief may now open a login of its own (once, at any time), but the stolen phone holds
///   no credential in these scenarios and no session of the thief's is card-authenticated, so
///   nothing it could send there, and no registration, recovery, identifier or JPKI copy it
///   could ask for, is accepted: each state before exists with and without that open login,
///   and the login changes no other step (sessions carry no time).
/// - `kiosk` 69,952 -> 86,344: the attacker's one session may now be a login as well as a
///   phone-QR session at either kiosk. Nothing it can send a login of its own is accepted (it
///   holds no credential; the lure and the clone are not offered in `kiosk` by default), and
///   the relay shows only a phone-QR session, so a login behaves as a phone-QR session whose QR
///   is never shown: its states are as many as those of an unshown phone-QR session at one
///   kiosk, 16,392 (= 32,784 / 2, the two kiosks being alike until a QR is shown): 69,952 +
///   16,392.
/// - `stolen-card` 163,206 -> 365,940: the thief's requests for the owner's identifier, in any
///   session. Until one is granted nothing differs from before (a refused request is no step;
///   the owner asks for none there), so the states where no identifier was passed to a service
///   are exactly the 163,206 of before; the other 202,734 follow a grant in the thief's
///   card-authenticated login (one or both services), interleaved with its guesses, power
///   cycles and clock points.
#[test]
fn every_capability_in_the_default_adds_only_its_own_steps() {
    use model::server::{Party, SessionKind};
    let attacker_kind = |s: &State, kind: fn(&SessionKind) -> bool| {
        s.server
            .sessions
            .iter()
            .any(|x| x.opener == Party::Attacker && kind(&x.kind))
    };
    for (scenario, before) in [
        (Scenario::StolenPhone, 72_209),
        (Scenario::StolenIphone, 86_356),
    ] {
        let without = Cell::new(0usize);
        let (all, _) = bfs(&config().only(&[scenario]), |s: &State| {
            if !attacker_kind(s, |_| true) {
                without.set(without.get() + 1);
            }
            false
        });
        assert_eq!((all, without.get()), (2 * before, before), "{scenario}");
    }
    let login = Cell::new(0usize);
    let near_unshown = Cell::new(0usize);
    let (all, _) = bfs(&config().only(&[Scenario::Kiosk]), |s: &State| {
        if attacker_kind(s, |k| *k == SessionKind::Login) {
            login.set(login.get() + 1);
        }
        let near = |k: &SessionKind| {
            *k == SessionKind::PhoneQr {
                kiosk: model::kiosk::KioskId::Near,
            }
        };
        if attacker_kind(s, near) && !s.attacker.relayed_own_qr {
            near_unshown.set(near_unshown.get() + 1);
        }
        false
    });
    assert_eq!(
        (all, login.get(), near_unshown.get()),
        (86_344, 16_392, 16_392)
    );
    let no_identifier = Cell::new(0usize);
    let (all, _) = bfs(&config().only(&[Scenario::StolenCard]), |s: &State| {
        if s.ghost.ids == [[0; 2]; 2] {
            no_identifier.set(no_identifier.get() + 1);
        }
        false
    });
    assert_eq!((all, no_identifier.get()), (365_940, 163_206));
}

/// The attacker's own phone-QR session is a real path to the remote kiosk: once the phone's
/// proximity check is gone (`skip-proximity-check`) or is presence only with a relay standing
/// near (`proximity-not-distance-bounding`), the owner's phone answers the challenge of the
/// attacker's session shown as the remote kiosk's QR, and the remote kiosk logs in with the
/// owner's key through that session; in the default the phone refuses, and no attacker's
/// session ever logs a kiosk in.
#[test]
fn own_phone_qr_logs_in_only_past_a_removed_defence() {
    use model::server::{Party, SessionKind, Status};
    let own_qr_login = |s: &State| {
        s.server.sessions.iter().any(|x| {
            x.opener == Party::Attacker
                && matches!(x.kind, SessionKind::PhoneQr { .. })
                && matches!(x.status, Status::AtKiosk { .. })
        })
    };
    let kiosk = || config().only(&[Scenario::Kiosk]);
    assert!(bfs(&kiosk(), own_qr_login).1.is_none());
    for bug in [Bug::SkipProximityCheck, Bug::ProximityNotDistanceBounding] {
        let (_, path) = bfs(&kiosk().with_bug(bug), own_qr_login);
        let path = path.unwrap_or_else(|| panic!("{bug:?}: no login through an own session"));
        assert!(
            path.iter()
                .any(|(_, a)| matches!(a, Some(Action::Attacker(AttackerVerb::RelayOwnQr { .. })))),
            "{bug:?}"
        );
    }
}

/// The witness `attacker's own phone-QR session` needs the capability: reached in `kiosk`,
/// and not once the attacker may open no session (negative control; it was mutant
/// `attacker.rs:544`, the capability never offered, that `model check` alone did not see).
#[test]
fn own_phone_qr_witness_needs_the_attackers_session() {
    use model::properties::Milestone;
    let seen = |s: &State| s.ghost.reached(Milestone::AttackerPhoneQr);
    let mut c = config().only(&[Scenario::Kiosk]);
    assert!(bfs(&c, seen).1.is_some());
    c.attacker_sessions = 0;
    assert!(bfs(&c, seen).1.is_none());
}

/// Each negative control of an exact-schedule witness (a defence made stricter than its rule)
/// loses exactly that witness in its scenario and breaks no `always` property: compared with
/// the same scenario alone without the control (where the other scenarios' witnesses are
/// unwitnessed too).
#[test]
fn stricter_defences_lose_exactly_their_witness() {
    let unwitnessed = |r: &check::Report| -> Vec<&'static str> {
        r.properties
            .iter()
            .filter(|p| p.verdict == Verdict::Unwitnessed)
            .map(|p| p.name)
            .collect()
    };
    for control in Stricter::ALL {
        let plain = check::run(config().only(&[control.scenario()]), &bfs_options());
        let stricter = check::run(
            config().stricter(control).only(&[control.scenario()]),
            &bfs_options(),
        );
        assert_eq!(stricter.violated(), Vec::<&str>::new(), "{control}");
        let mut expected = unwitnessed(&plain);
        assert!(!expected.contains(&control.loses()), "{control}");
        expected.push(control.loses());
        expected.sort_unstable();
        let mut lost = unwitnessed(&stricter);
        lost.sort_unstable();
        assert_eq!(lost, expected, "{control}");
    }
}

/// Every `always` property has at least one bug switch.
#[test]
fn every_property_has_a_bug_switch() {
    for p in CATALOGUE.iter().filter(|p| p.kind == Kind::Always) {
        assert!(
            Bug::ALL.iter().any(|b| b.breaks() == p.name),
            "no bug switch breaks `{}`",
            p.name
        );
    }
    assert!(Bug::ALL.len() >= 10);
}

/// Our own search agrees with stateright's: no reachable state of the default violates any
/// `always` property (one pass over every state).
#[test]
fn no_counterexample_in_the_default() {
    let c = config();
    let (states, path) = bfs(&c, |s| {
        CATALOGUE
            .iter()
            .any(|p| p.kind == Kind::Always && !(p.condition)(&c, s))
    });
    assert!(path.is_none());
    assert_eq!(states, PER_SCENARIO.iter().map(|(_, n)| n).sum::<usize>());
}

/// The lockout automaton, not the model's attempt cap, bounds the thief: at most 20 biometric
/// presentations (Android class 3: 5 per round, 3 timed lockouts, AOSP), and the cap is never
/// reached. With the failure limits switched off, the cap is what stops the search.
#[test]
fn the_automaton_bounds_the_thief() {
    let max_attempts = |c: &Config| {
        let max = Cell::new([0u8; 2]);
        bfs(c, |s| {
            let [a, b] = max.get();
            let [x, y] = s.attacker.attempts;
            max.set([a.max(x), b.max(y)]);
            false
        });
        max.get()
    };
    let c = config().only(&[Scenario::StolenPhone]);
    let [bio, pin] = max_attempts(&c);
    assert_eq!(bio, 20);
    // The same figure as `model budget` prints for the policy.
    let budget = policy::budget(&c.phone_policy, 73 * policy::HOUR);
    assert_eq!(budget.biometric_presentations, Some(u64::from(bio)));
    assert!(pin < c.attempt_cap, "{pin}");
    let broken = c.clone().with_bug(Bug::UnlimitedBiometricTries);
    assert_eq!(max_attempts(&broken)[0], c.attempt_cap);

    // The card: 3 PIN entries and 5 signing-password entries in all (after 3 / 5 wrong ones
    // the card takes no more), as `model budget` says for `card-pin` and `jpki-signing`.
    let card = config().only(&[Scenario::StolenCard]);
    let [pin, signing] = max_attempts(&card);
    let ever = 10 * 365 * 24 * policy::HOUR;
    assert_eq!(
        policy::budget(&card.card_policy, ever).pin_guesses,
        Some(u64::from(pin))
    );
    assert_eq!(
        policy::budget(&card.signing_policy, ever).pin_guesses,
        Some(u64::from(signing))
    );
    assert_eq!([pin, signing], [3, 5]);
}

/// The shortest counterexample of the origin check is the phishing relay.
#[test]
fn phishing_trace_reads_well() {
    let c = config().with_bug(Bug::SkipOriginCheck);
    let trace = shortest_counterexample(&c, "origin binding").expect("a counterexample");
    let phish = format!("{:?}", AttackerVerb::Phish { session: 2 });
    assert!(
        trace
            .iter()
            .any(|s| s.actor == "attacker" && s.action == phish),
        "{trace:?}"
    );
    let last = trace.last().expect("not empty");
    assert_eq!(last.actor, "network");
    assert!(
        last.message.contains("Phish") && last.message.ends_with("accepted"),
        "{last:?}"
    );
}

/// Does some enabled delivery in `s` meet the §7.1 refusal (a registration of a credential the
/// server already has on record)? Decided on a copy of the server, as `next_state` does.
fn meets_known_credential(c: &Config, s: &State) -> bool {
    let mut actions = Vec::new();
    c.actions(s, &mut actions);
    actions.into_iter().any(|a| match a {
        Action::Deliver {
            session,
            term: term @ Term::Attestation { .. },
        } => {
            let mut server = s.server.clone();
            server.receive(
                session,
                term,
                s.channel(session, term),
                c.now_secs(s),
                c.rules_for_trace(),
            ) == Err(Reason::KnownCredential)
        }
        _ => false,
    })
}

/// The default never delivers a registration of a known credential (so the §7.1 refusal moved
/// no state count), and without the challenge check the attacker does. The shortest such trace
/// (9 steps): the attacker logs its own session in with the owner's card signature, opens a
/// registration, and its attestation for that session is delivered to the owner's
/// registration session, which binds the attacker's key; the same attestation delivered to the
/// attacker's own session is then a known credential, refused (before the fix, bound again).
///
/// Issue 10: in `insider` the second person sends the owner's credential as a registration of
/// its own, so there the refusal is met in the default (4 steps: a login, the second person's
/// card signature delivered, a registration; the delivery of the owner's credential is refused).
#[test]
fn known_credential_is_refused_only_past_a_removed_defence() {
    let one_person: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| *s != Scenario::Insider)
        .collect();
    let c = config().only(&one_person);
    let (states, path) = bfs(&c, |s| meets_known_credential(&c, s));
    assert!(path.is_none());
    assert_eq!(
        states,
        PER_SCENARIO
            .iter()
            .filter(|(s, _)| *s != Scenario::Insider)
            .map(|(_, n)| n)
            .sum::<usize>()
    );
    let insider = config().only(&[Scenario::Insider]);
    let (_, path) = bfs(&insider, |s| meets_known_credential(&insider, s));
    assert_eq!(path.map(|p| p.len()), Some(5));

    let broken = config()
        .with_bug(Bug::SkipChallengeCheck)
        .only(&[Scenario::Enrol]);
    let (_, path) = bfs(&broken, |s| meets_known_credential(&broken, s));
    let path = path.expect("a replayed attestation of a known credential");
    assert!(path.len() > 1);
}

/// The seed's SMS baseline (§2-1) is found out: with accounts keyed by a phone number, the
/// owner's cancelled number reassigned to the second person logs that person into the owner's
/// account (the shortest counterexample, 3 steps after the initial state: the second person
/// opens a login, receives the number, types the one-time code). The card-bound design, same
/// scenario, holds (control).
#[test]
fn sms_baseline_takeover_is_found() {
    let sms = config().sms_baseline();
    let trace = shortest_counterexample(&sms, "account isolation").expect("the takeover");
    let actions: Vec<&str> = trace.iter().map(|s| s.action.as_str()).collect();
    assert!(actions.contains(&"GetReassignedNumber"), "{actions:?}");
    assert!(
        actions.iter().any(|a| a.starts_with("SmsLogin")),
        "{actions:?}"
    );
    assert_eq!(trace.len(), 4, "{trace:?}");
    // Run to completion: the takeover breaks account isolation and, the second person being
    // in the owner's account, unlinkability (the owner's identifier goes to the second
    // person's session), and nothing else; the baseline's own flow, the owner's SMS login, is
    // witnessed (a baseline that refused every code would show no takeover for a wrong reason).
    let full = check::run(sms.only(&[Scenario::Insider]), &bfs_options());
    let mut broken = full.violated();
    broken.sort_unstable();
    assert_eq!(broken, ["account isolation", "unlinkability"]);
    assert_eq!(
        full.property("owner logs in by SMS in the baseline")
            .map(|p| p.verdict),
        Some(Verdict::Witnessed)
    );
    let card_bound = config().only(&[Scenario::Insider]);
    let report = check::run(card_bound, &bfs_options());
    assert_eq!(
        report.property("account isolation").map(|p| p.verdict),
        Some(Verdict::Holds)
    );
    assert!(report.violated().is_empty(), "{:?}", report.violated());
}

/// `insider` moves the expected way: without the second person's sessions it shrinks (only the
/// owner and the number's reassignment are left), and the SMS baseline grows it (the SMS logins
/// the card-bound design refuses are taken).
#[test]
fn insider_count_moves_as_expected() {
    let count = |c: &Config| bfs(c, |_| false).0;
    let n = PER_SCENARIO
        .iter()
        .find(|(s, _)| *s == Scenario::Insider)
        .map(|(_, n)| *n)
        .expect("pinned");
    let mut alone = config().only(&[Scenario::Insider]);
    alone.attacker_sessions = 0;
    assert!(count(&alone) < n);
    assert!(count(&config().sms_baseline()) > n);
}
