//! The documentation's chart version tables are generated from the chart release table in
//! `kured-core` (`chart/releases.rs`), so a new chart release cannot leave them behind.
//! Each table sits between `<!-- generated: NAME -->` and `<!-- end generated -->`;
//! `UPDATE_DOCS=1 cargo test --test chart_docs` rewrites them instead of failing.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use kured_core::base::version::Version;
use kured_core::chart::SentinelBand;
use kured_core::chart::releases::{RELEASES, releases_by_app_version};

const END: &str = "<!-- end generated -->";

fn doc(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `4.0.0` alone, or `4.0.0 – 4.0.4` for every release between the two.
fn span(first: Version, last: Version) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first} – {last}")
    }
}

fn release_table() -> String {
    let mut out = String::from("| chart | appVersion |\n| --- | --- |\n");
    for (charts, app) in releases_by_app_version() {
        let (first, last) = (charts[0], charts[charts.len() - 1]);
        out.push_str(&format!("| {} | {app} |\n", span(first, last)));
    }
    out
}

fn band_table() -> String {
    let mut out = String::from(
        "| chart versions | kured | what the chart renders | where kured looks |\n| --- | --- | --- | --- |\n",
    );
    let bands = [
        (
            SentinelBand::NoMount,
            "`--reboot-sentinel=<rebootSentinel>` when set, no volume",
            "the path itself, tested in the node's mount namespace",
        ),
        (
            SentinelBand::TopLevelSwitch,
            "a volume only when the **top-level** `useRebootSentinelHostPath` is set (the chart's own default sits under `configuration:` and is ignored)",
            "inside the container: without that key, never on the node",
        ),
        (
            SentinelBand::ConfigurationSwitch,
            "with `configuration.useRebootSentinelHostPath` (default true): `--reboot-sentinel=/sentinel/<base>` and hostPath `<dir>` mounted at `/sentinel`; otherwise the raw value and no volume",
            "inside the container, through the mount: `<dir>/<base>` on the node",
        ),
    ];
    for (band, renders, looks) in bands {
        let members: Vec<_> = RELEASES
            .iter()
            .filter(|r| SentinelBand::of(r.chart) == band)
            .collect();
        let (first, last) = (members[0], members[members.len() - 1]);
        out.push_str(&format!(
            "| {} | {} | {renders} | {looks} |\n",
            span(first.chart, last.chart),
            span(first.app, last.app)
        ));
    }
    out
}

/// Compares (or with UPDATE_DOCS rewrites) the region `name` of the file at `path`.
fn check_region(path: &str, name: &str, generated: &str) -> Option<String> {
    let path = doc(path);
    let text = std::fs::read_to_string(&path).expect("the page is readable");
    let start_marker = format!("<!-- generated: {name} -->\n");
    let Some(start) = text.find(&start_marker).map(|at| at + start_marker.len()) else {
        return Some(format!(
            "{} has no `{}` line",
            path.display(),
            start_marker.trim()
        ));
    };
    let Some(len) = text[start..].find(END) else {
        return Some(format!("{} has no `{END}` after {name}", path.display()));
    };
    if text[start..start + len] == *generated {
        return None;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &text[..start], &text[start + len..]);
        std::fs::write(&path, updated).expect("docs are writable");
        return None;
    }
    Some(format!(
        "{}'s {name} table does not match crates/kured-core/src/chart/releases.rs (run UPDATE_DOCS=1 cargo test --test chart_docs)",
        path.display()
    ))
}

#[test]
fn version_tables_follow_the_release_table() {
    let drift: Vec<String> = [
        check_region(
            "docs/guides/kured-chart.md",
            "chart-releases",
            &release_table(),
        ),
        check_region("docs/index.md", "sentinel-bands", &band_table()),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}

#[test]
fn tables_name_every_release_and_the_newest() {
    let table = release_table();
    let newest = RELEASES[RELEASES.len() - 1];
    assert!(table.contains(&format!("| {} | {} |", newest.chart, newest.app)));
    assert_eq!(
        table.lines().count() - 2,
        releases_by_app_version().len(),
        "one row per appVersion"
    );
}
