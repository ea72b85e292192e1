//! Replays the committed fuzz corpus on stable Rust: no input the fuzzers ever kept (nor
//! any regression input they found) may make a parser panic or break an invariant.
//!
//! The fuzz targets' bodies are included from `fuzz/src/lib.rs`, so this test calls
//! exactly what libFuzzer calls, without needing nightly or libFuzzer.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/src/lib.rs"]
mod entries;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Entry = fn(&[u8]);

const TARGETS: [(&str, Entry); 10] = [
    ("chart_values", entries::chart_values),
    ("set_entry", entries::set_entry),
    ("daemonset_manifest", entries::daemonset_manifest),
    ("pdb_inventory", entries::pdb_inventory),
    ("kured_flags", entries::kured_flags),
    ("duration", entries::duration),
    ("window", entries::window),
    ("selector", entries::selector),
    ("msgpack", entries::msgpack),
    ("node_path", entries::node_path),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_corpus() {
    for (target, _) in TARGETS {
        assert!(
            !inputs(target).is_empty(),
            "fuzz/corpus/{target} holds no input"
        );
    }
}

#[test]
fn no_corpus_input_panics() {
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut count = 0;
    for (target, entry) in TARGETS {
        for path in inputs(target) {
            let data = match fs::read(&path) {
                Ok(data) => data,
                // A fuzzer running meanwhile (`make fuzz`) replaces inputs it has reduced.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            count += 1;
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| entry(&data))) {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{target} {}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} corpus inputs panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The corpus is meant to stay small; a slow replay means it grew past that.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "replaying {count} inputs took {:?}",
        started.elapsed()
    );
}
