//! Reading a DaemonSet manifest (kured's or the sentinel gate's) into the pod model.
//!
//! Only the fields that decide where a file lives are read. Each is decoded on its own
//! (serde into the small type it needs) so a value of the wrong type is reported with its
//! full path (`spec.template.spec.containers[0].args`), which a whole-struct decode
//! cannot say.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use crate::base::yaml::{YamlError, parse_documents};
use crate::k8s::container::{Container, EnvVar, PodTemplate, Volume, VolumeMount, VolumeSource};

/// A DaemonSet reduced to what sentinel resolution needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonSetManifest {
    /// `metadata.namespace`, when the manifest sets one.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `spec.template`, reduced.
    pub template: PodTemplate,
}

/// Why a manifest could not be read as one DaemonSet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The text is not valid YAML or JSON.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// The text holds no document at all.
    #[error("the manifest is empty; give one DaemonSet (apiVersion apps/v1, kind DaemonSet)")]
    Empty,
    /// The only object is not a DaemonSet.
    #[error(
        "the manifest is a {kind} ({name}), not a DaemonSet; give a DaemonSet, apiVersion apps/v1"
    )]
    WrongKind {
        /// The object's kind (or `object without kind`).
        kind: String,
        /// The object's name, or `unnamed`.
        name: String,
    },
    /// A DaemonSet under an apiVersion other than `apps/v1`.
    #[error(
        "DaemonSet {name} has apiVersion {api_version:?}; only apps/v1 is served by current clusters, so write apiVersion: apps/v1"
    )]
    WrongApiVersion {
        /// The DaemonSet's name.
        name: String,
        /// The apiVersion found.
        api_version: String,
    },
    /// Several objects, none of them a DaemonSet.
    #[error("the manifest holds no DaemonSet, only {}; give exactly one DaemonSet (apps/v1)", .found.join(", "))]
    NoDaemonSet {
        /// `Kind/name` of every object found.
        found: Vec<String>,
    },
    /// More than one DaemonSet, so it is unclear which one is meant.
    #[error("the manifest holds {} DaemonSets ({}); give exactly one", .daemonsets.len(), .daemonsets.join(", "))]
    SeveralDaemonSets {
        /// `DaemonSet/name` of each.
        daemonsets: Vec<String>,
    },
    /// A document or list item that is not a mapping.
    #[error("{path} is {found}, not an object; each document must be a Kubernetes object")]
    NotAnObject {
        /// Where the value sits (`document 2`, `document 1 items[3]`).
        path: String,
        /// What was found instead (`a string`, `an array`, ...).
        found: &'static str,
    },
    /// A required field is absent.
    #[error("{path} is missing; {hint}")]
    MissingField {
        /// The field's path.
        path: String,
        /// What to add.
        hint: &'static str,
    },
    /// A field holds a value of the wrong type.
    #[error("{path} has the wrong type: {message}")]
    WrongType {
        /// The field's path.
        path: String,
        /// The decoder's description, e.g. "invalid type: integer `5`, expected a string".
        message: String,
    },
    /// The pod template has no containers.
    #[error(
        "DaemonSet {name} has no containers in spec.template.spec.containers; a DaemonSet needs at least one"
    )]
    NoContainers {
        /// The DaemonSet's name.
        name: String,
    },
    /// A field whose value depends on the running pod and so cannot be resolved here.
    #[error("{path} is set ({why}); use a fixed value instead")]
    Unsupported {
        /// The field's path.
        path: String,
        /// Why it cannot be resolved.
        why: &'static str,
    },
    /// The asked-for container does not exist.
    #[error("DaemonSet {daemonset} has no container {name:?}; its containers are {}", quoted(.available))]
    ContainerNotFound {
        /// The DaemonSet's name.
        daemonset: String,
        /// The name asked for.
        name: String,
        /// The containers that exist.
        available: Vec<String>,
    },
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl DaemonSetManifest {
    /// The container named `name`, or an error listing the containers that exist.
    pub fn container(&self, name: &str) -> Result<&Container, ManifestError> {
        self.template
            .container(name)
            .ok_or_else(|| ManifestError::ContainerNotFound {
                daemonset: self.name.clone(),
                name: name.to_string(),
                available: self
                    .template
                    .containers
                    .iter()
                    .map(|c| c.name.clone())
                    .collect(),
            })
    }
}

