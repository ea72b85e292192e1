//! Proxies through the real Terraform, as kubectl uses them: `HTTPS_PROXY` and
//! `HTTP_PROXY` by the server's scheme, `NO_PROXY` (addresses, CIDRs, ports), never for
//! loopback addresses, and a kubeconfig's `proxy-url` (http and socks5) for every
//! request. The HTTP proxy is a real tinyproxy (`make tools` installs it); the SOCKS5
//! proxy is the small relay in `support/proxies.rs`.
//!
//! The tests can only listen on loopback, and kubectl never sends loopback addresses
//! through a proxy from the environment, so the environment cases address the server as
//! `0.0.0.0`: on Linux a connection to it reaches the loopback listener, but it is not a
//! loopback address.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::fake_apiserver::{Auth, FakeApiServer, Options, Tls};
use support::kured::{HEADER, mirror};
use support::pki::{Ca, b64};
use support::proxies::{Socks5, Tinyproxy};
use support::terraform::Workdir;

const TOKEN: &str = "pr0xied-t0ken";

/// Every variable that could route the provider, cleared; tests set what they need.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn objects() -> Vec<Value> {
    vec![json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "pg", "namespace": "db"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "pg"}}}
    })]
}

/// An API server with a CA, over HTTPS or plain HTTP, accepting [`TOKEN`].
struct Server {
    ca: Ca,
    server: FakeApiServer,
}

fn server(https: bool) -> Server {
    let ca = Ca::new("proxy-test-ca");
    let identity = ca.server(&["127.0.0.1", "0.0.0.0", "localhost"]);
    let tls = https.then_some(Tls {
        cert_chain_pem: identity.cert_pem,
        key_pem: identity.key_pem,
        client_ca_pem: None,
    });
    let server = FakeApiServer::start_with(
        objects(),
        Options {
            tls,
            auth: Some(Auth {
                tokens: vec![TOKEN.to_owned()],
                client_certificates: false,
            }),
        },
    );
    Server { ca, server }
}

impl Server {
    /// The server's URL with `host` in place of 127.0.0.1.
    fn url_as(&self, host: &str) -> String {
        self.server.url().replace("127.0.0.1", host)
    }

    /// An initialised stack reading namespace `db` through a kubeconfig naming the
    /// server as `server_url`, with `cluster_extra` (YAML) under its cluster, and every
    /// proxy variable cleared.
    fn stack(&self, server_url: &str, cluster_extra: &str) -> Workdir {
        let mut dir = Workdir::new(&mirror());
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: c\n    cluster:\n      server: {server_url}\n      certificate-authority-data: {}\n{cluster_extra}users:\n  - name: u\n    user: {{token: {TOKEN}}}\ncontexts:\n  - name: ctx\n    context: {{cluster: c, user: u}}\ncurrent-context: ctx\n",
            b64(&self.ca.pem)
        );
        dir.write("kubeconfig", &kubeconfig);
        let path = dir.path().join("kubeconfig");
        dir.write(
            "main.tf",
            &format!(
                "{HEADER}\nprovider \"kured\" {{\n  kubeconfig_path = \"{}\"\n  request_timeout = \"5s\"\n}}\n\ndata \"kured_pdb_coverage\" \"db\" {{\n  namespaces = [\"db\"]\n}}\n\noutput \"budgets\" {{ value = length(data.kured_pdb_coverage.db.budgets) }}\n",
                path.display()
            ),
        );
        dir.init().assert_success("terraform init from the mirror");
        for name in PROXY_VARIABLES {
            dir.env(name, "");
        }
        dir
    }
}

/// Checks that every CONNECT went to `target` and there was at least one (the fake
/// server closes each connection, so each request opens a tunnel of its own).
fn assert_all_to(connects: &[String], target: &str, log: &str) {
    assert!(
        !connects.is_empty() && connects.iter().all(|c| c == target),
        "expected CONNECTs to {target} only, got {connects:?}:\n{log}"
    );
}

/// Plans and checks that the budget was read.
fn assert_reads(dir: &Workdir, what: &str) {
    dir.apply().assert_success(what);
    assert_eq!(dir.output_json()["budgets"]["value"], 1, "{what}");
}

#[test]
fn https_proxy_carries_requests_to_an_https_server() {
    let api = server(true);
    let proxy = Tinyproxy::start(Some(("ops", "pr0xy-pw")));
    let mut dir = api.stack(&api.url_as("0.0.0.0"), "");
    dir.env("HTTPS_PROXY", &proxy.url_with("ops", "pr0xy-pw"));
    // An http proxy only: it must not be used for an https server.
    dir.env("HTTP_PROXY", "http://127.0.0.1:9");
    assert_reads(&dir, "through tinyproxy");

    let target = format!("0.0.0.0:{}", api.server.port());
    assert_all_to(&proxy.connects(), &target, &proxy.log_text());
    assert!(!api.server.requests().is_empty());
}

