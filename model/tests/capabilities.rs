//! The capability table of model/README.md ("The attacker's capabilities") says what the code
//! does: each row named by [`Capability::name`], each cell "yes" (offered in the default),
//! "every" (only with `--every-capability`) or "n/a" (its precondition does not hold), read from
//! [`Capability::possible`] and [`Capability::in_default`].

use model::attacker::Capability;
use model::system::Scenario;

/// The table's scenario columns, in order; `stolen-phone` and `stolen-iphone` share one.
const COLUMNS: [&[Scenario]; 6] = [
    &[Scenario::Enrol],
    &[Scenario::Renew],
    &[Scenario::Kiosk],
    &[Scenario::StolenPhone, Scenario::StolenIphone],
    &[Scenario::StolenCard],
    &[Scenario::StolenBoth],
];

fn expected(c: Capability, sc: Scenario) -> &'static str {
    match (c.possible(sc), c.in_default(sc)) {
        (false, _) => "n/a",
        (true, true) => "yes",
        (true, false) => "every",
    }
}

/// Every cell of the table that disagrees with the code, or a missing row.
fn mismatches(readme: &str) -> Vec<String> {
    let Some(start) = readme.find("| Capability | `enrol` |") else {
        return vec!["no capability table".into()];
    };
    let rows: Vec<Vec<&str>> = readme[start..]
        .lines()
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let mut out = Vec::new();
    for c in Capability::ALL {
        let Some(row) = rows.iter().find(|r| r[0].starts_with(c.name())) else {
            out.push(format!("no row for `{}`", c.name()));
            continue;
        };
        if row.len() != 1 + COLUMNS.len() {
            out.push(format!("`{}`: {} cells", c.name(), row.len()));
            continue;
        }
        for (cell, scenarios) in row[1..].iter().zip(COLUMNS) {
            for sc in scenarios {
                let want = expected(c, *sc);
                if cell.split(' ').next() != Some(want) {
                    out.push(format!(
                        "`{}` in {sc}: `{cell}`, the code says {want}",
                        c.name()
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn the_readme_table_is_the_code() {
    assert_eq!(
        mismatches(include_str!("../README.md")),
        Vec::<String>::new()
    );
}

/// Negative control: the same reading of a table with one cell wrong (the key clone in `renew`
/// said to be in the default) and one row gone reports both.
#[test]
fn a_wrong_cell_would_be_seen() {
    let readme = include_str!("../README.md");
    let wrong = readme.replacen(
        "| yes | every (the new phone) | every |",
        "| yes | yes | every |",
        2,
    );
    let wrong = wrong.replacen("| holds the card:", "| holds nothing:", 1);
    let found = mismatches(&wrong);
    assert!(
        found.iter().any(|m| m.starts_with("`key clone` in renew")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("`phishing lure` in renew")),
        "{found:?}"
    );
    assert!(
        found.contains(&"no row for `holds the card`".to_string()),
        "{found:?}"
    );
}
