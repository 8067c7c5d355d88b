//! The per-step events ([`Config::events`]) report what the step changed, and nothing for a step
//! that is not enabled.

use model::events::Event;
use model::server::{Party, SessionKind, Status};
use model::system::{Action, Config, Scenario, Step};

fn config() -> Config {
    Config::new().expect("the default configuration is valid")
}

#[test]
fn owner_login_opens_a_session_and_card_auth_authenticates_it() {
    let c = config();
    let s0 = c.init(Scenario::Enrol);
    let start = Action::User(Step::StartLogin);
    let ev = c.events(&s0, &start).expect("the first step is enabled");
    // The initial state has no session, so the owner's first login is session 0.
    assert!(
        ev.contains(&Event::Opened {
            session: 0,
            kind: SessionKind::Login,
            by: Party::User
        }),
        "{ev:?}"
    );
    assert!(!ev.iter().any(|e| matches!(e, Event::Decided { .. })));
    let s1 = stateright::Model::next_state(&c, &s0, start).expect("enabled");
    // The card signs the challenge, and the network must still deliver it: no decision yet.
    let card = Action::User(Step::CardAuth);
    let ev = c
        .events(&s1, &card)
        .expect("card authentication is enabled");
    assert!(
        !ev.iter().any(|e| matches!(e, Event::Decided { .. })),
        "{ev:?}"
    );
    let s2 = stateright::Model::next_state(&c, &s1, card).expect("enabled");
    let mut delivered = false;
    let mut acts = Vec::new();
    stateright::Model::actions(&c, &s2, &mut acts);
    for a in acts {
        if let Action::Deliver { session: 0, .. } = a
            && let Some(ev) = c.events(&s2, &a)
            && ev.iter().any(|e| {
                matches!(
                    e,
                    Event::Decided {
                        session: 0,
                        from: Status::Open,
                        to: Status::Authenticated(_)
                    }
                )
            })
        {
            delivered = true;
            assert!(
                ev[0]
                    .to_string()
                    .starts_with("network: Deliver to session 0")
            );
        }
    }
    assert!(
        delivered,
        "some delivery of the card's signature authenticates session 0"
    );
}

#[test]
fn a_disabled_step_has_no_events() {
    let c = config();
    let s0 = c.init(Scenario::Enrol);
    // Negative control: no session exists, so card authentication has nothing to sign.
    assert_eq!(c.events(&s0, &Action::User(Step::CardAuth)), None);
}

#[test]
fn tick_reports_the_next_clock_point() {
    let c = config();
    let s0 = c.init(Scenario::StolenPhone);
    let ev = c.events(&s0, &Action::Tick).expect("the clock can move");
    // Independent: the scenario's clock list, entry 1 (init is at entry 0).
    let secs = c.clock(Scenario::StolenPhone)[1];
    assert!(ev.contains(&Event::Clock { secs }), "{ev:?}");
}
