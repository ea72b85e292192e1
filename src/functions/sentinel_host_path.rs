//! `provider::kured::sentinel_host_path(chart_version, values)`: the node file this chart
//! version's kured watches for these values.

use kured_core::base::node_path::HostPathAliases;
use kured_core::chart::RenderCache;
use kured_core::chart::releases::supported_range;
use kured_core::policy::resolve::KuredOutcome;
use kured_core::policy::{self, Field, KuredField, KuredInput, KuredSource};
use tfplugin::api::{Function, FunctionError};
use tfplugin::model::argument;
use tfplugin::schema::{FunctionSignature, Parameter};
use tfplugin::types::Type;
use tfplugin::value::Value;

/// The function, with the renders of the calls it answered: Terraform calls it without
/// configuring the provider, so it keeps its own.
#[derive(Default)]
pub struct SentinelHostPath {
    renders: RenderCache,
}

/// The parameters, in order.
const CHART_VERSION: &str = "chart_version";
const VALUES: &str = "values";

impl Function for SentinelHostPath {
    fn name(&self) -> &'static str {
        "sentinel_host_path"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![
                Parameter::new(
                    CHART_VERSION,
                    Type::String,
                    &format!("Version of the kured Helm chart, {}.", supported_range()),
                ),
                Parameter::new(
                    VALUES,
                    Type::list(Type::String),
                    "The chart's values documents (YAML or JSON), in the order Helm applies them.",
                ),
            ],
            variadic: None,
            return_type: Type::String,
            summary: "The node file kured watches for a chart version and values".into(),
            description: "Renders the kured chart of `chart_version` with `values` and follows kured's sentinel through its flags, environment and volume mounts to the node. Fails when kured uses a sentinel command or its sentinel never reaches the node.".into(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let chart_version: String = argument(arguments, 0, CHART_VERSION)?;
        let values: Vec<String> = argument(arguments, 1, VALUES)?;
        let input = KuredInput {
            source: KuredSource::Chart {
                chart_version,
                values,
                sets: Vec::new(),
                image_tag: None,
            },
            container: "kured".to_string(),
        };
        let kured = policy::analyse_kured_with(&input, &HostPathAliases::default(), &self.renders)
            .map_err(|finding| {
                let argument = match finding.field {
                    Field::Kured(KuredField::ChartVersion) => 0,
                    _ => 1,
                };
                FunctionError::on_argument(
                    argument,
                    format!("{}: {}", finding.summary, finding.detail),
                )
            })?;
        match kured.outcome {
            KuredOutcome::NodeFile { node_path, .. } => Ok(Value::String(node_path)),
            KuredOutcome::Command { command } => Err(FunctionError::on_argument(
                1,
                format!(
                    "kured runs the sentinel command {command:?} instead of testing a file, so there is no node file"
                ),
            )),
            KuredOutcome::Unknowable { reason } | KuredOutcome::Rejected { reason } => {
                Err(FunctionError::on_argument(1, reason))
            }
            KuredOutcome::Unreachable(u) => Err(FunctionError::on_argument(
                1,
                format!("kured's sentinel never reaches the node: {u}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(version: &str, values: &[&str]) -> Result<Value, FunctionError> {
        SentinelHostPath::default().call(&[
            Value::string(version),
            Value::List(values.iter().map(|v| Value::string(*v)).collect()),
        ])
    }

    #[test]
    fn follows_each_chart_band_to_the_node() {
        let cases = [
            (
                "5.11.0",
                "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n",
                "/sentinel/gated-reboot-required",
            ),
            (
                "5.11.0",
                "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n",
                "/var/run/gated-reboot-required",
            ),
            ("5.11.0", "", "/var/run/reboot-required"),
            (
                "5.3.2",
                "configuration:\n  rebootSentinel: /var/run/x\n",
                "/var/run/x",
            ),
        ];
        for (version, values, want) in cases {
            assert_eq!(
                call(version, &[values]),
                Ok(Value::string(want)),
                "{version} {values:?}"
            );
        }
    }

    #[test]
    fn blames_the_argument_at_fault() {
        assert_eq!(call("3.0.0", &[]).unwrap_err().argument, Some(0));
        assert_eq!(
            call("5.11.0", &["a: [unclosed"]).unwrap_err().argument,
            Some(1)
        );
        // 5.4.0 tests inside the container without a mount unless the top-level key is set.
        let err = call("5.4.0", &["configuration:\n  rebootSentinel: /var/run/x\n"]).unwrap_err();
        assert_eq!(err.argument, Some(1));
        assert!(err.text.contains("never reaches the node"), "{}", err.text);
        let err = SentinelHostPath::default()
            .call(&[
                Value::string("5.11.0"),
                Value::List(vec![Value::string(""), Value::Null]),
            ])
            .unwrap_err();
        assert_eq!(err.argument, Some(1));
        assert!(err.text.starts_with("values[1] is null"), "{}", err.text);
    }
}
