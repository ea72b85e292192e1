//! What every benchmark shares: medians of repeated runs and the figure lines that
//! `make bench` collects. Include it with `#[path = "support/measure.rs"] mod measure;`.
//!
//! Figures go to stdout as `<name> <value> <unit>`, one a line and nothing else there;
//! progress and detail go to stderr, so `tools/bench/run.sh` can gather the figures of
//! every benchmark and print them last.

// Each includer uses part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Runs `f` `runs` times and returns the median wall time and the last result.
pub fn median_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    assert!(runs > 0, "at least one run");
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed());
        // Dropping the previous result outside the timed region keeps deallocation of
        // large outputs out of the figure.
        drop(last.replace(out));
    }
    (median(&mut times), last.expect("runs > 0"))
}

/// The median of `times` (the lower middle for an even count).
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[(times.len() - 1) / 2]
}

/// Milliseconds with microsecond resolution.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Prints one figure line; values are rounded for reading, not for precision claims.
pub fn figure(name: &str, value: f64, unit: &str) {
    let text = if value.fract() == 0.0 || value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    };
    println!("{name} {text} {unit}");
}

/// How many runs to take: `BENCH_RUNS` overrides `default` (useful for a quick check).
pub fn runs(default: usize) -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}
