//! What CONTRIBUTING.md asks of every resource, data source and function, checked: each
//! has an example in the tfplugindocs layout and a Terraform-driven test that uses it (the
//! docs test checks its page). A new data source without them fails `make test`.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use terraform_provider_kured::KuredProvider;
use tfplugin::api::Provider;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text of every Terraform-driven test file (they run stacks written inline).
fn test_sources() -> String {
    let mut text = String::new();
    for dir in [root().join("tests"), root().join("tests/support")] {
        for entry in std::fs::read_dir(dir)
            .expect("tests/ is readable")
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("checklist.rs") {
                text.push_str(&std::fs::read_to_string(&path).expect("a readable test"));
            }
        }
    }
    text
}

/// Everything the provider serves: (what, example file, what a stack writes to use it).
fn served() -> Vec<(String, PathBuf, String)> {
    let provider = KuredProvider;
    let examples = root().join("examples");
    let mut out = Vec::new();
    for r in provider.resources() {
        let name = r.type_name();
        out.push((
            format!("resource {name}"),
            examples.join("resources").join(name).join("resource.tf"),
            format!("resource \"{name}\""),
        ));
    }
    for d in provider.data_sources() {
        let name = d.type_name();
        out.push((
            format!("data source {name}"),
            examples
                .join("data-sources")
                .join(name)
                .join("data-source.tf"),
            format!("data \"{name}\""),
        ));
    }
    for f in provider.functions() {
        let name = f.name();
        out.push((
            format!("function {name}"),
            examples.join("functions").join(name).join("function.tf"),
            format!("provider::kured::{name}("),
        ));
    }
    out
}

#[test]
fn everything_served_has_an_example_and_a_terraform_test() {
    let tests = test_sources();
    let mut missing = Vec::new();
    for (what, example, usage) in served() {
        match std::fs::read_to_string(&example) {
            Ok(text) if text.contains(&usage) => {}
            Ok(_) => missing.push(format!("{} does not use {what}", example.display())),
            Err(_) => missing.push(format!("{what} has no example at {}", example.display())),
        }
        if !tests.contains(&usage) {
            missing.push(format!("no test under tests/ writes `{usage}` ({what})"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_example_directory_belongs_to_something_served() {
    let expected: Vec<PathBuf> = served()
        .into_iter()
        .filter_map(|(_, example, _)| example.parent().map(Path::to_path_buf))
        .collect();
    for kind in ["resources", "data-sources", "functions"] {
        let dir = root().join("examples").join(kind);
        for entry in std::fs::read_dir(&dir)
            .expect("examples/ is readable")
            .flatten()
        {
            assert!(
                expected.contains(&entry.path()),
                "{} is an example of nothing the provider serves",
                entry.path().display()
            );
        }
    }
}
