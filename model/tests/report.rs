//! The committed reviewer's page `reports/model.html` is what `model report` writes today, byte
//! for byte, and it shows every property, every bug switch and a chart for each.

use model::bugs::Bug;
use model::properties::CATALOGUE;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports/model.html");
    std::fs::read_to_string(path).expect("reports/model.html is committed")
}

#[test]
fn committed_page_is_regenerated_byte_for_byte() {
    let page = model::report::default_page().expect("default configuration");
    assert!(
        page == committed(),
        "reports/model.html is stale: run `cargo run --release -p model -- report`"
    );
    // Deterministic: a second run writes the same bytes.
    assert_eq!(page, model::report::default_page().expect("default"));
}

#[test]
fn page_names_every_property_and_bug_with_a_chart_each() {
    let page = committed();
    for row in CATALOGUE {
        let id = format!("id=\"p-{}\"", row.name.replace(' ', "-"));
        assert!(page.contains(&id), "property `{}` missing", row.name);
    }
    for bug in Bug::ALL {
        let id = format!("id=\"{}--{}\"", bug.name(), bug.breaks().replace(' ', "-"));
        let at = page
            .find(&id)
            .unwrap_or_else(|| panic!("no chart for {bug}"));
        let section = &page[at..];
        let end = section.find("</section>").expect("section closed");
        let section = &section[..end];
        assert!(section.contains("<svg"), "{bug}: no svg");
        assert!(section.matches("class=\"lifeline\"").count() >= 2, "{bug}");
        assert!(section.contains("class=\"arrow\""), "{bug}: no arrow");
        assert!(
            section.contains("class=\"violating\""),
            "{bug}: no marked step"
        );
    }
    // Self-contained: nothing loaded from elsewhere.
    for banned in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
    ] {
        assert!(!page.contains(banned), "page contains {banned}");
    }
}

#[test]
fn explorer_names_each_initial_state_by_its_scenario() {
    use stateright::Model;
    let config = model::system::Config::new().expect("default");
    let inits = config.init_states();
    assert_eq!(inits.len(), model::system::Scenario::ALL.len());
    for (state, sc) in inits.into_iter().zip(model::system::Scenario::ALL) {
        let path = stateright::Path::from_actions(&config, state, std::iter::empty())
            .expect("a one-state path");
        let svg = config.as_svg(path).expect("a picture");
        assert!(
            svg.contains(&format!("<h3>scenario {} (initial state)</h3>", sc.name())),
            "{svg}"
        );
    }
}
