//! The parts of a pod that decide where a file lives: containers with their args, env and
//! mounts, and the pod's volumes. Both the chart renderer and the manifest reader produce
//! this model; path resolution and sentinel detection consume it.

/// A pod template reduced to what sentinel resolution needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodTemplate {
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
}

/// One container of a pod template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    /// The full image reference, e.g. `ghcr.io/kubereboot/kured:1.21.0`.
    pub image: Option<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub volume_mounts: Vec<VolumeMount>,
}

/// A container environment variable. `value` is `None` when it comes from `valueFrom`,
/// which cannot be known without the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

/// A container's volume mount.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
}

/// A pod volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub source: VolumeSource,
}

/// Where a volume's files come from. Only `HostPath` reaches node files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeSource {
    HostPath {
        path: String,
        /// The hostPath `type` (`Directory`, `DirectoryOrCreate`, ...), when given.
        kind: Option<String>,
    },
    EmptyDir,
    ConfigMap,
    Secret,
    Projected,
    /// Any other source, by its field name (`persistentVolumeClaim`, `nfs`, ...).
    Other(String),
}

impl VolumeSource {
    /// The field name Kubernetes uses for this source, for messages.
    pub fn field_name(&self) -> &str {
        match self {
            VolumeSource::HostPath { .. } => "hostPath",
            VolumeSource::EmptyDir => "emptyDir",
            VolumeSource::ConfigMap => "configMap",
            VolumeSource::Secret => "secret",
            VolumeSource::Projected => "projected",
            VolumeSource::Other(name) => name,
        }
    }
}

impl PodTemplate {
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }

    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.volumes.iter().find(|v| v.name == name)
    }
}

#[cfg(test)]
impl Container {
    /// A container with no image and no mounts, for tests of flag and env handling;
    /// `None` as an env value stands for `valueFrom`.
    pub(crate) fn for_test(
        name: &str,
        command: &[&str],
        args: &[&str],
        env: &[(&str, Option<&str>)],
    ) -> Self {
        Container {
            name: name.into(),
            image: None,
            command: command.iter().map(|s| s.to_string()).collect(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(n, v)| EnvVar {
                    name: n.to_string(),
                    value: v.map(Into::into),
                })
                .collect(),
            volume_mounts: vec![],
        }
    }
}
