//! The fuzz targets' bodies, one function per target.
//!
//! They live in a library rather than in `fuzz_targets/` so that `tests/fuzz_corpus.rs` in
//! the main crate can include this file and replay the committed corpus on stable Rust,
//! through exactly the calls libFuzzer makes. Each function must never panic on any
//! input; the `assert!`s are invariants whose failure is a bug the fuzzer should report.
//!
//! Structured inputs are text with fields separated by NUL bytes, so seed files stay
//! readable and a mutation that drops or adds a separator still yields a valid input.

use chrono::{DateTime, Utc};
use kured_core::base::duration::GoDuration;
use kured_core::base::node_path::{HostPathAliases, base, clean, dir, is_abs, join, strip_parent};
use kured_core::base::text::Labels;
use kured_core::base::version::Version;
use kured_core::base::yaml::parse_documents;
use kured_core::chart::set::{self, SetAttribute, SetEntry, SetType, SetValue};
use kured_core::chart::{ChartRequest, render_kured};
use kured_core::k8s::container::{Container, EnvVar};
use kured_core::k8s::manifest::parse_daemonset;
use kured_core::k8s::mounts::{DeclaredMount, resolve_container_path, resolve_declared_mount};
use kured_core::kured::flags::{KuredFlags, ListValue};
use kured_core::kured::sentinel::effective_sentinel;
use kured_core::kured::settings::KuredSettings;
use kured_core::kured::window::{RebootWindow, TimeOfDay, parse_day, parse_days_flag, parse_zone};
use kured_core::pdb::{Inventory, LabelSelector, Options, coverage};
use kured_core::policy::resolve::{resolve_gate_path, resolve_kured_sentinel};
use kured_core::policy::{
    GateInput, GateSource, KuredInput, KuredSource, analyse_gate, analyse_kured, image_version,
};
use serde_json::{Value as Json, json};
use tfplugin::msgpack;
use tfplugin::types::Type;