/// Reads the one DaemonSet of a YAML or JSON manifest: a single document, several
/// documents, or a `kind: List`, among which exactly one object is a DaemonSet.
pub fn parse_daemonset(input: &str) -> Result<DaemonSetManifest, ManifestError> {
    let docs = parse_documents(input)?;
    let mut objects: Vec<(String, &Map<String, Json>)> = Vec::new();
    for (index, doc) in docs.iter().enumerate() {
        let path = format!("document {}", index + 1);
        let object = as_object(doc, &path)?;
        if kind_of(object) == Some("List") {
            for (i, item) in array_field(object, "items", &path)?.iter().enumerate() {
                let item_path = format!("{path} items[{i}]");
                objects.push((item_path.clone(), as_object(item, &item_path)?));
            }
        } else {
            objects.push((path, object));
        }
    }

    let daemonsets: Vec<&(String, &Map<String, Json>)> = objects
        .iter()
        .filter(|(_, o)| kind_of(o) == Some("DaemonSet"))
        .collect();
    match (daemonsets.as_slice(), objects.as_slice()) {
        ([(_, object)], _) => read_daemonset(object),
        ([], []) => Err(ManifestError::Empty),
        ([], [(_, only)]) => Err(ManifestError::WrongKind {
            kind: kind_of(only).unwrap_or("object without kind").to_string(),
            name: name_of(only).unwrap_or("unnamed").to_string(),
        }),
        ([], all) => Err(ManifestError::NoDaemonSet {
            found: all.iter().map(|(_, o)| describe(o)).collect(),
        }),
        (several, _) => Err(ManifestError::SeveralDaemonSets {
            daemonsets: several.iter().map(|(_, o)| describe(o)).collect(),
        }),
    }
}

fn kind_of(object: &Map<String, Json>) -> Option<&str> {
    object.get("kind").and_then(Json::as_str)
}

fn name_of(object: &Map<String, Json>) -> Option<&str> {
    object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Json::as_str)
}

fn describe(object: &Map<String, Json>) -> String {
    format!(
        "{}/{}",
        kind_of(object).unwrap_or("(no kind)"),
        name_of(object).unwrap_or("(unnamed)")
    )
}

fn type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn as_object<'a>(value: &'a Json, path: &str) -> Result<&'a Map<String, Json>, ManifestError> {
    value.as_object().ok_or_else(|| ManifestError::NotAnObject {
        path: path.to_string(),
        found: type_name(value),
    })
}

/// Decodes `object[key]`; absent and `null` both read as `None`, as Kubernetes does.
fn field<T: DeserializeOwned>(
    object: &Map<String, Json>,
    key: &str,
    parent: &str,
) -> Result<Option<T>, ManifestError> {
    match object.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|e| ManifestError::WrongType {
                path: join_path(parent, key),
                message: e.to_string(),
            }),
    }
}

fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn object_field<'a>(
    object: &'a Map<String, Json>,
    key: &str,
    parent: &str,
) -> Result<Option<&'a Map<String, Json>>, ManifestError> {
    match object.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(map)) => Ok(Some(map)),
        Some(other) => Err(ManifestError::WrongType {
            path: join_path(parent, key),
            message: format!("expected an object, found {}", type_name(other)),
        }),
    }
}

fn array_field<'a>(
    object: &'a Map<String, Json>,
    key: &str,
    parent: &str,
) -> Result<&'a [Json], ManifestError> {
    match object.get(key) {
        None | Some(Json::Null) => Ok(&[]),
        Some(Json::Array(items)) => Ok(items),
        Some(other) => Err(ManifestError::WrongType {
            path: join_path(parent, key),
            message: format!("expected an array, found {}", type_name(other)),
        }),
    }
}