#[test]
fn no_proxy_sends_covered_servers_directly() {
    let api = server(true);
    let proxy = Tinyproxy::start(None);
    let port = api.server.port();
    // Entries kubectl honours for an address: CIDR, address, address with its port,
    // among empty and malformed entries (which kube 5.0 alone rejects outright).
    for no_proxy in [
        "0.0.0.0/8".to_owned(),
        "example.com,,0.0.0.0".to_owned(),
        format!(" .svc, 10.0.0.0/8 , 0.0.0.0:{port},"),
        "*".to_owned(),
    ] {
        let mut dir = api.stack(&api.url_as("0.0.0.0"), "");
        dir.env("HTTPS_PROXY", &proxy.url());
        dir.env("NO_PROXY", &no_proxy);
        assert_reads(&dir, &format!("NO_PROXY={no_proxy}"));
        assert!(
            proxy.connects().is_empty(),
            "NO_PROXY={no_proxy} went through the proxy:\n{}",
            proxy.log_text()
        );
    }
    // An entry for another port does not cover the server: through the proxy.
    let mut dir = api.stack(&api.url_as("0.0.0.0"), "");
    dir.env("https_proxy", &proxy.url());
    dir.env("no_proxy", "0.0.0.0:1");
    assert_reads(&dir, "NO_PROXY for another port");
    assert_all_to(
        &proxy.connects(),
        &format!("0.0.0.0:{port}"),
        &proxy.log_text(),
    );
}

#[test]
fn an_http_server_uses_http_proxy_and_never_https_proxy() {
    let api = server(false);
    let proxy = Tinyproxy::start(None);
    let mut dir = api.stack(&api.url_as("0.0.0.0"), "");
    // The situation of the issue: only HTTPS_PROXY set, an http:// server.
    dir.env("HTTPS_PROXY", "http://127.0.0.1:9");
    assert_reads(&dir, "HTTPS_PROXY alone, an http server");
    assert!(proxy.connects().is_empty());

    dir.env("HTTP_PROXY", &proxy.url());
    assert_reads(&dir, "HTTP_PROXY, an http server");
    assert_all_to(
        &proxy.connects(),
        &format!("0.0.0.0:{}", api.server.port()),
        &proxy.log_text(),
    );
}

#[test]
fn loopback_servers_are_never_proxied_from_the_environment() {
    let api = server(true);
    let mut dir = api.stack(&api.server.url(), "");
    // Nothing listens at this proxy: using it would fail the read.
    dir.env("HTTPS_PROXY", "http://127.0.0.1:9");
    dir.env("NO_PROXY", "corp.example,,");
    assert_reads(&dir, "a loopback server with HTTPS_PROXY set");
    let mut dir = api.stack(&api.url_as("localhost"), "");
    dir.env("HTTPS_PROXY", "http://127.0.0.1:9");
    assert_reads(&dir, "localhost with HTTPS_PROXY set");
}

#[test]
fn a_kubeconfig_proxy_url_is_used_for_every_request() {
    let api = server(true);
    let proxy = Tinyproxy::start(None);
    let mut dir = api.stack(
        &api.server.url(),
        &format!("      proxy-url: {}\n", proxy.url()),
    );
    // NO_PROXY does not apply to a kubeconfig's proxy-url, nor does loopback.
    dir.env("NO_PROXY", "*");
    assert_reads(&dir, "proxy-url http");
    assert_all_to(
        &proxy.connects(),
        &format!("127.0.0.1:{}", api.server.port()),
        &proxy.log_text(),
    );

    let socks = Socks5::start();
    let dir = api.stack(
        &api.server.url(),
        &format!("      proxy-url: {}\n", socks.url()),
    );
    assert_reads(&dir, "proxy-url socks5");
    assert_all_to(
        &socks.targets(),
        &format!("127.0.0.1:{}", api.server.port()),
        "(the SOCKS5 relay keeps no log)",
    );
}

#[test]
fn proxy_failures_name_the_proxy_without_its_credentials() {
    let api = server(true);
    let proxy = Tinyproxy::start(Some(("ops", "right-pw")));
    let mut dir = api.stack(&api.url_as("0.0.0.0"), "");
    dir.env("HTTPS_PROXY", &proxy.url_with("ops", "wr0ng-pw"));
    dir.plan()
        .assert_failure("the proxy refuses the credentials")
        .assert_contains("cannot reach the Kubernetes API server")
        .assert_contains(&format!(
            "through the proxy {} (from HTTPS_PROXY)",
            proxy.url()
        ))
        .assert_contains("the proxy refused to open a connection to the API server")
        .assert_not_contains("wr0ng-pw");

    let dir = api.stack(
        &api.server.url(),
        "      proxy-url: ftp://proxy.example:21\n",
    );
    dir.plan()
        .assert_failure("an unsupported proxy scheme")
        .assert_contains("the proxy setting cannot be used")
        .assert_contains("the kubeconfig's proxy-url")
        .assert_contains("use http, https or socks5");
}
