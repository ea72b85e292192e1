//! The cluster reads against the fake API server.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_apiserver;
use support::fake_apiserver::{FakeApiServer, Fault, When, count_by_path, write_kubeconfig};
use support::pods::realistic_pod;
use tempfile::TempDir;
use terraform_provider_kured::cluster::{
    ByteSize, Cluster, ClusterError, ClusterSettings, DEFAULT_MAX_RESPONSE_SIZE, KubeEnvironment,
    ListKind, PAGE_SIZE,
};

/// Short, so that the fault tests finish fast; the fake answers in
/// microseconds otherwise.
const TIMEOUT: Duration = Duration::from_millis(700);

/// Slack allowed past [`TIMEOUT`] for a failing request to come back. Generous, so that a
/// loaded machine does not fail the test: the faults it guards against delay answers by
/// 30 seconds or forever, far beyond it.
const MARGIN: Duration = Duration::from_secs(10);

fn pod(ns: &str, name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"namespace": ns, "name": name, "labels": labels},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox"}]}
    })
}

fn kured_daemonset() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"namespace": "kube-system", "name": "kured", "labels": {"app": "kured"}},
        "spec": {
            "selector": {"matchLabels": {"app": "kured"}},
            "template": {
                "metadata": {"labels": {"app": "kured"}},
                "spec": {"containers": [{
                    "name": "kured",
                    "image": "ghcr.io/kubereboot/kured:1.21.0",
                    "args": ["--reboot-sentinel=/sentinel/gated-reboot-required"]
                }]}
            }
        }
    })
}

fn fixtures() -> Vec<Value> {
    vec![
        kured_daemonset(),
        pod(
            "kube-system",
            "kured-abc",
            json!({"app": "kured", "tier": "node"}),
        ),
        pod("kube-system", "coredns-1", json!({"app": "coredns"})),
        pod("db", "pg-0", json!({"app": "pg", "role": "primary"})),
        pod("db", "pg-1", json!({"app": "pg", "role": "replica"})),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "labels": {"role": "worker"}}}),
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"namespace": "db", "name": "pg"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "pg"}}}
        }),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "web", "name": "front"}, "spec": {"replicas": 1}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"namespace": "db", "name": "pg"}, "spec": {"replicas": 2}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"namespace": "web", "name": "front-5d9"}}),
        json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"namespace": "old", "name": "rc"}}),
    ]
}

/// A cluster reading `server` through a kubeconfig in `dir`, with no
/// KUBECONFIG, home or in-cluster fallback to find by accident.
fn cluster_for(dir: &Path, server_url: &str) -> Cluster {
    let path = write_kubeconfig(dir, server_url, "fake");
    Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            context: None,
            request_timeout: TIMEOUT,
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    )
}

fn assert_only_gets(server: &FakeApiServer) {
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in requests {
        assert_eq!(request.method, "GET", "unexpected request {request:?}");
    }
}

#[tokio::test]
async fn building_a_client_does_not_panic_for_the_crypto_provider() {
    let dir = TempDir::new().expect("temp dir");
    // https forces the TLS connector to be built with a crypto provider.
    let path = write_kubeconfig(dir.path(), "https://127.0.0.1:1", "tls");
    let cluster = Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    );
    cluster.connect().await.expect("client builds");
    assert_eq!(cluster.server_url(), Some("https://127.0.0.1:1/"));
}

#[tokio::test]
async fn lists_page_by_page_with_limit_and_continue() {
    let pods: Vec<Value> = (0..1234)
        .map(|i| pod("load", &format!("p-{i:04}"), json!({"app": "load"})))
        .collect();
    let server = FakeApiServer::start(pods);
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let items = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect("list pods");

    assert_eq!(items.len(), 1234);
    assert_eq!(items[0]["kind"], "Pod");
    assert_eq!(items[0]["apiVersion"], "v1");
    assert_eq!(items[1233]["metadata"]["name"], "p-1233");
    let requests = server.requests_to("/api/v1/pods");
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(count_by_path(&server.requests()).len(), 1);
    for request in &requests {
        assert_eq!(request.param("limit"), Some(PAGE_SIZE.to_string()));
        assert_eq!(request.authorization.as_deref(), Some("Bearer fake-token"));
    }
    assert_eq!(requests[0].param("continue"), None);
    assert!(requests[1].param("continue").is_some());
    assert_only_gets(&server);
}

