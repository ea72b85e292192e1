//! Fixes as text the user can paste: a values entry for a chart install, a strategic-merge
//! patch of the DaemonSet for a manifest or a live object. A manifest never gets a Helm
//! key, a chart never a patch.
//!
//! A patch follows the merge keys of a pod template (containers, env and volumes by
//! `name`, volume mounts by `mountPath`). `args` has none, so a patch that changes one flag
//! carries the container's whole argument list, with that flag's earlier occurrences left
//! out and the new value last.

use serde_json::{Map, Value as Json, json};

use super::finding::{Fragment, FragmentTarget};
use crate::base::node_path as gopath;
use crate::chart::{SENTINEL_MOUNT_PATH, SENTINEL_VOLUME};
use crate::k8s::container::Container;

/// A values entry that sets the dotted `path` (`configuration.drainTimeout`) to `value`.
pub fn values(path: &str, value: Json) -> Fragment {
    let nested = path.rsplit('.').fold(value, |inner, key| {
        Json::Object(Map::from_iter([(key.to_string(), inner)]))
    });
    Fragment {
        target: FragmentTarget::Values,
        text: yaml(&nested),
    }
}

/// A values entry written as YAML already (the recommended sentinel values).
pub fn values_text(text: String) -> Fragment {
    Fragment {
        target: FragmentTarget::Values,
        text,
    }
}

/// A patch of `container` that sets kured's `--flag` to `value`: through its `KURED_*`
/// variable when that is where kured reads it from, through the args otherwise.
pub fn flag_patch(container: &Container, flag: &str, value: &str, via_env: bool) -> Fragment {
    let patched = if via_env {
        json!({"name": container.name, "env": [{"name": env_name(flag), "value": value}]})
    } else {
        let mut args = without_flags(&container.args, &[flag]);
        args.push(format!("--{flag}={value}"));
        json!({"name": container.name, "args": args})
    };
    patch(patched, None)
}

/// A patch of `container` that makes kured watch the node file `node_path`: for a kured
/// that checks inside its container (1.15 and newer), the node directory mounted read-only
/// at `/sentinel` and the file's name there; for an older one, the node path itself. Any
/// sentinel command goes, since a command wins over the file.
pub fn sentinel_patch(container: &Container, node_path: &str, in_container: bool) -> Fragment {
    let path = gopath::clean(node_path);
    let mut args = without_flags(
        &container.args,
        &["reboot-sentinel", "reboot-sentinel-command"],
    );
    let watched = if in_container {
        format!("{SENTINEL_MOUNT_PATH}/{}", gopath::base(&path))
    } else {
        path.clone()
    };
    args.push(format!("--reboot-sentinel={watched}"));
    let mut patched = json!({"name": container.name, "args": args});
    // A variable would override the flag (kured 1.16.2 and newer) or stand in for it.
    let env: Vec<Json> = container
        .env
        .iter()
        .filter(|e| {
            matches!(
                e.name.as_str(),
                "KURED_REBOOT_SENTINEL" | "KURED_REBOOT_SENTINEL_COMMAND"
            )
        })
        .map(|e| {
            let value = if e.name == "KURED_REBOOT_SENTINEL" {
                watched.as_str()
            } else {
                ""
            };
            json!({"name": e.name, "value": value})
        })
        .collect();
    if !env.is_empty() {
        patched["env"] = Json::Array(env);
    }
    let volumes = in_container.then(|| {
        patched["volumeMounts"] = json!([{
            "name": SENTINEL_VOLUME,
            "mountPath": SENTINEL_MOUNT_PATH,
            "readOnly": true,
        }]);
        json!([{
            "name": SENTINEL_VOLUME,
            "hostPath": {"path": gopath::dir(&path), "type": "Directory"},
        }])
    });
    patch(patched, volumes)
}

/// A patch of the gate's DaemonSet that makes the mount at `mount_path` of `container`
/// writable.
pub fn gate_writable_patch(container: &str, mount_path: &str) -> Fragment {
    let container = json!({
        "name": container,
        "volumeMounts": [{"mountPath": mount_path, "readOnly": false}],
    });
    Fragment {
        target: FragmentTarget::GateDaemonSetPatch,
        ..patch(container, None)
    }
}

