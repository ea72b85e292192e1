//! Terraform's diagnostics as data: `terraform plan -json` parsed, so that tests assert a
//! finding's code and the configuration line Terraform points at, not English fragments.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use serde_json::Value;

use super::terraform::{Output, Workdir};

/// One diagnostic Terraform printed.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    pub summary: String,
    pub detail: String,
    /// The provider's finding code (the detail's last line), if any.
    pub code: Option<String>,
    /// The first line of `main.tf` Terraform highlights, if it points at one.
    pub line: Option<u64>,
}

/// What one `terraform plan -json` printed: its exit code and diagnostics.
pub struct JsonPlan {
    pub output: Output,
    pub diagnostics: Vec<Diagnostic>,
}

impl JsonPlan {
    /// The diagnostics with this finding code.
    pub fn with_code(&self, code: &str) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.code.as_deref() == Some(code))
            .collect()
    }

    /// Every finding code shown, in order.
    pub fn codes(&self) -> Vec<&str> {
        self.diagnostics
            .iter()
            .filter_map(|d| d.code.as_deref())
            .collect()
    }

    /// The single diagnostic with `code`; panics, showing everything, otherwise.
    #[track_caller]
    pub fn only(&self, code: &str) -> &Diagnostic {
        match self.with_code(code).as_slice() {
            [one] => one,
            other => panic!(
                "expected one diagnostic with code {code}, got {}:\n{:#?}\n{}",
                other.len(),
                self.diagnostics,
                self.output.report()
            ),
        }
    }
}

/// Runs `terraform plan -json` and parses its diagnostics.
pub fn plan_json(dir: &Workdir) -> JsonPlan {
    let output = dir.run(&["plan", "-json", "-input=false", "-no-color"]);
    let diagnostics = output
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["type"] == "diagnostic")
        .map(|message| {
            let d = &message["diagnostic"];
            let text = |field: &str| d[field].as_str().unwrap_or_default().to_string();
            let detail = text("detail");
            let code = detail
                .lines()
                .last()
                .and_then(|l| l.strip_prefix("Finding code: "))
                .map(str::to_string);
            Diagnostic {
                severity: text("severity"),
                summary: text("summary"),
                detail,
                code,
                line: d["range"]["start"]["line"].as_u64(),
            }
        })
        .collect();
    JsonPlan {
        output,
        diagnostics,
    }
}

/// The 1-based line of `main.tf` holding `needle`; panics when there is none.
#[track_caller]
pub fn line_of(dir: &Workdir, needle: &str) -> u64 {
    let text = std::fs::read_to_string(dir.path().join("main.tf")).unwrap_or_default();
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not in main.tf:\n{text}"));
    index as u64 + 1
}
