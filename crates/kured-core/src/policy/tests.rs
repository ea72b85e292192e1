use super::*;

fn chart(version: &str, values: &str) -> KuredInput {
    KuredInput {
        source: KuredSource::Chart {
            chart_version: version.to_string(),
            values: vec![values.to_string()],
            sets: Vec::new(),
            image_tag: None,
        },
        container: "kured".to_string(),
    }
}

fn gate_mount(sentinel: &str, host: &str, mount: &str, read_only: bool) -> GateInput {
    GateInput {
        sentinel_path: sentinel.to_string(),
        source: GateSource::Mount(DeclaredMount {
            host_path: host.to_string(),
            mount_path: mount.to_string(),
            sub_path: None,
            read_only,
        }),
    }
}

fn incident_gate() -> GateInput {
    gate_mount(
        "/host/var-run/gated-reboot-required",
        "/var/run",
        "/host/var-run",
        false,
    )
}

fn policy(declared: Option<&str>, blockers: &[&str]) -> PolicyInput {
    PolicyInput {
        sentinel_host_path: declared.map(str::to_string),
        upstream_sentinel_host_path: DEFAULT_UPSTREAM_SENTINEL.to_string(),
        known_drain_blockers: blockers.iter().map(|b| b.to_string()).collect(),
    }
}

fn evaluate(p: &PolicyInput, k: &KuredInput, g: &GateInput) -> PolicyReport {
    let aliases = HostPathAliases::default();
    let kured = analyse_kured(k, &aliases).expect("kured input reads");
    let gate = analyse_gate(g, &aliases).expect("gate input reads");
    check_policy(p, &kured, &gate, &aliases)
}

fn errors(report: &PolicyReport) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .collect()
}

fn kinds(findings: &[&Finding]) -> Vec<FindingKind> {
    findings.iter().map(|f| f.kind).collect()
}

fn chart_entries(version: &str, values: &[&str]) -> KuredInput {
    KuredInput {
        source: KuredSource::Chart {
            chart_version: version.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
            sets: Vec::new(),
            image_tag: None,
        },
        container: "kured".to_string(),
    }
}

const FIXED: &str =
    "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n";

#[test]
fn the_incident_fails_naming_both_node_paths_and_chains() {
    let report = evaluate(
        &policy(None, &[]),
        &chart(
            "5.11.0",
            "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n",
        ),
        &incident_gate(),
    );
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let e = errs[0];
    assert_eq!(e.kind, FindingKind::SentinelDivergence);
    // The one values entry sets rebootSentinel, so it is the argument at fault.
    assert_eq!(e.field, Field::Kured(KuredField::Values(Some(0))));
    // The summary names both node paths: that is the evidence, not the identity.
    assert!(
        e.summary.contains("/sentinel/gated-reboot-required")
            && e.summary.contains("/var/run/gated-reboot-required"),
        "{}",
        e.summary
    );
    assert_eq!(
        e.fix.as_ref().map(ToString::to_string).as_deref(),
        Some("set configuration.rebootSentinel to /var/run/gated-reboot-required")
    );
    assert!(e.detail.contains("kured's chain"), "{}", e.detail);
    assert!(e.detail.contains("hostPath /sentinel"), "{}", e.detail);
    assert!(e.detail.contains("The gate's chain"), "{}", e.detail);
}

#[test]
fn the_fix_passes_and_reports_window_drain_and_recommendation() {
    let report = evaluate(
        &policy(Some("/var/run/gated-reboot-required"), &[]),
        &chart("5.11.0", FIXED),
        &incident_gate(),
    );
    assert!(errors(&report).is_empty(), "{:#?}", report.findings);
    assert_eq!(report.drain_timeout.as_deref(), Some("30m0s"));
    assert_eq!(
        report.reboot_window.as_deref(),
        Some("every day 00:00:00-23:59:59 UTC")
    );
    let rec = report
        .recommended_values
        .expect("chart mode recommends values");
    assert!(rec.contains("/var/run/gated-reboot-required"), "{rec}");
}

#[test]
fn aliases_make_run_and_var_run_the_same_file() {
    let report = evaluate(
        &policy(Some("/run/gated-reboot-required"), &[]),
        &chart("5.11.0", FIXED),
        &gate_mount(
            "/host/run/gated-reboot-required",
            "/run",
            "/host/run",
            false,
        ),
    );
    assert!(errors(&report).is_empty(), "{:#?}", report.findings);
}

