//! The "Example Usage" block of every documentation page is its example file under
//! `examples/`, verbatim, as tfplugindocs lays them out: the provider's page shows
//! `examples/provider/provider.tf`, a resource's page `examples/resources/<type>/resource.tf`,
//! a data source's `examples/data-sources/<type>/data-source.tf` and a function's
//! `examples/functions/<name>/function.tf`. `UPDATE_DOCS=1 cargo test --test example_docs`
//! rewrites the blocks instead of failing.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use terraform_provider_kured::KuredProvider;
use tfplugin::api::Provider;

const HEADING: &str = "## Example Usage\n\n```terraform\n";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (documentation page, example file) for everything the provider serves.
fn pairs() -> Vec<(PathBuf, PathBuf)> {
    let provider = KuredProvider;
    let (docs, examples) = (root().join("docs"), root().join("examples"));
    let strip = |name: &str| name.trim_start_matches("kured_").to_string();
    let mut out = vec![(docs.join("index.md"), examples.join("provider/provider.tf"))];
    for r in provider.resources() {
        let name = r.type_name();
        out.push((
            docs.join("resources").join(format!("{}.md", strip(name))),
            examples.join("resources").join(name).join("resource.tf"),
        ));
    }
    for d in provider.data_sources() {
        let name = d.type_name();
        out.push((
            docs.join("data-sources")
                .join(format!("{}.md", strip(name))),
            examples
                .join("data-sources")
                .join(name)
                .join("data-source.tf"),
        ));
    }
    for f in provider.functions() {
        let name = f.name();
        out.push((
            docs.join("functions").join(format!("{name}.md")),
            examples.join("functions").join(name).join("function.tf"),
        ));
    }
    out
}

#[test]
fn example_usage_is_the_example_file() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut drift = Vec::new();
    for (page, example) in pairs() {
        let Ok(text) = std::fs::read_to_string(&page) else {
            drift.push(format!("{} is missing", page.display()));
            continue;
        };
        let Ok(code) = std::fs::read_to_string(&example) else {
            drift.push(format!("{} is missing", example.display()));
            continue;
        };
        let Some(start) = text.find(HEADING).map(|at| at + HEADING.len()) else {
            drift.push(format!(
                "{} has no \"## Example Usage\" terraform block",
                page.display()
            ));
            continue;
        };
        let Some(len) = text[start..].find("```\n") else {
            drift.push(format!("{}'s example block is not closed", page.display()));
            continue;
        };
        let code = if code.ends_with('\n') {
            code
        } else {
            format!("{code}\n")
        };
        if text[start..start + len] == code {
            continue;
        }
        if update {
            let updated = format!("{}{code}{}", &text[..start], &text[start + len..]);
            std::fs::write(&page, updated).expect("docs are writable");
        } else {
            drift.push(format!(
                "{}'s Example Usage differs from {} (run UPDATE_DOCS=1 cargo test --test example_docs)",
                page.display(),
                example.display()
            ));
        }
    }
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}
