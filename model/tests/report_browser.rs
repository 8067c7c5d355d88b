//! Headless Chromium opens the committed `reports/model.html` and the test reads the DOM it
//! built: every property and every bug switch is there, and every chart has its lifelines and
//! at least one arrow. Chromium is `$MYNAFIDO_CHROMIUM` (scripts/setup.d/10-chromium.sh); under
//! `CI=true` the test fails without it, elsewhere it says so and passes.

use model::bugs::Bug;
use model::properties::CATALOGUE;
use std::process::Command;

#[test]
fn chromium_renders_every_property_bug_and_chart() {
    let chromium =
        std::env::var("MYNAFIDO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium `{chromium}` is missing (scripts/setup.d/10-chromium.sh installs it)"
        );
        eprintln!("skipped: Chromium `{chromium}` not found");
        return;
    }
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports/model.html");
    let profile = std::env::temp_dir().join(format!("mynafido-report-{}", std::process::id()));
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{page}"))
        .output()
        .expect("run Chromium");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    for row in CATALOGUE {
        assert!(
            dom.contains(&format!("id=\"p-{}\"", row.name.replace(' ', "-"))),
            "{}",
            row.name
        );
    }
    for bug in Bug::ALL {
        assert!(dom.contains(&format!("id=\"bug-{}\"", bug.name())), "{bug}");
    }
    // Each chart, as the browser parsed it: its own <svg> ... </svg> with lifelines and arrows.
    let charts: Vec<&str> = dom.split("<svg ").skip(1).collect();
    assert!(charts.len() >= Bug::ALL.len(), "{} charts", charts.len());
    for c in charts {
        let c = &c[..c.find("</svg>").expect("svg closed")];
        assert!(
            c.matches("class=\"lifeline\"").count() >= 2,
            "chart without lifelines"
        );
        assert!(c.contains("class=\"arrow\""), "chart without an arrow");
        // The parser kept every <line> empty (a void-looking <line> would swallow what follows).
        assert_eq!(c.matches("<line").count(), c.matches("</line>").count());
    }
}