/// The flags whose values the provider reads from kured's container.
const KURED_FLAGS: [&str; 9] = [
    "reboot-sentinel",
    "reboot-sentinel-command",
    "period",
    "drain-timeout",
    "lock-ttl",
    "start-time",
    "end-time",
    "time-zone",
    "ds-name",
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The NUL-separated fields of `data`; absent trailing fields read as empty.
fn fields<const N: usize>(data: &[u8]) -> [String; N] {
    let whole = text(data);
    let mut parts = whole.splitn(N, '\0');
    std::array::from_fn(|_| parts.next().unwrap_or_default().to_string())
}

fn lines(field: &str) -> Vec<String> {
    if field.is_empty() {
        Vec::new()
    } else {
        field.split('\n').map(str::to_string).collect()
    }
}

/// `chart version[ image tag]` NUL `values` NUL `values` ...: renders the chart and
/// analyses the rendered kured as the resource does.
pub fn chart_values(data: &[u8]) {
    let whole = text(data);
    let mut parts = whole.split('\0');
    let head = parts.next().unwrap_or_default();
    let (chart_version, image_tag) = match head.split_once(' ') {
        Some((version, tag)) => (version.to_string(), Some(tag.to_string())),
        None => (head.to_string(), None),
    };
    let values: Vec<String> = parts.map(str::to_string).collect();
    let request = ChartRequest {
        chart_version: chart_version.clone(),
        values: values.clone(),
        sets: Vec::new(),
        image_tag: image_tag.clone(),
        release_name: "kured".to_string(),
        namespace: "kube-system".to_string(),
    };
    if let Ok(rendered) = render_kured(&request) {
        let aliases = HostPathAliases::default();
        let _ = resolve_kured_sentinel(&rendered.template, "kured", rendered.app_version, &aliases);
    }
    let input = KuredInput {
        source: KuredSource::Chart {
            chart_version,
            values,
            sets: Vec::new(),
            image_tag,
        },
        container: "kured".to_string(),
    };
    let _ = analyse_kured(&input, &HostPathAliases::default());
}

/// `type` NUL `name` NUL `value` NUL values: one `set` entry (a `set_list` entry when the
/// type is `list`, its value split at newlines) applied after the values, on its own and
/// through the chart. An entry either applies or names itself and a part in its error;
/// what it writes on its own is a map; no error shows a value longer than 8 characters.
pub fn set_entry(data: &[u8]) {
    let [kind, name, value, values] = fields::<4>(data);
    let (attribute, value, kind) = match kind.as_str() {
        "list" => (
            SetAttribute::SetList,
            SetValue::List(lines(&value)),
            SetType::Auto,
        ),
        other => (
            SetAttribute::SetSensitive,
            SetValue::Text(value.clone()),
            SetType::parse(other).unwrap_or_default(),
        ),
    };
    let entry = SetEntry {
        attribute,
        index: 0,
        name,
        value,
        kind,
    };
    let mut tree = match parse_documents(&values)
        .ok()
        .and_then(|d| d.into_iter().next())
    {
        Some(Json::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Err(e) = set::apply(&mut tree, &entry) {
        let text = e.to_string();
        assert!(text.starts_with(&e.path()), "{text}");
        // Unless the name or the values document happen to hold the same text.
        if let SetValue::Text(secret) = &entry.value
            && secret.len() > 8
            && !entry.name.contains(secret.as_str())
            && !values.contains(secret.as_str())
        {
            assert!(
                !text.contains(secret.as_str()),
                "a sensitive value shows: {text}"
            );
        }
    }
    let _ = set::written(&entry);
    let request = ChartRequest {
        chart_version: "5.11.0".to_string(),
        values: vec![values],
        sets: vec![entry],
        release_name: "kured".to_string(),
        namespace: "kube-system".to_string(),
        ..ChartRequest::default()
    };
    let _ = render_kured(&request);
}

/// A DaemonSet manifest: read, then every container resolved as kured and as the gate.
pub fn daemonset_manifest(data: &[u8]) {
    let manifest = text(data);
    let aliases = HostPathAliases::default();
    if let Ok(daemonset) = parse_daemonset(&manifest) {
        let template = &daemonset.template;
        for container in &template.containers {
            let version = image_version(container.image.as_deref());
            let _ = effective_sentinel(container, version);
            let _ = resolve_kured_sentinel(template, &container.name, version, &aliases);
            for mount in &container.volume_mounts {
                let inside = format!("{}/gated-reboot-required", mount.mount_path);
                let _ = resolve_container_path(template, container, &inside);
                if let Ok(gate) = resolve_gate_path(template, &container.name, &inside, &aliases) {
                    assert_no_climb(&gate.node_path);
                }
            }
        }
    }
    let kured = KuredInput {
        source: KuredSource::Manifest {
            text: manifest.clone(),
        },
        container: "kured".to_string(),
    };
    let _ = analyse_kured(&kured, &aliases);
    let gate = GateInput {
        sentinel_path: "/host/var-run/gated-reboot-required".to_string(),
        source: GateSource::Manifest {
            text: manifest,
            container: None,
        },
    };
    let _ = analyse_gate(&gate, &aliases);
}

/// Manifests of pods, workloads and budgets: the inventory and its coverage report. The
/// streaming reader the data source uses must agree with parsing whole documents first.
pub fn pdb_inventory(data: &[u8]) {
    let input = text(data);
    let streamed = Inventory::from_manifest(&input);
    let whole = parse_documents(&input).map(Inventory::from_documents);
    let Ok(Ok(inventory)) = whole else {
        assert!(
            streamed.is_err(),
            "only the streaming reader accepts {input:?}"
        );
        return;
    };
    match &streamed {
        Ok(streamed) => assert_eq!(streamed, &inventory, "{input:?}"),
        Err(e) => panic!("only the whole-document reader accepts {input:?}; streaming says {e}"),
    }
    let everything = coverage(&inventory, &Options::default());
    assert_eq!(everything.budgets.len(), inventory.budgets.len());
    if let Some(budget) = inventory.budgets.first() {
        let options = Options {
            namespaces: Some(vec![budget.meta.namespace.to_string()]),
        };
        let _ = coverage(&inventory, &options);
    }
}

/// `app version` NUL `command lines` NUL `arg lines` NUL `env lines`: an env line
/// `NAME=value` is a plain variable, a bare `NAME` comes from `valueFrom`.
pub fn kured_flags(data: &[u8]) {
    let [version, command, args, env] = fields::<4>(data);
    let app_version = version.parse::<Version>().ok();
    let env: Vec<EnvVar> = lines(&env)
        .into_iter()
        .map(|line| match line.split_once('=') {
            Some((name, value)) => EnvVar {
                name: name.to_string(),
                value: Some(value.to_string()),
            },
            None => EnvVar {
                name: line,
                value: None,
            },
        })
        .collect();
    let container = Container {
        name: "kured".to_string(),
        image: Some(format!("ghcr.io/kubereboot/kured:{version}")),
        command: lines(&command),
        args: lines(&args),
        env,
        volume_mounts: Vec::new(),
    };
    if let Ok(flags) = KuredFlags::read(&container, app_version) {
        let mut steps = Vec::new();
        for flag in KURED_FLAGS {
            let _ = flags.is_given(flag);
            let _ = flags.value(flag, "", &mut steps);
        }
        if let ListValue::Known { values, .. } = flags.list("reboot-days", &mut steps) {
            for value in values {
                let _ = parse_days_flag(&value);
            }
        }
        let settings = KuredSettings::read(&flags, app_version);
        for error in settings.errors() {
            let _ = (error.to_string(), error.consequence());
        }
    }
    let _ = effective_sentinel(&container, app_version);

    // The same container as a manifest reaches the settings the policy reads.
    let env_json: Vec<Json> = container
        .env
        .iter()
        .map(|e| match &e.value {
            Some(value) => json!({"name": e.name, "value": value}),
            None => {
                json!({"name": e.name, "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}})
            }
        })
        .collect();
    let manifest = json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "kured"},
        "spec": {"template": {"spec": {"containers": [{
            "name": "kured",
            "image": container.image,
            "command": container.command,
            "args": container.args,
            "env": env_json,
        }]}}},
    });
    let input = KuredInput {
        source: KuredSource::Manifest {
            text: manifest.to_string(),
        },
        container: "kured".to_string(),
    };
    let _ = analyse_kured(&input, &HostPathAliases::default());
}

/// A Go duration; a parsed one prints back to the same value.
pub fn duration(data: &[u8]) {
    let input = text(data);
    if let Ok(parsed) = GoDuration::parse(&input) {
        let printed = parsed.to_string();
        let again = GoDuration::parse(&printed);
        assert_eq!(again.ok(), Some(parsed), "{input:?} printed as {printed:?}");
    }
}

/// `days flag` NUL `start` NUL `end` NUL `zone` NUL `unix seconds`.
pub fn window(data: &[u8]) {
    let [days_flag, start, end, zone, at] = fields::<5>(data);
    for field in [&days_flag, &start, &end, &zone] {
        let _ = parse_day(field);
        let _ = TimeOfDay::parse_kured(field);
        let _ = parse_zone(field);
    }
    let days = parse_days_flag(&days_flag).unwrap_or_default();
    let Ok(window) = RebootWindow::parse(&days, &start, &end, &zone) else {
        return;
    };
    let _ = window.summary();
    let _ = window.to_string();
    let _ = window.wraps_midnight();
    let longest = window.longest_opening();
    assert!(!longest.is_negative(), "{window}: {longest}");
    if window.is_always_open() {
        assert!(window.contains(DateTime::<Utc>::UNIX_EPOCH), "{window}");
    }
    let seconds = at.trim().parse::<i64>().unwrap_or(0);
    if let Some(at) = DateTime::<Utc>::from_timestamp(seconds, 0) {
        let _ = window.contains(at);
    }
}

/// A selector object as JSON; a valid one prints and matches without panicking, and
/// matches the labels it requires.
pub fn selector(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Json>(data) else {
        return;
    };
    let Ok(selector) = LabelSelector::from_json(&value) else {
        return;
    };
    let _ = selector.to_string();
    let _ = selector.validate();
    let _ = selector.matches(&Labels::default());
    if selector.match_expressions.is_empty() {
        let own: Labels = selector.match_labels.clone().into_iter().collect();
        assert!(selector.matches(&own), "{selector}");
    }
}

/// The first byte picks a schema type; the rest is decoded as msgpack of that type. A
/// decoded value encodes again and decodes to itself.
pub fn msgpack(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let types = schema_types();
    let ty = &types[usize::from(pick) % types.len()];
    let Ok(value) = msgpack::decode(bytes, ty) else {
        return;
    };
    let encoded = match msgpack::encode(&value, ty) {
        Ok(encoded) => encoded,
        Err(e) => panic!("decoded {value:?} as {ty:?} but cannot encode it: {e}"),
    };
    match msgpack::decode(&encoded, ty) {
        Ok(again) => assert_eq!(again, value, "{ty:?}"),
        Err(e) => panic!("re-encoded {value:?} as {ty:?} does not decode: {e}"),
    }
}

fn schema_types() -> [Type; 8] {
    [
        Type::String,
        Type::Number,
        Type::Dynamic,
        Type::list(Type::String),
        Type::set(Type::String),
        Type::map(Type::Number),
        Type::tuple(vec![Type::Bool, Type::Dynamic]),
        Type::object([
            ("sentinel_host_path", Type::String),
            ("values", Type::list(Type::String)),
            (
                "gate",
                Type::object([
                    ("host_path", Type::String),
                    ("read_only", Type::Bool),
                    ("aliases", Type::map(Type::String)),
                ]),
            ),
            ("extra", Type::Dynamic),
        ]),
    ]
}

/// `path` NUL `other path` NUL `mount path` NUL `sub path`: Go's path rules and the
/// resolution through a declared hostPath mount (whose hostPath is the first path).
pub fn node_path(data: &[u8]) {
    let [path, other, mount_path, sub_path] = fields::<4>(data);
    let cleaned = clean(&path);
    assert_eq!(clean(&cleaned), cleaned, "clean is idempotent on {path:?}");
    if is_abs(&path) {
        assert!(is_abs(&cleaned), "{path:?} cleans to {cleaned:?}");
        assert_no_climb(&cleaned);
    }
    let _ = (dir(&path), base(&path), join(&[&path, &other]));

    let aliases = HostPathAliases::default();
    let canonical = aliases.canonical(&path);
    assert_eq!(aliases.canonical(&canonical), canonical, "{path:?}");
    assert_eq!(
        aliases.same_file(&path, &other),
        aliases.same_file(&other, &path),
        "{path:?} vs {other:?}"
    );
    if let Ok(user) = HostPathAliases::with_defaults([(path.as_str(), other.as_str())]) {
        let canonical = user.canonical(&mount_path);
        assert_eq!(
            user.canonical(&canonical),
            canonical,
            "{path:?} -> {other:?}"
        );
    }

    let mount = DeclaredMount {
        host_path: path.clone(),
        mount_path: mount_path.clone(),
        sub_path: (!sub_path.is_empty()).then(|| sub_path.clone()),
        read_only: false,
    };
    for inside in [other.clone(), format!("{mount_path}/{other}")] {
        if let Ok(resolution) = resolve_declared_mount(&mount, &inside) {
            assert_no_climb(&resolution.node_path);
            assert!(
                strip_parent(&resolution.node_path, &cleaned).is_some(),
                "{inside:?} through {mount:?} resolves to {:?}, outside {cleaned:?}",
                resolution.node_path
            );
        }
    }
}

fn assert_no_climb(node_path: &str) {
    assert!(
        node_path.starts_with('/') && !node_path.split('/').any(|c| c == ".." || c == "."),
        "node path {node_path:?} is not a clean absolute path"
    );
}
