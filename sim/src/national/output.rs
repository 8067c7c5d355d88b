//! `national.csv`, `national.json`, the printed table, and the state file of a shard. Written
//! through [`crate::output::write_all`] (temporary files renamed into place: nothing half-written).

use std::fmt::Write as _;

use super::{CSV, JSON, NationalState, Report, SENSITIVITY_SVG, STATE, SVG};
use crate::output::{self, OutputError, opt, sig3};

/// `national.csv`: one line per row, then the total; numbers in shortest round-trip notation.
pub fn csv(r: &Report) -> Result<Vec<u8>, OutputError> {
    let render = |e: csv::Error| OutputError::Render {
        what: "csv",
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy",
        "attacker",
        "role",
        "holders",
        "expected_per_year",
        "ci_low",
        "ci_high",
        "mc_rel_error",
        "per_holder_mean",
        "per_holder_p50",
        "per_holder_p99",
        "per_holder_p999",
        "ratio_to_baseline",
        "prob_below_baseline",
    ])
    .map_err(render)?;
    for x in &r.rows {
        w.write_record([
            x.policy.clone(),
            x.attacker.clone(),
            x.role.clone(),
            format!("{:e}", x.holders),
            format!("{:e}", x.expected_per_year),
            format!("{:e}", x.ci_low),
            format!("{:e}", x.ci_high),
            format!("{:e}", x.mc_rel_error),
            format!("{:e}", x.per_holder_mean),
            format!("{:e}", x.per_holder_p50),
            format!("{:e}", x.per_holder_p99),
            format!("{:e}", x.per_holder_p999),
            opt(x.ratio_to_baseline),
            opt(x.prob_below_baseline),
        ])
        .map_err(render)?;
    }
    let t = &r.total;
    w.write_record([
        "total".into(),
        "all".into(),
        "mix".into(),
        format!("{:e}", r.holders as f64),
        format!("{:e}", t.expected_per_year),
        format!("{:e}", t.ci_low),
        format!("{:e}", t.ci_high),
        format!("{:e}", t.mc_rel_error),
        format!("{:e}", t.expected_per_year / r.holders as f64),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ])
    .map_err(render)?;
    w.into_inner().map_err(|e| OutputError::Render {
        what: "csv",
        message: e.to_string(),
    })
}

fn count(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else {
        sig3(x)
    }
}

/// The printed table: rows, total, per-policy answer, sensitivity ranking.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "national \"{}\": {} holders, {} outer draws x {} strata, seed {}",
        r.scenario, r.holders, r.draws, r.strata, r.seed
    );
    let _ = writeln!(
        out,
        "{:16} {:15} {:8} {:>12} {:>25} {:>7} {:>10} {:>10} {:>10} {:>9}",
        "policy",
        "attacker",
        "role",
        "per year",
        "95% interval",
        "mc err",
        "p50",
        "p99",
        "p99.9",
        "ratio"
    );
    for x in &r.rows {
        let _ = writeln!(
            out,
            "{:16} {:15} {:8} {:>12} {:>25} {:>6.2}% {:>10} {:>10} {:>10} {:>9}",
            x.policy,
            x.attacker,
            x.role,
            count(x.expected_per_year),
            format!("[{}, {}]", count(x.ci_low), count(x.ci_high)),
            x.mc_rel_error * 100.0,
            format!("{:.2e}", x.per_holder_p50),
            format!("{:.2e}", x.per_holder_p99),
            format!("{:.2e}", x.per_holder_p999),
            x.ratio_to_baseline.map_or("-".into(), sig3)
        );
    }
    let t = &r.total;
    let _ = writeln!(
        out,
        "total (mix)                               {:>12} {:>25} {:>6.2}%",
        count(t.expected_per_year),
        format!("[{}, {}]", count(t.ci_low), count(t.ci_high)),
        t.mc_rel_error * 100.0
    );
    let _ = writeln!(
        out,
        "per policy (all attackers), per-holder mean vs the baselines:"
    );
    for p in &r.policies {
        let ratios: Vec<String> = p
            .ratio_to_baselines
            .iter()
            .map(|(b, v)| {
                format!(
                    "x{} {b} (P(below) {:.2}, p99.9 holder x{})",
                    sig3(*v),
                    p.prob_below_baselines.get(b).copied().unwrap_or(0.0),
                    p.p999_ratio_to_baselines
                        .get(b)
                        .map_or("-".into(), |v| sig3(*v))
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:16} {:8} {:>12}/yr  per holder {:.2e}  {}",
            p.policy,
            p.role,
            count(p.expected_per_year),
            p.per_holder_mean,
            ratios.join("; ")
        );
    }
    let _ = writeln!(
        out,
        "sensitivity (yearly total at low / high; posterior mean {} over the first {} draws; claimed figures {}):",
        count(r.sensitivity_base_total),
        r.sensitivity_draws,
        count(r.nominal_total)
    );
    for s in &r.sensitivity {
        let _ = writeln!(
            out,
            "  {:28} {:>10} .. {:>10}   ({} .. {})",
            s.parameter,
            count(s.total_low),
            count(s.total_high),
            s.low_value,
            s.high_value
        );
    }
    out
}

/// Every file of a whole run.
pub fn files(r: &Report) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    Ok(vec![
        (CSV, csv(r)?),
        (JSON, output::json(r)?),
        (SVG, super::plot::ccdf_svg(r)?.into_bytes()),
        (SENSITIVITY_SVG, super::plot::tornado_svg(r)?.into_bytes()),
    ])
}

/// The file of a shard.
pub fn state_files(s: &NationalState) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    Ok(vec![(STATE, output::json(s)?)])
}