#[test]
fn the_ungated_default_is_refused() {
    // The chart's default sentinel is the ungated file itself.
    let report = evaluate(
        &policy(None, &[]),
        &chart("5.11.0", "configuration:\n  drainTimeout: 5m\n"),
        &incident_gate(),
    );
    let errs = errors(&report);
    assert_eq!(kinds(&errs), [FindingKind::GateBypassed], "{errs:#?}");
    // rebootSentinel is the chart's default: no entry set it, so the list is at fault.
    assert_eq!(errs[0].field, Field::Kured(KuredField::Values(None)));
}

#[test]
fn a_declared_path_is_checked_on_both_sides() {
    let report = evaluate(
        &policy(Some("/var/lib/gate/reboot"), &[]),
        &chart("5.11.0", FIXED),
        &incident_gate(),
    );
    let found: Vec<(FindingKind, Field)> =
        errors(&report).iter().map(|e| (e.kind, e.field)).collect();
    assert_eq!(
        found,
        [
            (
                FindingKind::KuredPathMismatch,
                Field::Kured(KuredField::Values(Some(0)))
            ),
            (
                FindingKind::GatePathMismatch,
                Field::Gate(GateField::SentinelPath)
            ),
        ]
    );
}

#[test]
fn a_read_only_gate_mount_is_refused() {
    let report = evaluate(
        &policy(None, &[]),
        &chart("5.11.0", FIXED),
        &gate_mount(
            "/host/var-run/gated-reboot-required",
            "/var/run",
            "/host/var-run",
            true,
        ),
    );
    let errs = errors(&report);
    assert_eq!(kinds(&errs), [FindingKind::GateReadOnly]);
    assert_eq!(errs[0].field, Field::Gate(GateField::ReadOnly));
}

#[test]
fn an_empty_sentinel_with_the_mount_on_is_refused() {
    let report = evaluate(
        &policy(None, &[]),
        &chart(
            "5.11.0",
            "configuration:\n  rebootSentinel: \"\"\n  drainTimeout: 5m\n",
        ),
        &incident_gate(),
    );
    let errs = errors(&report);
    assert!(
        kinds(&errs).contains(&FindingKind::HostPathNotAbsolute),
        "{errs:#?}"
    );
}

#[test]
fn invalid_windows_and_durations_are_refused_on_their_flag() {
    use crate::kured::settings::Flag;
    let cases = [
        (
            "configuration:\n  rebootSentinel: /var/run/g\n  startTime: \"25:00\"\n  drainTimeout: 5m\n",
            FindingKind::WindowInvalid,
            Flag::StartTime,
        ),
        (
            "configuration:\n  rebootSentinel: /var/run/g\n  timeZone: Mars/Olympus\n  drainTimeout: 5m\n",
            FindingKind::WindowInvalid,
            Flag::TimeZone,
        ),
        (
            "configuration:\n  rebootSentinel: /var/run/g\n  drainTimeout: 30 minutes\n",
            FindingKind::FlagInvalid,
            Flag::DrainTimeout,
        ),
        (
            "configuration:\n  rebootSentinel: /var/run/g\n  drainTimeout: 5m\n  period: 1x\n",
            FindingKind::FlagInvalid,
            Flag::Period,
        ),
    ];
    for (values, kind, flag) in cases {
        let report = evaluate(
            &policy(None, &[]),
            &chart("5.11.0", values),
            &gate_mount("/host/var-run/g", "/var/run", "/host/var-run", false),
        );
        let found: Vec<(FindingKind, Option<Flag>)> =
            errors(&report).iter().map(|e| (e.kind, e.flag)).collect();
        assert_eq!(found, [(kind, Some(flag))], "{values}");
    }
}

