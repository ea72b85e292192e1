//! Diagnostics: what the provider tells Terraform, and on which attribute.
//!
//! Terraform renders a diagnostic's summary and detail under the configuration line its
//! path points at, so every check reports on the attribute at fault rather than the block.

use std::fmt;

/// One step of an attribute path: an attribute, a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// An object attribute.
    Attribute(String),
    /// A map key.
    Key(String),
    /// A list, set or tuple position.
    Index(usize),
}

/// A path from the root of a resource's configuration to one attribute, e.g.
/// `settings.values[1]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// The path to the value itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// The steps from the root, outermost first.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    /// The path of a top-level attribute.
    pub fn attr(name: &str) -> Self {
        AttrPath(vec![PathStep::Attribute(name.to_string())])
    }

    /// This path followed by an attribute step.
    pub fn then(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attribute(name.to_string()));
        self
    }

    /// This path followed by a list index step.
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathStep::Index(index));
        self
    }

    /// This path followed by a map key step.
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(PathStep::Key(key.to_string()));
        self
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => write!(f, "{name}")?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Terraform stops the run.
    Error,
    /// Terraform shows it and goes on.
    Warning,
}

/// One error or warning for Terraform to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line, shown as the diagnostic's title.
    pub summary: String,
    /// The explanation, shown below the title.
    pub detail: String,
    /// The attribute at fault; `None` puts the diagnostic on the whole block.
    pub path: Option<AttrPath>,
}

/// The diagnostics one request collects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an error that concerns the whole block, not one attribute.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary, detail, None);
    }

    /// Adds a warning that concerns the whole block, not one attribute.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary, detail, None);
    }

    /// Adds an error on one attribute.
    pub fn error_at(
        &mut self,
        path: AttrPath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Severity::Error, summary, detail, Some(path));
    }

    /// Adds a warning on one attribute.
    pub fn warning_at(
        &mut self,
        path: AttrPath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Severity::Warning, summary, detail, Some(path));
    }

    fn push(
        &mut self,
        severity: Severity,
        summary: impl Into<String>,
        detail: impl Into<String>,
        path: Option<AttrPath>,
    ) {
        self.0.push(Diagnostic {
            severity,
            summary: summary.into(),
            detail: detail.into(),
            path,
        });
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Whether there are no diagnostics at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every diagnostic of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// The diagnostics in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_terraform_references() {
        let path = AttrPath::attr("kured").then("values").index(1);
        assert_eq!(path.to_string(), "kured.values[1]");
        let path = AttrPath::attr("host_path_aliases").key("/var/run");
        assert_eq!(path.to_string(), "host_path_aliases[\"/var/run\"]");
    }

    #[test]
    fn errors_are_told_from_warnings() {
        let mut diags = Diagnostics::new();
        diags.warning("careful", "");
        assert!(!diags.has_errors());
        diags.error_at(AttrPath::attr("x"), "bad", "worse");
        assert!(diags.has_errors());
        assert_eq!(diags.0.len(), 2);
    }
}
