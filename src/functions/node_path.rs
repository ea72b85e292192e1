//! `provider::kured::node_path(daemonset_manifest, container, container_path)`: the node
//! path a container path reaches through the DaemonSet's volume mounts.

use kured_core::k8s::manifest;
use kured_core::k8s::mounts;
use tfplugin::api::{Function, FunctionError};
use tfplugin::model::argument;
use tfplugin::schema::{FunctionSignature, Parameter};
use tfplugin::types::Type;
use tfplugin::value::Value;

pub struct NodePath;

/// The parameters, in order.
const DAEMONSET_MANIFEST: &str = "daemonset_manifest";
const CONTAINER: &str = "container";
const CONTAINER_PATH: &str = "container_path";

impl Function for NodePath {
    fn name(&self) -> &'static str {
        "node_path"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![
                Parameter::new(DAEMONSET_MANIFEST, Type::String, "A DaemonSet manifest, YAML or JSON."),
                Parameter::new(CONTAINER, Type::String, "The container whose mounts are followed."),
                Parameter::new(CONTAINER_PATH, Type::String, "An absolute path as the container sees it."),
            ],
            variadic: None,
            return_type: Type::String,
            summary: "The node path a container path reaches".into(),
            description: "Follows `container_path` through the container's volume mounts (longest mountPath first, subPath included) to a hostPath volume, and returns the node path. Fails, saying why, when the path reaches no node file (no mount, emptyDir, configMap, a relative path).".into(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let text: &str = argument(arguments, 0, DAEMONSET_MANIFEST)?;
        let container: &str = argument(arguments, 1, CONTAINER)?;
        let container_path: &str = argument(arguments, 2, CONTAINER_PATH)?;
        let parsed = manifest::parse_daemonset(text)
            .map_err(|e| FunctionError::on_argument(0, e.to_string()))?;
        let container = parsed
            .container(container)
            .map_err(|e| FunctionError::on_argument(1, e.to_string()))?;
        match mounts::resolve_container_path(&parsed.template, container, container_path) {
            Ok(resolution) => Ok(Value::String(resolution.node_path)),
            Err(unreachable) => Err(FunctionError::on_argument(2, unreachable.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GATE: &str = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: gate}
spec:
  template:
    spec:
      containers:
        - name: gate
          volumeMounts:
            - {name: run, mountPath: /host/var-run}
            - {name: scratch, mountPath: /tmp}
      volumes:
        - {name: run, hostPath: {path: /var/run}}
        - {name: scratch, emptyDir: {}}
"#;

    fn call(container: &str, path: &str) -> Result<Value, FunctionError> {
        NodePath.call(&[
            Value::string(GATE),
            Value::string(container),
            Value::string(path),
        ])
    }

    #[test]
    fn resolves_or_says_why_not() {
        assert_eq!(
            call("gate", "/host/var-run/gated"),
            Ok(Value::string("/var/run/gated"))
        );
        let err = call("gate", "/tmp/x").unwrap_err();
        assert_eq!(err.argument, Some(2));
        assert!(err.text.contains("emptyDir"), "{}", err.text);
        assert_eq!(call("kured", "/x").unwrap_err().argument, Some(1));
        let err = NodePath
            .call(&[
                Value::string("kind: Pod"),
                Value::string("gate"),
                Value::string("/x"),
            ])
            .unwrap_err();
        assert_eq!(err.argument, Some(0));
    }
}