#[tokio::test]
async fn follows_short_pages_from_the_server() {
    let server = FakeApiServer::start(fixtures());
    server.set_page_size(Some(1));
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let items = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect("list pods");

    let names: Vec<_> = fake_apiserver::names(&items);
    assert_eq!(names.len(), 4);
    assert_eq!(names[0], ("db".to_owned(), "pg-0".to_owned()));
    assert_eq!(server.requests_to("/api/v1/pods").len(), 4);
}

#[tokio::test]
async fn gets_a_namespaced_daemonset() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let ds = cluster
        .daemonset_json("kube-system", "kured")
        .await
        .expect("get daemonset");

    assert_eq!(ds["kind"], "DaemonSet");
    assert_eq!(
        ds["spec"]["template"]["spec"]["containers"][0]["args"][0],
        "--reboot-sentinel=/sentinel/gated-reboot-required"
    );
    let paths: Vec<_> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/apis/apps/v1/namespaces/kube-system/daemonsets/kured"]
    );
}

#[tokio::test]
async fn a_missing_daemonset_is_named() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = cluster
        .daemonset_json("kured", "kured")
        .await
        .expect_err("no such daemonset");

    assert!(matches!(err, ClusterError::NotFound { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("DaemonSet \"kured\" not found in namespace \"kured\""),
        "{text}"
    );
}

#[tokio::test]
async fn label_selectors_and_namespaces_filter_lists() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let kured = cluster
        .list_json(ListKind::Pods, None, Some("app=kured"))
        .await
        .expect("list kured pods");
    assert_eq!(
        fake_apiserver::names(&kured),
        [("kube-system".to_owned(), "kured-abc".to_owned())]
    );

    let replicas = cluster
        .list_json(ListKind::Pods, Some("db"), Some("app=pg,role!=primary"))
        .await
        .expect("list pg replicas");
    assert_eq!(
        fake_apiserver::names(&replicas),
        [("db".to_owned(), "pg-1".to_owned())]
    );

    let in_kube_system = cluster
        .list_json(ListKind::Pods, Some("kube-system"), None)
        .await
        .expect("list kube-system pods");
    assert_eq!(in_kube_system.len(), 2);

    let selector_sent = server
        .requests_to("/api/v1/namespaces/db/pods")
        .first()
        .and_then(|r| r.param("labelSelector"));
    assert_eq!(selector_sent.as_deref(), Some("app=pg,role!=primary"));
}

#[tokio::test]
async fn every_kind_lists_with_its_type_filled_in() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    for kind in ListKind::ALL {
        let items = cluster
            .list_json(kind, None, None)
            .await
            .unwrap_or_else(|e| panic!("list {kind}: {e}"));
        assert!(!items.is_empty(), "no {kind}");
        for item in items {
            assert_eq!(item["kind"], kind.kind());
            assert_eq!(item["apiVersion"], kind.api_version());
        }
    }
    // Nodes have no namespace: asking for one still lists them all.
    let nodes = cluster
        .list_json(ListKind::Nodes, Some("db"), None)
        .await
        .expect("list nodes");
    assert_eq!(nodes.len(), 1);
    assert_only_gets(&server);
}

/// Runs `read` and checks that it failed within the timeout and margin.
async fn timed<T: std::fmt::Debug>(
    read: impl std::future::Future<Output = Result<T, ClusterError>>,
) -> ClusterError {
    let start = Instant::now();
    let err = read.await.expect_err("the read must fail");
    let took = start.elapsed();
    assert!(took < TIMEOUT + MARGIN, "took {took:?} to report {err}");
    err
}

#[tokio::test]
async fn forbidden_names_verb_resource_scope_and_the_role() {
    let server = FakeApiServer::start(fixtures());
    server.fault(
        "/api/v1/pods",
        Fault::forbidden(
            "system:serviceaccount:ci:terraform",
            "list",
            "pods",
            "",
            None,
        ),
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.list_json(ListKind::Pods, None, None)).await;

    let ClusterError::Forbidden {
        verb,
        resource,
        scope,
        ..
    } = &err
    else {
        panic!("expected Forbidden, got {err:?}");
    };
    assert_eq!((*verb, resource.as_str()), ("list", "pods"));
    assert_eq!(scope, "at the cluster scope");
    let text = err.to_string();
    assert!(text.contains("cannot list resource \"pods\""), "{text}");
    assert!(text.contains("README"), "{text}");
}