#[test]
fn a_flag_finding_lands_on_the_values_entry_that_set_it() {
    use crate::kured::settings::Flag;
    let report = evaluate(
        &policy(None, &[]),
        &chart_entries(
            "5.11.0",
            &[
                "configuration:\n  rebootSentinel: /var/run/g\n  drainTimeout: 5m\n",
                "configuration:\n  rebootDays: [mo, funday]\n",
                "configuration:\n  endTime: \"25:00\"\n  concurrency: many\n",
            ],
        ),
        &gate_mount("/host/var-run/g", "/var/run", "/host/var-run", false),
    );
    let found: Vec<(FindingKind, Option<Flag>, Field)> = errors(&report)
        .iter()
        .map(|e| (e.kind, e.flag, e.field))
        .collect();
    assert_eq!(
        found,
        [
            (
                FindingKind::WindowInvalid,
                Some(Flag::RebootDays),
                Field::Kured(KuredField::Values(Some(1)))
            ),
            (
                FindingKind::WindowInvalid,
                Some(Flag::EndTime),
                Field::Kured(KuredField::Values(Some(2)))
            ),
            (
                FindingKind::FlagInvalid,
                Some(Flag::Concurrency),
                Field::Kured(KuredField::Values(Some(2)))
            ),
        ]
    );
    let fixes: Vec<String> = errors(&report)
        .iter()
        .filter_map(|e| e.fix.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(
        fixes,
        [
            "set configuration.rebootDays to a list of days such as [mo, tu, we, th, fr]",
            "set configuration.endTime to a time of day such as 05:00",
            "set configuration.concurrency to 1",
        ]
    );
}

#[test]
fn a_window_with_no_day_never_opens() {
    let report = evaluate(
        &policy(None, &[]),
        &KuredInput {
            source: KuredSource::Chart {
                chart_version: "5.11.0".into(),
                values: vec![
                    "configuration:\n  rebootSentinel: /var/run/g\n  drainTimeout: 5m\n".into(),
                ],
                sets: Vec::new(),
                image_tag: None,
            },
            container: "kured".into(),
        },
        &gate_mount("/host/var-run/g", "/var/run", "/host/var-run", false),
    );
    assert!(errors(&report).is_empty(), "{:#?}", report.findings);
    let manifest = daemonset(
        "ghcr.io/kubereboot/kured:1.21.0",
        &[
            "--reboot-sentinel=/var/run/g",
            "--reboot-days=",
            "--drain-timeout=5m",
        ],
        "/var/run",
        "/var/run",
    );
    let report = evaluate(
        &policy(None, &[]),
        &KuredInput {
            source: KuredSource::Manifest { text: manifest },
            container: "kured".into(),
        },
        &gate_mount("/host/var-run/g", "/var/run", "/host/var-run", false),
    );
    assert_eq!(
        kinds(&errors(&report)),
        [FindingKind::WindowNeverOpens],
        "{:#?}",
        report.findings
    );
}

#[test]
fn an_unbounded_drain_is_a_warning_alone_and_known_blockers_an_error_whatever_the_timeout() {
    let unbounded = "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n";
    let alone = evaluate(
        &policy(None, &[]),
        &chart("5.11.0", unbounded),
        &incident_gate(),
    );
    assert!(errors(&alone).is_empty(), "{:#?}", alone.findings);
    let warnings: Vec<FindingKind> = alone.findings.iter().map(|f| f.kind).collect();
    assert_eq!(warnings, [FindingKind::DrainTimeoutUnbounded]);
    assert_eq!(alone.drain_timeout.as_deref(), Some("0s"));

    let cases = [
        (unbounded, Some(FindingKind::DrainHangs)),
        (FIXED, Some(FindingKind::BlockedNodesNeverReboot)),
        (
            "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  drainTimeout: 30m\n  forceReboot: true\n",
            None,
        ),
        (
            "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n  forceReboot: true\n",
            Some(FindingKind::DrainHangs),
        ),
    ];
    for (values, error) in cases {
        let blocked = evaluate(
            &policy(None, &["apps/web", "apps/api"]),
            &chart("5.11.0", values),
            &incident_gate(),
        );
        let errs = errors(&blocked);
        assert_eq!(kinds(&errs), Vec::from_iter(error), "{values}");
        assert!(errs.iter().all(|e| e.field == Field::KnownDrainBlockers));
    }
}

#[test]
fn unreadable_input_is_an_error_on_the_right_argument() {
    let aliases = HostPathAliases::default();
    let cases = [
        (chart("3.9.0", ""), Field::Kured(KuredField::ChartVersion)),
        (chart("five", ""), Field::Kured(KuredField::ChartVersion)),
        (
            KuredInput {
                source: KuredSource::Chart {
                    chart_version: "5.11.0".into(),
                    values: vec!["a: 1\n".into(), "configuration: [unclosed\n".into()],
                    sets: Vec::new(),
                    image_tag: None,
                },
                container: "kured".into(),
            },
            Field::Kured(KuredField::Values(Some(1))),
        ),
        (
            KuredInput {
                source: KuredSource::Manifest {
                    text: "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: x}\n".into(),
                },
                container: "kured".into(),
            },
            Field::Kured(KuredField::Manifest),
        ),
        (
            KuredInput {
                source: KuredSource::Manifest {
                    text: daemonset("kured:1.21.0", &[], "/var/run", "/var/run"),
                },
                container: "other".into(),
            },
            Field::Kured(KuredField::Container),
        ),
    ];
    for (input, field) in cases {
        let err = analyse_kured(&input, &aliases).expect_err("input must be refused");
        assert_eq!(err.field, field, "{err:#?}");
        assert_eq!(err.severity(), Severity::Error);
    }
}

fn daemonset(image: &str, args: &[&str], host: &str, mount: &str) -> String {
    serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "kured", "namespace": "kube-system"},
        "spec": {"template": {"spec": {
            "containers": [{
                "name": "kured",
                "image": image,
                "args": args,
                "volumeMounts": [{"name": "sentinel", "mountPath": mount, "readOnly": true}]
            }],
            "volumes": [{"name": "sentinel", "hostPath": {"path": host, "type": "Directory"}}]
        }}}
    })
    .to_string()
}