fn read_daemonset(object: &Map<String, Json>) -> Result<DaemonSetManifest, ManifestError> {
    let metadata = object_field(object, "metadata", "")?;
    let name: Option<String> = match metadata {
        Some(m) => field(m, "name", "metadata")?,
        None => None,
    };
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or(ManifestError::MissingField {
            path: "metadata.name".to_string(),
            hint: "give the DaemonSet a name",
        })?;
    let api_version: Option<String> = field(object, "apiVersion", "")?;
    if let Some(api_version) = api_version
        && api_version != "apps/v1"
    {
        return Err(ManifestError::WrongApiVersion { name, api_version });
    }
    let namespace: Option<String> = match metadata {
        Some(m) => field(m, "namespace", "metadata")?,
        None => None,
    };

    let missing_spec = || ManifestError::MissingField {
        path: "spec.template.spec".to_string(),
        hint: "a DaemonSet needs a pod template with containers",
    };
    let spec = object_field(object, "spec", "")?.ok_or_else(missing_spec)?;
    let template = object_field(spec, "template", "spec")?.ok_or_else(missing_spec)?;
    let pod = object_field(template, "spec", "spec.template")?.ok_or_else(missing_spec)?;
    let base = "spec.template.spec";

    let mut containers = Vec::new();
    for (i, raw) in array_field(pod, "containers", base)?.iter().enumerate() {
        containers.push(read_container(raw, &format!("{base}.containers[{i}]"))?);
    }
    if containers.is_empty() {
        return Err(ManifestError::NoContainers { name });
    }
    let mut volumes = Vec::new();
    for (i, raw) in array_field(pod, "volumes", base)?.iter().enumerate() {
        volumes.push(read_volume(raw, &format!("{base}.volumes[{i}]"))?);
    }
    Ok(DaemonSetManifest {
        namespace,
        name,
        template: PodTemplate {
            containers,
            volumes,
        },
    })
}

fn read_container(raw: &Json, path: &str) -> Result<Container, ManifestError> {
    let object = as_object(raw, path)?;
    let name: String = required(object, "name", path, "every container needs a name")?;
    let mut env = Vec::new();
    for (i, entry) in array_field(object, "env", path)?.iter().enumerate() {
        env.push(read_env(entry, &format!("{path}.env[{i}]"))?);
    }
    let mut volume_mounts = Vec::new();
    for (i, entry) in array_field(object, "volumeMounts", path)?
        .iter()
        .enumerate()
    {
        volume_mounts.push(read_mount(entry, &format!("{path}.volumeMounts[{i}]"))?);
    }
    Ok(Container {
        name,
        image: field(object, "image", path)?,
        command: field(object, "command", path)?.unwrap_or_default(),
        args: field(object, "args", path)?.unwrap_or_default(),
        env,
        volume_mounts,
    })
}

fn read_env(raw: &Json, path: &str) -> Result<EnvVar, ManifestError> {
    let object = as_object(raw, path)?;
    let name: String = required(object, "name", path, "every env entry needs a name")?;
    let value: Option<String> = field(object, "value", path)?;
    let value_from = object_field(object, "valueFrom", path)?;
    // Kubernetes reads an entry with neither `value` nor `valueFrom` as the empty string.
    let value = match (value, value_from) {
        (_, Some(_)) => None,
        (value, None) => Some(value.unwrap_or_default()),
    };
    Ok(EnvVar { name, value })
}