#[tokio::test]
async fn forbidden_in_a_namespace_names_it() {
    let server = FakeApiServer::start(fixtures());
    server.fault(
        "/apis/apps/v1/namespaces/kube-system/daemonsets",
        Fault::forbidden("ci", "get", "daemonsets", "apps", Some("kube-system")),
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.daemonset_json("kube-system", "kured")).await;

    let text = err.to_string();
    assert!(matches!(err, ClusterError::Forbidden { .. }), "{err:?}");
    assert!(
        text.contains("may not get daemonsets.apps in namespace \"kube-system\""),
        "{text}"
    );
}

#[tokio::test]
async fn unauthorized_says_to_renew_credentials() {
    let server = FakeApiServer::start(fixtures());
    server.fault("/", Fault::unauthorized());
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.list_json(ListKind::Nodes, None, None)).await;

    assert!(matches!(err, ClusterError::Unauthorized { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("401") && text.contains("renew"), "{text}");
    assert!(text.contains("kubeconfig"), "{text}");
}

#[tokio::test]
async fn server_errors_carry_status_and_message() {
    let server = FakeApiServer::start(fixtures());
    server.fault(
        "/apis/policy",
        Fault::internal("etcdserver: leader changed"),
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.list_json(ListKind::PodDisruptionBudgets, None, None)).await;

    let ClusterError::Server {
        status, message, ..
    } = &err
    else {
        panic!("expected Server, got {err:?}");
    };
    assert_eq!(*status, 500);
    assert!(message.contains("leader changed"));
    assert_eq!(
        server
            .requests_to("/apis/policy/v1/poddisruptionbudgets")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_slow_server_times_out_instead_of_hanging() {
    let server = FakeApiServer::start(fixtures());
    server.fault("/api/v1/pods", Fault::Delay(Duration::from_secs(30)));
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.list_json(ListKind::Pods, None, None)).await;

    assert!(matches!(err, ClusterError::Timeout { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("700ms") && text.contains("request_timeout"),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = FakeApiServer::start(fixtures());
    server.fault("/apis/apps", Fault::Hang);
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.daemonset_json("kube-system", "kured")).await;

    assert!(matches!(err, ClusterError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_dropped_connection_is_reported_as_unreachable() {
    let server = FakeApiServer::start(fixtures());
    server.fault("/api/v1/nodes", Fault::Close);
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = timed(cluster.list_json(ListKind::Nodes, None, None)).await;

    assert!(matches!(err, ClusterError::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable_and_named() {
    let url = FakeApiServer::closed_port();
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &url);

    let err = timed(cluster.list_json(ListKind::Pods, None, None)).await;

    assert!(matches!(err, ClusterError::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&url), "{text}");
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let https = server.url().replacen("http://", "https://", 1);
    let cluster = cluster_for(dir.path(), &https);

    let err = timed(cluster.list_json(ListKind::Pods, None, None)).await;

    assert!(matches!(err, ClusterError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("https vs http"), "{err}");
}

#[tokio::test]
async fn an_unknown_context_lists_the_known_ones() {
    let dir = TempDir::new().expect("temp dir");
    let path = write_kubeconfig(dir.path(), "http://127.0.0.1:1", "staging");
    let cluster = Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            context: Some("prod".to_owned()),
            request_timeout: TIMEOUT,
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    );

    let err = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect_err("unknown context");

    let ClusterError::UnknownContext {
        context, available, ..
    } = &err
    else {
        panic!("expected UnknownContext, got {err:?}");
    };
    assert_eq!(context, "prod");
    assert_eq!(available, &["staging".to_owned()]);
}

#[tokio::test]
async fn a_kubeconfig_that_is_not_yaml_is_invalid() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, "clusters: [unclosed").expect("write");
    let cluster = Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    );

    let err = cluster.connect().await.expect_err("invalid kubeconfig");

    assert!(
        matches!(err, ClusterError::InvalidKubeconfig { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn no_kubeconfig_anywhere_lists_where_it_looked() {
    let empty = TempDir::new().expect("temp dir");
    let missing = empty.path().join("nope");
    let env = KubeEnvironment {
        kubeconfig: None,
        home: Some(empty.path().to_path_buf()),
        in_cluster: false,
        ..KubeEnvironment::default()
    };
    let cluster = Cluster::with_environment(ClusterSettings::default(), env);

    let err = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect_err("nothing to find");

    let ClusterError::NoKubeconfig { searched } = &err else {
        panic!("expected NoKubeconfig, got {err:?}");
    };
    assert!(searched[0].contains(".kube/config"), "{searched:?}");
    assert!(searched[1].contains("in-cluster"), "{searched:?}");

    // A KUBECONFIG naming only missing files is looked at instead of ~/.kube/config.
    let env = KubeEnvironment {
        kubeconfig: Some(format!("{}:{}", missing.display(), missing.display()).into()),
        home: Some(empty.path().to_path_buf()),
        in_cluster: false,
        ..KubeEnvironment::default()
    };
    let cluster = Cluster::with_environment(ClusterSettings::default(), env);
    let err = cluster.connect().await.expect_err("nothing to find");
    let text = err.to_string();
    assert!(text.contains("KUBECONFIG="), "{text}");
    assert!(!text.contains(".kube/config"), "{text}");
}

#[tokio::test]
async fn kubeconfig_env_with_several_paths_is_merged() {
    let server = FakeApiServer::start(fixtures());
    let first = TempDir::new().expect("temp dir");
    let second = TempDir::new().expect("temp dir");
    let missing = first.path().join("missing");
    let real = write_kubeconfig(second.path(), &server.url(), "fake");
    let env = KubeEnvironment {
        kubeconfig: Some(format!("{}:{}", missing.display(), real.display()).into()),
        home: None,
        in_cluster: false,
        ..KubeEnvironment::default()
    };
    let cluster = Cluster::with_environment(
        ClusterSettings {
            request_timeout: TIMEOUT,
            ..ClusterSettings::default()
        },
        env,
    );

    let nodes = cluster
        .list_json(ListKind::Nodes, None, None)
        .await
        .expect("list nodes");

    assert_eq!(nodes.len(), 1);
}

#[tokio::test]
async fn invalid_names_are_refused_before_any_request() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_for(dir.path(), &server.url());

    let err = cluster
        .daemonset_json("kube-system", "../../secrets")
        .await
        .expect_err("bad name");

    assert!(matches!(err, ClusterError::InvalidName { .. }), "{err:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_fake_answers_discovery_and_refuses_writes() {
    let server = FakeApiServer::start(fixtures());
    let get = |path: &str| raw_request(&server.url(), "GET", path);
    assert!(get("/version").contains("\"gitVersion\""));
    assert!(get("/api").contains("\"APIVersions\""));
    assert!(get("/apis").contains("\"policy/v1\""));
    assert!(get("/apis/apps/v1").contains("\"daemonsets\""));
    assert!(
        raw_request(&server.url(), "DELETE", "/api/v1/namespaces/db/pods/pg-0")
            .starts_with("HTTP/1.1 405")
    );
    assert!(get("/api/v1/pods?continue=garbage").starts_with("HTTP/1.1 400"));
    assert!(get("/api/v1/pods/pg-0").starts_with("HTTP/1.1 404"));
    let methods: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods.iter().filter(|m| *m != "GET").count(), 1);
}

/// One raw HTTP/1.1 exchange, to check the fake itself without a client.
fn raw_request(base: &str, method: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the fake");
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

/// A cluster reading `server_url` through a kubeconfig in `dir`, with `settings`
/// adjusted by the caller.
fn cluster_with(
    dir: &Path,
    server_url: &str,
    adjust: impl FnOnce(&mut ClusterSettings),
) -> Cluster {
    let path = write_kubeconfig(dir, server_url, "fake");
    let mut settings = ClusterSettings {
        kubeconfig_path: Some(path.display().to_string()),
        request_timeout: TIMEOUT,
        ..ClusterSettings::default()
    };
    adjust(&mut settings);
    Cluster::with_environment(settings, KubeEnvironment::default())
}

fn many_pods(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| pod("load", &format!("p-{i:04}"), json!({"app": "load"})))
        .collect()
}

#[tokio::test]
async fn throttling_is_waited_out_when_retry_after_fits_the_timeout() {
    let server = FakeApiServer::start(fixtures());
    server.fault_when(
        "/api/v1/pods",
        Fault::Throttle {
            retry_after: Some(1),
        },
        When {
            times: Some(2),
            ..When::default()
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |s| {
        s.request_timeout = Duration::from_secs(10);
    });

    let pods = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect("the third attempt is answered");

    assert_eq!(pods.len(), 4);
    assert_eq!(server.requests_to("/api/v1/pods").len(), 3);
}

#[tokio::test]
async fn throttling_longer_than_the_timeout_is_reported_as_throttling() {
    let server = FakeApiServer::start(fixtures());
    server.fault(
        "/api/v1/pods",
        Fault::Throttle {
            retry_after: Some(30),
        },
    );
    server.fault("/api/v1/nodes", Fault::Throttle { retry_after: None });
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |s| {
        s.request_timeout = Duration::from_secs(2);
    });

    let err = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect_err("Retry-After is longer than request_timeout");
    let ClusterError::Throttled {
        attempts,
        retry_after,
        gave_up_early,
        ..
    } = &err
    else {
        panic!("expected Throttled, got {err:?}");
    };
    // Waiting 30 s could not fit in 2 s: no second request, no waiting.
    assert_eq!(
        (*attempts, *retry_after, *gave_up_early),
        (1, Some(Duration::from_secs(30)), true)
    );
    assert_eq!(server.requests_to("/api/v1/pods").len(), 1);
    let text = err.to_string();
    assert!(text.contains("is throttling requests"), "{text}");
    assert!(text.contains("last Retry-After: 30s"), "{text}");
    assert!(err.title().starts_with("throttled"), "{}", err.title());

    let err = cluster
        .list_json(ListKind::Nodes, None, None)
        .await
        .expect_err("429 without Retry-After");
    assert!(
        matches!(
            err,
            ClusterError::Throttled {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("without Retry-After"), "{err}");
}

#[tokio::test]
async fn a_redirect_is_named_with_its_target_and_not_followed() {
    let server = FakeApiServer::start(fixtures());
    let portal = format!("{}/sso/login?next=%2Fapi", server.url());
    server.fault(
        "/apis/apps/v1",
        Fault::Redirect {
            code: 302,
            location: portal.clone(),
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |_| {});

    let err = cluster
        .daemonset_json("kube-system", "kured")
        .await
        .expect_err("redirected");

    let ClusterError::Redirected {
        status, location, ..
    } = &err
    else {
        panic!("expected Redirected, got {err:?}");
    };
    assert_eq!(status, "302 Found");
    assert_eq!(location.as_deref(), Some(portal.as_str()));
    assert!(err.to_string().contains(&portal), "{err}");
    assert!(
        server.requests_to("/sso/login").is_empty(),
        "followed the redirect"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_answer_larger_than_max_response_size_is_refused() {
    let server = FakeApiServer::start(many_pods(2000));
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |s| {
        s.max_response_size = ByteSize::parse("64KiB").expect("a size");
    });

    let err = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect_err("a page of 500 pods is more than 64KiB");

    let ClusterError::TooLarge {
        limit, announced, ..
    } = &err
    else {
        panic!("expected TooLarge, got {err:?}");
    };
    assert_eq!(limit.to_string(), "64KiB");
    assert!(announced.is_some_and(|a| a.0 > 64 << 10), "{announced:?}");
    assert!(
        err.to_string().contains("max_response_size (64KiB)"),
        "{err}"
    );
    assert_eq!(server.requests_to("/api/v1/pods").len(), 1);
}

#[tokio::test]
async fn an_endless_unannounced_body_is_cut_at_the_cap() {
    let server = FakeApiServer::start(fixtures());
    // 1.5 GB sent chunked: the provider must stop at its cap, not read it all.
    server.fault(
        "/api/v1/pods",
        Fault::Huge {
            bytes: 1_500_000_000,
            announced: false,
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |s| {
        s.max_response_size = ByteSize::parse("1MiB").expect("a size");
        s.request_timeout = Duration::from_secs(30);
    });

    let err = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect_err("too large");

    assert!(
        matches!(
            err,
            ClusterError::TooLarge {
                announced: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_expired_continue_token_restarts_the_list_once() {
    let server = FakeApiServer::start(many_pods(1234));
    server.fault_when(
        "/api/v1/pods",
        Fault::expired(),
        When {
            times: Some(1),
            continued: true,
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |_| {});

    let pods = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect("the restarted list completes");

    assert_eq!(pods.len(), 1234, "no page counted twice");
    let requests = server.requests_to("/api/v1/pods");
    // Page 1, page 2 (410), then pages 1, 2 and 3 again.
    assert_eq!(requests.len(), 5);
    let first_pages = requests
        .iter()
        .filter(|r| r.param("continue").is_none())
        .count();
    assert_eq!(first_pages, 2);
}

#[tokio::test]
async fn a_list_that_expires_twice_fails_clearly() {
    let server = FakeApiServer::start(many_pods(1234));
    server.fault_when(
        "/api/v1/pods",
        Fault::expired(),
        When {
            times: Some(2),
            continued: true,
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |_| {});

    let err = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect_err("expired twice");

    assert!(matches!(err, ClusterError::ListExpired { .. }), "{err:?}");
    assert!(err.to_string().contains("restarted it once"), "{err}");
    assert_eq!(server.requests_to("/api/v1/pods").len(), 4);
}

#[tokio::test]
async fn concurrent_reads_of_the_same_list_send_one_request() {
    let server = FakeApiServer::start(fixtures());
    // Slow enough that every caller arrives while the first read is under way.
    server.fault("/api/v1/pods", Fault::Delay(Duration::from_millis(300)));
    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |s| {
        s.request_timeout = Duration::from_secs(10);
    });

    let (a, b, c, d) = tokio::join!(
        cluster.list_shared(ListKind::Pods, None, None),
        cluster.list_shared(ListKind::Pods, None, None),
        cluster.list_json(ListKind::Pods, None, None),
        cluster.daemonset_json("kube-system", "kured"),
    );
    let e = cluster.daemonset_json("kube-system", "kured").await;
    let f = cluster
        .list_json(ListKind::Pods, Some("db"), None)
        .await
        .expect("another namespace is another read");

    assert_eq!(a.expect("a").len(), 4);
    assert_eq!(b.expect("b").len(), 4);
    assert_eq!(c.expect("c").len(), 4);
    assert_eq!(d.expect("d"), e.expect("e"));
    assert_eq!(f.len(), 2);
    let counts = count_by_path(&server.requests());
    assert_eq!(counts.get("/api/v1/pods"), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get("/apis/apps/v1/namespaces/kube-system/daemonsets/kured"),
        Some(&1),
        "{counts:?}"
    );
    assert_eq!(
        counts.get("/api/v1/namespaces/db/pods"),
        Some(&1),
        "{counts:?}"
    );
}

/// What a list page of 500 realistic pods weighs, and that the default cap holds it
/// many times over: the figure `DEFAULT_MAX_RESPONSE_SIZE` is chosen from.
#[tokio::test]
async fn the_default_cap_holds_a_page_of_500_real_pods_many_times_over() {
    let pods: Vec<Value> = (0..501).map(|i| realistic_pod("shop", i)).collect();
    let one_pod = serde_json::to_vec(&pods[0]).expect("json").len();
    let server = FakeApiServer::start(pods);
    let page = raw_request(&server.url(), "GET", "/api/v1/pods?limit=500");
    let body = page
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    let page_bytes = body.len();
    println!(
        "one realistic pod: {one_pod} bytes; a list page of 500: {page_bytes} bytes ({}); default max_response_size: {DEFAULT_MAX_RESPONSE_SIZE} ({:.1} pages)",
        ByteSize(page_bytes as u64),
        DEFAULT_MAX_RESPONSE_SIZE.0 as f64 / page_bytes as f64
    );
    assert!(
        DEFAULT_MAX_RESPONSE_SIZE.0 >= 10 * page_bytes as u64,
        "the default cap holds fewer than 10 pages of 500 pods ({page_bytes} bytes each)"
    );

    let dir = TempDir::new().expect("temp dir");
    let cluster = cluster_with(dir.path(), &server.url(), |s| {
        s.request_timeout = Duration::from_secs(30);
    });
    let listed = cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect("pages fit the default cap");
    assert_eq!(listed.len(), 501);
    assert_eq!(server.requests_to("/api/v1/pods").len(), 1 + 2);
}

#[tokio::test]
async fn a_token_file_ending_in_a_newline_is_trimmed_as_client_go_does() {
    let server = FakeApiServer::start(fixtures());
    let dir = TempDir::new().expect("temp dir");
    let token = dir.path().join("token");
    std::fs::write(&token, "t0ken-from-a-file\n").expect("write the token");
    let path = write_kubeconfig(dir.path(), &server.url(), "fake");
    let text = std::fs::read_to_string(&path).expect("kubeconfig").replace(
        "token: fake-token",
        &format!("tokenFile: {}", token.display()),
    );
    std::fs::write(&path, text).expect("rewrite the kubeconfig");
    let cluster = Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            request_timeout: TIMEOUT,
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    );

    cluster
        .list_json(ListKind::Nodes, None, None)
        .await
        .expect("the token file is used");

    let sent = server.requests()[0].authorization.clone();
    assert_eq!(sent.as_deref(), Some("Bearer t0ken-from-a-file"));
}

#[tokio::test]
async fn a_token_no_header_can_carry_is_refused_without_a_panic() {
    let dir = TempDir::new().expect("temp dir");
    let token = dir.path().join("token.txt");
    std::fs::write(&token, "line one\nline two\n").expect("write the token");
    let path = write_kubeconfig(dir.path(), "http://127.0.0.1:1", "fake");
    let text = std::fs::read_to_string(&path).expect("kubeconfig").replace(
        "token: fake-token",
        &format!("tokenFile: {}", token.display()),
    );
    std::fs::write(&path, text).expect("rewrite the kubeconfig");
    let cluster = Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    );

    let err = cluster.connect().await.expect_err("an invalid token");

    assert!(
        matches!(err, ClusterError::InvalidKubeconfig { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTTP header"), "{err}");
    assert!(!err.to_string().contains("line two"), "{err}");
}

/// A kubeconfig whose user runs `plugin`, which counts its runs in `runs` and hands
/// out a token expiring at `expires`.
fn exec_cluster(dir: &Path, server_url: &str, expires: &str) -> (Cluster, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let runs = dir.join("runs");
    let plugin = dir.join("plugin");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho run >> '{}'\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"fake-token\",\"expirationTimestamp\":\"{expires}\"}}}}'\n",
            runs.display()
        ),
    )
    .expect("write the plugin");
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = write_kubeconfig(dir, server_url, "fake");
    let text = std::fs::read_to_string(&path).expect("kubeconfig").replace(
        "      token: fake-token",
        &format!(
            "      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: {}\n        interactiveMode: Never",
            plugin.display()
        ),
    );
    std::fs::write(&path, text).expect("rewrite the kubeconfig");
    let cluster = Cluster::with_environment(
        ClusterSettings {
            kubeconfig_path: Some(path.display().to_string()),
            request_timeout: Duration::from_secs(5),
            ..ClusterSettings::default()
        },
        KubeEnvironment::default(),
    );
    (cluster, runs)
}

fn run_count(runs: &Path) -> usize {
    std::fs::read_to_string(runs)
        .unwrap_or_default()
        .lines()
        .count()
}

#[tokio::test]
async fn an_exec_credential_is_reused_until_its_expiration_timestamp() {
    let server = FakeApiServer::start(fixtures());

    let fresh = TempDir::new().expect("temp dir");
    let (cluster, runs) = exec_cluster(fresh.path(), &server.url(), "2099-01-01T00:00:00Z");
    let (a, b) = tokio::join!(
        cluster.list_json(ListKind::Pods, None, None),
        cluster.list_json(ListKind::Nodes, None, None),
    );
    a.expect("pods");
    b.expect("nodes");
    cluster
        .daemonset_json("kube-system", "kured")
        .await
        .expect("daemonset");
    assert_eq!(run_count(&runs), 1, "one run for three reads");

    // A credential already expired is renewed before each request.
    let stale = TempDir::new().expect("temp dir");
    let (cluster, runs) = exec_cluster(stale.path(), &server.url(), "2001-01-01T00:00:00Z");
    cluster
        .list_json(ListKind::Pods, None, None)
        .await
        .expect("pods");
    cluster
        .list_json(ListKind::Nodes, None, None)
        .await
        .expect("nodes");
    assert_eq!(run_count(&runs), 2, "renewed once expired");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer fake-token"))
    );
}
