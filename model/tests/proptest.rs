//! Random small configurations in the allowed range: the checker never panics and every safety
//! property still holds.

use model::check::{self, Options};
use model::system::{Config, Scenario};
use proptest::prelude::*;

fn configs() -> impl Strategy<Value = Config> {
    (
        prop::sample::select(vec!["android-class3", "touch-id", "face-id"]),
        prop::sample::subsequence(Scenario::ALL.to_vec(), 1..=Scenario::ALL.len()),
        0u8..=1,
        1usize..=7,
        1u8..=8,
    )
        .prop_map(|(policy, scenarios, sessions, clock_len, max_sessions)| {
            let mut c = Config::with_phone_policy(policy)
                .expect("built-in policy")
                .only(&scenarios);
            c.attacker_sessions = sessions;
            c.clock_secs.truncate(clock_len);
            c.owner_clock_secs.truncate(clock_len);
            c.max_sessions = max_sessions;
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn safety_holds_in_random_configurations(config in configs()) {
        prop_assert!(config.validate().is_ok());
        let report = check::run(config, &Options { threads: 1, ..Options::default() });
        prop_assert!(report.violated().is_empty(), "{:?}", report.violated());
        prop_assert!(report.unique_states > 0);
    }
}