/// `spec.template.spec` with one container and, when given, volumes.
fn patch(container: Json, volumes: Option<Json>) -> Fragment {
    let mut spec = json!({"containers": [container]});
    if let Some(volumes) = volumes {
        spec["volumes"] = volumes;
    }
    Fragment {
        target: FragmentTarget::DaemonSetPatch,
        text: yaml(&json!({"spec": {"template": {"spec": spec}}})),
    }
}

/// `args` without any occurrence of the flags (`--name=v`, `-name=v`, or `--name v`).
fn without_flags(args: &[String], flags: &[&str]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut skip_value = false;
    for arg in args {
        if std::mem::take(&mut skip_value) && !arg.starts_with('-') {
            continue;
        }
        let name = arg.trim_start_matches('-');
        let (name, has_value) = match name.split_once('=') {
            Some((name, _)) => (name, true),
            None => (name, false),
        };
        if arg.starts_with('-') && flags.contains(&name) {
            skip_value = !has_value;
            continue;
        }
        kept.push(arg.clone());
    }
    kept
}

/// kured's variable for `flag`: `drain-timeout` is `KURED_DRAIN_TIMEOUT`.
fn env_name(flag: &str) -> String {
    format!("KURED_{}", flag.replace('-', "_").to_ascii_uppercase())
}

fn yaml(value: &Json) -> String {
    // Serialising a JSON tree cannot fail; JSON itself is valid YAML should it ever.
    serde_yaml_ng::to_string(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kured(args: &[&str], env: &[(&str, Option<&str>)]) -> Container {
        Container::for_test("kured", &["/usr/bin/kured"], args, env)
    }

    #[test]
    fn a_values_entry_nests_the_dotted_path() {
        let fragment = values("configuration.drainTimeout", json!("30m"));
        assert_eq!(fragment.target, FragmentTarget::Values);
        assert_eq!(fragment.text, "configuration:\n  drainTimeout: 30m\n");
    }

    #[test]
    fn a_flag_patch_keeps_the_other_args_and_puts_the_flag_last() {
        let container = kured(
            &[
                "--drain-timeout=0",
                "--period",
                "1h",
                "--drain-timeout",
                "5m",
                "--ds-name=kured",
            ],
            &[],
        );
        let fragment = flag_patch(&container, "drain-timeout", "30m", false);
        assert_eq!(fragment.target, FragmentTarget::DaemonSetPatch);
        assert_eq!(
            fragment.text,
            "spec:\n  template:\n    spec:\n      containers:\n      - args:\n        - --period\n        - 1h\n        - --ds-name=kured\n        - --drain-timeout=30m\n        name: kured\n"
        );
        let via_env = flag_patch(&container, "drain-timeout", "30m", true);
        assert!(
            via_env
                .text
                .contains("env:\n        - name: KURED_DRAIN_TIMEOUT\n          value: 30m\n"),
            "{}",
            via_env.text
        );
    }

    #[test]
    fn a_sentinel_patch_mounts_the_node_directory_for_a_kured_that_checks_inside() {
        let container = kured(
            &[
                "--reboot-sentinel=/sentinel/gated-reboot-required",
                "--reboot-sentinel-command=test -f /x",
            ],
            &[("KURED_REBOOT_SENTINEL", Some("/y"))],
        );
        let new = sentinel_patch(&container, "/var/run/gated-reboot-required", true);
        let patch: Json = serde_yaml_ng::from_str(&new.text).unwrap();
        let spec = &patch["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"][0]["args"],
            json!(["--reboot-sentinel=/sentinel/gated-reboot-required"])
        );
        assert_eq!(
            spec["containers"][0]["env"],
            json!([{"name": "KURED_REBOOT_SENTINEL", "value": "/sentinel/gated-reboot-required"}])
        );
        assert_eq!(spec["volumes"][0]["hostPath"]["path"], "/var/run");
        assert_eq!(
            spec["containers"][0]["volumeMounts"][0]["mountPath"],
            "/sentinel"
        );

        let old = sentinel_patch(&container, "/var/run/gated-reboot-required", false);
        let patch: Json = serde_yaml_ng::from_str(&old.text).unwrap();
        let spec = &patch["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"][0]["args"],
            json!(["--reboot-sentinel=/var/run/gated-reboot-required"])
        );
        assert!(spec.get("volumes").is_none());
    }
}
