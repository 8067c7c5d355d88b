//! The oracle of `model/mutants.sh` (issue 9, "Mutation adequacy, measured"): the checker's
//! verdicts alone judge a mutant of the model's defence code, exactly as `model check` gives
//! them (the same default [`Config`], the same [`check::run`]). A mutant is caught when
//! - the default check is no longer clean (some `always` property fails, or some `sometimes`
//!   witness is lost: `model check` would exit 1), or
//! - some bug switch is no longer caught in one of the scenarios where it shows
//!   ([`Bug::caught_in`]: `model check --bug NAME --scenario S` would no longer report the
//!   property the switch names as violated; a property gone blind in one scenario is seen even
//!   if another scenario still shows the switch), or
//! - the SMS baseline (`--sms-baseline`, `insider`) no longer breaks exactly `account
//!   isolation` and `unlinkability` (its takeover), or no longer witnesses its own flow (the
//!   owner's SMS login), or
//! - some negative control of an exact-schedule witness ([`model::controls::Stricter`]: a
//!   defence made stricter than its rule) no longer loses its witness.
//!
//! The unit tests (pinned state counts, traces that read well, exact collateral) are
//! deliberately not part of the oracle: they would catch a mutant by a changed number rather
//! than by a property, and the question is whether the properties can fail on what the broken
//! defence lets happen.
//!
//! Each switch's check stops at the first violation of its property (as `tests/check.rs` does
//! first): "caught" needs one counterexample, not the whole state space, and this keeps a
//! mutant's verdict to about one full check plus a short search per switch.
//!
//! Ignored in the normal test run (it repeats what `tests/check.rs` checks); `model/mutants.sh`
//! runs it with `--ignored`. Its negative control is the mutation run itself: cargo-mutants first
//! runs this oracle on the unmutated tree and stops if it fails there, and every caught mutant
//! is a case where it fails.

use model::bugs::Bug;
use model::check::{self, Options, Verdict};
use model::controls::Stricter;
use model::system::{Config, Scenario};

/// The witness of the SMS baseline's own flow.
const SMS_OWNER_LOGIN: &str = "owner logs in by SMS in the baseline";

#[test]
#[ignore = "the oracle of model/mutants.sh; run with --ignored"]
fn model_check_alone_judges_the_defences() {
    let config = Config::new().expect("the default configuration");
    let default = check::run(
        config.clone(),
        &Options {
            threads: 2,
            ..Options::default()
        },
    );
    let unwitnessed: Vec<&str> = default
        .properties
        .iter()
        .filter(|p| p.verdict == Verdict::Unwitnessed)
        .map(|p| p.name)
        .collect();
    assert!(
        default.ok(),
        "the default check is not clean: violated {:?}, unwitnessed {unwitnessed:?}",
        default.violated()
    );

    // The seed's SMS baseline (§2-1), `insider` alone, to completion: its takeover is found
    // (the second person, holding the owner's reassigned number, in the owner's account, and
    // so given the owner's identifier) and nothing else breaks, and its own flow works (the
    // owner's SMS login is witnessed), so the takeover is not an artefact of a baseline that
    // logs no one in.
    let sms = check::run(
        config.clone().sms_baseline().only(&[Scenario::Insider]),
        &Options {
            threads: 2,
            ..Options::default()
        },
    );
    let mut broken = sms.violated();
    broken.sort_unstable();
    assert_eq!(
        broken,
        ["account isolation", "unlinkability"],
        "the SMS baseline's verdicts"
    );
    assert_eq!(
        sms.property(SMS_OWNER_LOGIN).map(|p| p.verdict),
        Some(Verdict::Witnessed),
        "the SMS baseline's own flow"
    );

    let missed: Vec<String> = Bug::ALL
        .iter()
        .flat_map(|bug| bug.caught_in().iter().map(move |sc| (*bug, *sc)))
        .filter(|(bug, sc)| {
            let report = check::run(
                config.clone().with_bug(*bug).only(&[*sc]),
                &Options {
                    threads: 2,
                    stop_at: Some(bug.breaks()),
                    ..Options::default()
                },
            );
            report.property(bug.breaks()).map(|p| p.verdict) != Some(Verdict::Violated)
        })
        .map(|(bug, sc)| format!("{bug} in {} (must break `{}`)", sc.name(), bug.breaks()))
        .collect();
    assert!(missed.is_empty(), "switches no longer caught: {missed:?}");

    // Each negative control of an exact-schedule witness still loses its witness (its
    // scenario alone, to completion: a lost witness needs the whole space).
    let kept: Vec<String> = Stricter::ALL
        .iter()
        .filter(|control| {
            let report = check::run(
                config
                    .clone()
                    .stricter(**control)
                    .only(&[control.scenario()]),
                &Options {
                    threads: 2,
                    ..Options::default()
                },
            );
            report.property(control.loses()).map(|p| p.verdict) != Some(Verdict::Unwitnessed)
        })
        .map(|control| format!("{control} (must lose `{}`)", control.loses()))
        .collect();
    assert!(kept.is_empty(), "controls whose witness survives: {kept:?}");

    // The positive control of the table throttle: the built-in schedules written as tables
    // keep every verdict of the two scenarios that judge them.
    for scenario in [Scenario::StolenPhone, Scenario::StolenIphone] {
        let verdicts = |c: Config| -> Vec<(&'static str, Verdict)> {
            let options = Options {
                threads: 2,
                ..Options::default()
            };
            let r = check::run(c.only(&[scenario]), &options);
            r.properties.iter().map(|p| (p.name, p.verdict)).collect()
        };
        assert_eq!(
            verdicts(config.clone().schedules_as_tables()),
            verdicts(config.clone()),
            "{scenario}: the schedules as tables judge differently"
        );
    }
}