#[test]
fn manifests_read_the_version_from_the_image() {
    let aliases = HostPathAliases::default();
    let text = daemonset(
        "ghcr.io/kubereboot/kured:1.14.2",
        &["--reboot-sentinel=/var/run/g"],
        "/x",
        "/x",
    );
    let kured = analyse_kured(
        &KuredInput {
            source: KuredSource::Manifest { text },
            container: "kured".into(),
        },
        &aliases,
    )
    .unwrap();
    assert_eq!(kured.app_version, Some(Version::new(1, 14, 2)));
    // kured 1.14 tests the path in the node's namespace: no mount needed.
    assert!(
        matches!(&kured.outcome, KuredOutcome::NodeFile { node_path, .. } if node_path == "/var/run/g")
    );

    let text = daemonset(
        "kured@sha256:abc",
        &["--reboot-sentinel=/var/run/g"],
        "/var/run",
        "/var/run",
    );
    let kured = analyse_kured(
        &KuredInput {
            source: KuredSource::Manifest { text },
            container: "kured".into(),
        },
        &aliases,
    )
    .unwrap();
    assert_eq!(kured.app_version, None);
    let warnings: Vec<FindingKind> = kured.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(warnings, [FindingKind::KuredVersionUnknown]);
}

#[test]
fn command_mode_is_a_warning() {
    let report = evaluate(
        &policy(None, &[]),
        &chart(
            "5.11.0",
            "configuration:\n  useRebootSentinelHostPath: false\n  rebootSentinelCommand: test -f /x\n  drainTimeout: 5m\n",
        ),
        &incident_gate(),
    );
    assert!(errors(&report).is_empty(), "{:#?}", report.findings);
    let warnings: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(warnings, [FindingKind::SentinelCommand]);
}

#[test]
fn image_versions() {
    let cases = [
        (
            Some("ghcr.io/kubereboot/kured:1.21.0"),
            Some(Version::new(1, 21, 0)),
        ),
        (
            Some("localhost:5000/kured:1.16.2@sha256:00"),
            Some(Version::new(1, 16, 2)),
        ),
        (Some("localhost:5000/kured"), None),
        (Some("kured:latest"), None),
        (None, None),
    ];
    for (image, want) in cases {
        assert_eq!(image_version(image), want, "{image:?}");
    }
}

fn with_sets(version: &str, values: &[&str], sets: &[(&str, &str)]) -> KuredInput {
    use crate::chart::set::{SetAttribute, SetType, SetValue};
    let mut input = chart_entries(version, values);
    if let KuredSource::Chart { sets: entries, .. } = &mut input.source {
        *entries = sets
            .iter()
            .enumerate()
            .map(|(index, (name, value))| SetEntry {
                attribute: SetAttribute::Set,
                index,
                name: name.to_string(),
                value: SetValue::Text(value.to_string()),
                kind: SetType::Auto,
            })
            .collect();
    }
    input
}