fn read_mount(raw: &Json, path: &str) -> Result<VolumeMount, ManifestError> {
    let object = as_object(raw, path)?;
    let sub_path_expr: Option<String> = field(object, "subPathExpr", path)?;
    if sub_path_expr.is_some_and(|e| !e.is_empty()) {
        return Err(ManifestError::Unsupported {
            path: join_path(path, "subPathExpr"),
            why: "it is expanded from the pod's environment at run time",
        });
    }
    Ok(VolumeMount {
        name: required(object, "name", path, "every volume mount names its volume")?,
        mount_path: required(
            object,
            "mountPath",
            path,
            "every volume mount needs a mountPath",
        )?,
        sub_path: field::<String>(object, "subPath", path)?.filter(|s| !s.is_empty()),
        read_only: field(object, "readOnly", path)?.unwrap_or(false),
    })
}

fn required<T: DeserializeOwned>(
    object: &Map<String, Json>,
    key: &str,
    parent: &str,
    hint: &'static str,
) -> Result<T, ManifestError> {
    field(object, key, parent)?.ok_or_else(|| ManifestError::MissingField {
        path: join_path(parent, key),
        hint,
    })
}

/// The volume sources the model names; any other is kept by its field name.
const NAMED_SOURCES: [(&str, VolumeSource); 4] = [
    ("emptyDir", VolumeSource::EmptyDir),
    ("configMap", VolumeSource::ConfigMap),
    ("secret", VolumeSource::Secret),
    ("projected", VolumeSource::Projected),
];

