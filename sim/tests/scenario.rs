//! How scenario keys map onto `model::policy::Policy`, and attempt counts onto rows.

use model::policy::{HOUR, Throttle};
use sim::run;
use sim::scenario::{InputError, Scenario};

/// The first ```toml block of the README.
fn readme_example() -> String {
    let readme = include_str!("../README.md");
    let start = readme.find("```toml\n").expect("README has a toml block") + 8;
    let len = readme[start..].find("```").expect("block ends");
    readme[start..start + len].to_string()
}

fn parse(text: &str) -> Result<Scenario, InputError> {
    Scenario::from_toml("test.toml", text)
}

/// The README's example is a valid scenario, and each key lands where the README says.
#[test]
fn readme_example_maps_onto_policies() {
    let s = parse(&readme_example()).expect("README example is valid");
    assert_eq!((s.seed, s.trials, s.window_hours), (7, 200_000, 72.0));
    let touch = &s.policies[1].policy;
    let bio = touch.biometric.as_ref().expect("biometric stage");
    assert_eq!((bio.far, bio.sar, bio.tries_per_round), (0.00002, 0.07, 5));
    // Inherited from the built-in touch-id: the 48 h primary timeout and the Apple throttle.
    assert_eq!(bio.primary_timeout_secs, Some(48 * HOUR));
    let pin = touch.pin.as_ref().expect("pin stage");
    assert_eq!((pin.digits, pin.max_tries), (6, Some(10)));
    assert_eq!(pin.throttle, Throttle::Apple);
    let custom = &s.policies[2].policy;
    assert_eq!(
        custom.pin.as_ref().map(|p| p.throttle.clone()),
        Some(Throttle::Table {
            delays_secs: vec![0, 0, 0, 0, 30, 60]
        })
    );
    let (rows, skipped) = run::plan(&s);
    assert!(skipped.is_empty());
    // Apple delays (1, 5, 15, 15 min after guesses 5..8, then 1 h): guess 10 at 5760 s < 72 h,
    // and pin_tries = 10 stops there. The card: 3 ever.
    let guesses: Vec<Option<u64>> = rows.iter().map(|r| r.pin_guesses).collect();
    assert_eq!(guesses[0], Some(3));
    assert_eq!(guesses[1], Some(10));
    // Custom: 5 rounds of 5 with 30 s lockouts, 3 timed lockouts -> 20 presentations.
    assert_eq!(rows[2].bio_presentations, Some(20));
}

const HEAD: &str = "name = \"t\"\nwindow_hours = 1\n[[attacker]]\nname = \"a\"\nbiometric = \"zero-effort\"\npin = \"uniform\"\n";

#[test]
fn pin_only_and_no_fallback_policies() {
    let s = parse(&format!(
        "{HEAD}[[policy]]\nname = \"p\"\npin_digits = 5\npin_tries = 2\n\
         [[policy]]\nname = \"b\"\nfar = 0.001\nsar = 0.1\nbio_tries = 4\n\
         [[policy]]\nname = \"touch-id\"\ninherit = false\npin_digits = 4\npin_tries = 3\n"
    ))
    .expect("valid");
    assert!(s.policies[0].policy.biometric.is_none());
    assert!(s.policies[1].policy.pin.is_none());
    assert!(s.policies[2].policy.biometric.is_none(), "inherit = false");
    let (rows, _) = run::plan(&s);
    // PIN-only: 2 of 10^5. No fallback: 1 - 0.999^4.
    assert_eq!(rows[0].experiment.exact(), 2.0 / 100_000.0);
    let p = rows[1].experiment.exact();
    assert!((p - (1.0 - 0.999f64.powi(4))).abs() < 1e-15);
    assert_eq!(rows[2].experiment.exact(), 3.0 / 10_000.0);
}

/// `bio_attempts` / `pin_attempts` replace the automaton's counts; without them the counts move
/// with the window (negative control: the automaton is really consulted).
#[test]
fn fixed_attempts_override_the_budget() {
    let s = parse(&format!(
        "{HEAD}[[policy]]\nname = \"android-class3\"\n\
         [[policy]]\nname = \"fixed\"\ninherit = false\nfar = 0.001\nsar = 0.1\nbio_tries = 5\n\
         bio_attempts = 7\npin_digits = 4\npin_attempts = 40\n"
    ))
    .expect("valid");
    let (rows, _) = run::plan(&s);
    assert_eq!(
        (rows[0].bio_presentations, rows[0].pin_guesses),
        (Some(20), Some(63))
    );
    assert_eq!(
        (rows[1].bio_presentations, rows[1].pin_guesses),
        (Some(7), Some(40))
    );
    let mut longer = s.clone();
    longer.window_hours = 24.0;
    let (rows, _) = run::plan(&longer);
    assert_eq!(rows[0].pin_guesses, Some(111));
    assert_eq!(rows[1].pin_guesses, Some(40));
}

#[test]
fn a_new_biometric_stage_needs_all_three_keys() {
    let e = parse(&format!("{HEAD}[[policy]]\nname = \"x\"\nfar = 0.01\n"))
        .expect_err("sar and bio_tries missing")
        .to_string();
    assert!(e.contains("test.toml") && e.contains("`sar`"), "{e}");
    let e = parse(&format!("{HEAD}[[policy]]\nname = \"x\"\n"))
        .expect_err("empty policy")
        .to_string();
    assert!(e.contains("policy `x`"), "{e}");
}