#[test]
fn set_entries_give_the_answers_of_the_same_values_document() {
    use crate::chart::set::SetAttribute;
    // One chart version per sentinel band: no sentinel mount, the 4.x-5.3.x arg, 5.4.0's
    // top-level switch, and the configuration switch from 5.4.1 on.
    for version in ["4.0.0", "5.3.2", "5.4.0", "5.11.0"] {
        let from_values = evaluate(
            &policy(None, &[]),
            &chart(
                version,
                "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n  drainTimeout: 0\n",
            ),
            &incident_gate(),
        );
        let from_sets = evaluate(
            &policy(None, &[]),
            &with_sets(
                version,
                &[],
                &[
                    (
                        "configuration.rebootSentinel",
                        "/sentinel/gated-reboot-required",
                    ),
                    ("configuration.drainTimeout", "0"),
                ],
            ),
            &incident_gate(),
        );
        let outline = |r: &PolicyReport| -> Vec<(FindingKind, String, String)> {
            r.findings
                .iter()
                .map(|f| (f.kind, f.summary.clone(), f.detail.clone()))
                .collect()
        };
        assert_eq!(
            outline(&from_sets),
            outline(&from_values),
            "chart {version}"
        );
        assert!(!from_sets.findings.is_empty(), "chart {version}");
        assert_eq!(from_sets.drain_timeout, from_values.drain_timeout);
        assert_eq!(from_sets.recommended_values, from_values.recommended_values);
        // Findings about a setting land on the entry that wrote it.
        for f in &from_sets.findings {
            if f.kind == FindingKind::DrainTimeoutUnbounded {
                assert_eq!(
                    f.field,
                    Field::Kured(KuredField::Set {
                        attribute: SetAttribute::Set,
                        index: 1,
                        part: crate::chart::set::SetPart::Value
                    }),
                    "chart {version}"
                );
            }
        }
    }
}

#[test]
fn a_set_entry_after_the_documents_wins_and_is_at_fault() {
    use crate::chart::set::{SetAttribute, SetPart};
    let report = evaluate(
        &policy(None, &[]),
        &with_sets(
            "5.11.0",
            &[FIXED],
            &[("configuration.rebootSentinel", "/sentinel/x")],
        ),
        &incident_gate(),
    );
    let errs = errors(&report);
    assert_eq!(kinds(&errs), [FindingKind::SentinelDivergence]);
    assert_eq!(
        errs[0].field,
        Field::Kured(KuredField::Set {
            attribute: SetAttribute::Set,
            index: 0,
            part: SetPart::Value
        })
    );
}

#[test]
fn a_set_entry_helm_refuses_is_an_error_on_its_name() {
    use crate::chart::set::{SetAttribute, SetPart};
    let err = analyse_kured(
        &with_sets(
            "5.11.0",
            &["configuration: x\n"],
            &[("configuration.period", "1h")],
        ),
        &HostPathAliases::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, FindingKind::ChartValuesInvalid);
    assert_eq!(
        err.field,
        Field::Kured(KuredField::Set {
            attribute: SetAttribute::Set,
            index: 0,
            part: SetPart::Name
        })
    );
    assert!(err.detail.starts_with("set[0].name: "), "{}", err.detail);
}

#[test]
fn ungated_nodes_are_an_error_unless_allowed() {
    let nodes = vec!["node-2".to_string(), "node-3".to_string()];
    let strict = nodes_without_gate_finding(&nodes, false).expect("a finding");
    assert_eq!(
        (strict.kind, strict.severity()),
        (FindingKind::NodesWithoutGate, Severity::Error)
    );
    assert!(
        strict.summary.ends_with("(node-2, node-3)"),
        "{}",
        strict.summary
    );
    let allowed = nodes_without_gate_finding(&nodes, true).expect("a finding");
    assert_eq!(
        (allowed.kind, allowed.severity()),
        (FindingKind::NodesWithoutGate, Severity::Warning)
    );
    assert_eq!(nodes_without_gate_finding(&[], false), None);
}

#[test]
fn a_manifest_host_path_fix_names_the_volume_not_a_chart_key() {
    let manifest = KuredInput {
        source: KuredSource::Manifest {
            text: r#"{"kind": "DaemonSet", "metadata": {"name": "kured"}, "spec": {"template": {"spec": {
                "containers": [{"name": "kured", "image": "ghcr.io/kubereboot/kured:1.21.0",
                    "args": ["--reboot-sentinel=/sentinel/gated-reboot-required", "--drain-timeout=5m"],
                    "volumeMounts": [{"name": "sentinel", "mountPath": "/sentinel"}]}],
                "volumes": [{"name": "sentinel", "hostPath": {"path": "var/run"}}]}}}}"#
                .to_string(),
        },
        container: "kured".to_string(),
    };
    let report = evaluate(&policy(None, &[]), &manifest, &incident_gate());
    let host_path = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::HostPathNotAbsolute)
        .expect("a host-path-not-absolute finding");
    let fix = host_path
        .fix
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        fix.starts_with("set hostPath.path of volume \"sentinel\" to"),
        "{fix}"
    );
    assert!(
        !host_path.detail.contains("configuration."),
        "{}",
        host_path.detail
    );
}