fn read_volume(raw: &Json, path: &str) -> Result<Volume, ManifestError> {
    let object = as_object(raw, path)?;
    let name = required(object, "name", path, "every volume needs a name")?;
    let source = if let Some(host) = object_field(object, "hostPath", path)? {
        let host_path = join_path(path, "hostPath");
        VolumeSource::HostPath {
            path: required(
                host,
                "path",
                &host_path,
                "a hostPath volume needs the node path it exposes",
            )?,
            kind: field::<String>(host, "type", &host_path)?.filter(|k| !k.is_empty()),
        }
    } else if let Some((_, source)) = NAMED_SOURCES
        .iter()
        .find(|(key, _)| object.contains_key(*key))
    {
        source.clone()
    } else {
        match object.keys().find(|k| k.as_str() != "name") {
            Some(other) => VolumeSource::Other(other.clone()),
            // Kubernetes defaults a volume with no source to an emptyDir.
            None => VolumeSource::EmptyDir,
        }
    };
    Ok(Volume { name, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KURED: &str = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kured
  namespace: kube-system
spec:
  template:
    spec:
      containers:
        - name: kured
          image: ghcr.io/kubereboot/kured:1.21.0
          command: [/usr/bin/kured]
          args:
            - --reboot-sentinel=/sentinel/gated-reboot-required
          env:
            - name: KURED_NODE_ID
              valueFrom:
                fieldRef: {fieldPath: spec.nodeName}
            - name: PLAIN
              value: "x"
            - name: EMPTY
          volumeMounts:
            - name: sentinel
              mountPath: /sentinel
              readOnly: true
      volumes:
        - name: sentinel
          hostPath:
            path: /sentinel
            type: Directory
        - name: scratch
          emptyDir: {}
        - name: cfg
          configMap: {name: c}
        - name: pvc
          persistentVolumeClaim: {claimName: p}
        - name: bare
"#;

    #[test]
    fn reads_a_daemonset() {
        let ds = parse_daemonset(KURED).unwrap();
        assert_eq!(ds.name, "kured");
        assert_eq!(ds.namespace.as_deref(), Some("kube-system"));
        let c = ds.container("kured").unwrap();
        assert_eq!(c.image.as_deref(), Some("ghcr.io/kubereboot/kured:1.21.0"));
        assert_eq!(c.command, vec!["/usr/bin/kured"]);
        assert_eq!(
            c.args,
            vec!["--reboot-sentinel=/sentinel/gated-reboot-required"]
        );
        assert_eq!(
            c.env,
            vec![
                EnvVar {
                    name: "KURED_NODE_ID".into(),
                    value: None
                },
                EnvVar {
                    name: "PLAIN".into(),
                    value: Some("x".into())
                },
                EnvVar {
                    name: "EMPTY".into(),
                    value: Some(String::new())
                },
            ]
        );
        assert_eq!(
            c.volume_mounts,
            vec![VolumeMount {
                name: "sentinel".into(),
                mount_path: "/sentinel".into(),
                sub_path: None,
                read_only: true
            }]
        );
        let sources: Vec<&VolumeSource> = ds.template.volumes.iter().map(|v| &v.source).collect();
        assert_eq!(
            sources,
            vec![
                &VolumeSource::HostPath {
                    path: "/sentinel".into(),
                    kind: Some("Directory".into())
                },
                &VolumeSource::EmptyDir,
                &VolumeSource::ConfigMap,
                &VolumeSource::Other("persistentVolumeClaim".into()),
                &VolumeSource::EmptyDir,
            ]
        );
    }

    #[test]
    fn picks_the_daemonset_among_several_objects() {
        let json_list = r#"{"apiVersion":"v1","kind":"List","items":[
            {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"kured"}},
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"gate"},
             "spec":{"template":{"spec":{"containers":[{"name":"gate"}]}}}}]}"#;
        let multi = "kind: ConfigMap\nmetadata: {name: c}\n---\n".to_string() + KURED;
        let cases = [(json_list, "gate"), (multi.as_str(), "kured")];
        for (input, want) in cases {
            assert_eq!(parse_daemonset(input).unwrap().name, want);
        }
    }

    #[test]
    fn reports_what_is_wrong() {
        let two = format!(
            "{KURED}\n---\n{}",
            KURED.replace("name: kured\n  namespace", "name: other\n  namespace")
        );
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "empty"),
            ("a: [".into(), "YAML document 1"),
            (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n".into(),
                "is a Deployment (web), not a DaemonSet; give a DaemonSet, apiVersion apps/v1",
            ),
            (
                "kind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\nmetadata: {name: b}\n"
                    .into(),
                "only ConfigMap/a, Secret/b",
            ),
            (two, "2 DaemonSets (DaemonSet/kured, DaemonSet/other)"),
            ("- 1\n".into(), "document 1 is an array"),
            (
                KURED.replace("apps/v1", "extensions/v1beta1"),
                "apiVersion \"extensions/v1beta1\"",
            ),
            (
                KURED.replace("- --reboot-sentinel=/sentinel/gated-reboot-required", "- 5"),
                "spec.template.spec.containers[0].args has the wrong type",
            ),
            (
                KURED.replace("readOnly: true", "readOnly: yes-please"),
                "containers[0].volumeMounts[0].readOnly has the wrong type",
            ),
            (
                KURED.replace("value: \"x\"", "value: 5"),
                "containers[0].env[1].value has the wrong type",
            ),
            (
                KURED.replace("path: /sentinel", "path: [a]"),
                "volumes[0].hostPath.path has the wrong type",
            ),
            (
                KURED.replace(
                    "      containers:\n",
                    "      containers: []\n      unused:\n",
                ),
                "has no containers",
            ),
            (
                KURED.replace("  name: kured\n  namespace", "  namespace"),
                "metadata.name is missing",
            ),
            (
                KURED.replace(
                    "mountPath: /sentinel",
                    "mountPath: /sentinel\n              subPathExpr: $(POD)",
                ),
                "subPathExpr is set",
            ),
            (
                KURED.replace("  template:", "  template: 3\n  x:"),
                "spec.template has the wrong type",
            ),
        ];
        for (input, want) in cases {
            let err = parse_daemonset(&input).expect_err(want);
            assert!(err.to_string().contains(want), "want {want:?}, got: {err}");
        }
    }

    #[test]
    fn names_the_containers_that_exist() {
        let ds = parse_daemonset(KURED).unwrap();
        let err = ds.container("gate").unwrap_err();
        assert_eq!(
            err.to_string(),
            "DaemonSet kured has no container \"gate\"; its containers are \"kured\""
        );
    }
}
