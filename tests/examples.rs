//! Every directory under `examples/` is a stack that works as copied: `terraform init`
//! installs the provider from its own `required_providers`, and `terraform plan` passes,
//! except in examples that say they must fail ("must refuse this stack"). The directories
//! are found by walking `examples/`, so a new example is planned without a list to edit.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use support::kured::example;

/// The phrase an example's comments carry when its plan must fail.
const MUST_FAIL: &str = "must refuse this stack";

fn examples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Directories holding `.tf` files, relative to `examples/`, sorted.
fn stacks(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut has_tf = false;
    for entry in std::fs::read_dir(dir)
        .expect("examples/ is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            stacks(&path, found);
        } else if path.extension().is_some_and(|e| e == "tf") {
            has_tf = true;
        }
    }
    if has_tf {
        let relative = dir.strip_prefix(examples_root()).expect("below examples/");
        found.push(relative.to_path_buf());
    }
}

fn must_fail(dir: &Path) -> bool {
    std::fs::read_dir(examples_root().join(dir))
        .expect("the example is readable")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|text| text.contains(MUST_FAIL)))
}

#[test]
fn every_example_inits_and_plans_as_copied() {
    let mut found = Vec::new();
    stacks(&examples_root(), &mut found);
    found.sort();
    assert!(found.len() >= 8, "the walk found the examples: {found:?}");
    for dir in &found {
        let name = dir.to_string_lossy();
        let plan = example(&name).plan();
        if must_fail(dir) {
            plan.assert_failure(&format!("plan of examples/{name}, which must fail"));
        } else {
            plan.assert_success(&format!("plan of examples/{name}"));
        }
    }
}
