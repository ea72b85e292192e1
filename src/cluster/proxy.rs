//! Which proxy a request to the API server goes through, decided as kubectl decides it.
//!
//! kube 5.0 reads `HTTPS_PROXY` itself, but differently from kubectl: it uses it for
//! `http://` servers too, matches `NO_PROXY` against the proxy's address instead of the
//! API server's, proxies loopback addresses, and fails outright on a `NO_PROXY` with an
//! empty entry (`a,b,`), which corporate machines often have. So the provider decides the
//! route here, from its own copy of the environment, and hands kube only the result
//! (`Config::proxy_url`); kube's connectors (`http-proxy`, `socks5`) then carry the
//! traffic. The rules are those of client-go (Go's `net/http` proxy support):
//!
//! - the kubeconfig cluster's `proxy-url`, when set, is used for every request and
//!   `NO_PROXY` does not apply to it;
//! - otherwise `HTTPS_PROXY` (or `https_proxy`) for an `https://` server and
//!   `HTTP_PROXY` (or `http_proxy`) for an `http://` one, unless the server is `localhost`
//!   or a loopback address, or `NO_PROXY` (or `no_proxy`) covers it;
//! - `NO_PROXY` entries: `*` (every host), an IP address, a CIDR range, a domain (which
//!   also covers its subdomains; a leading `.` or `*.` covers only subdomains), each
//!   optionally with `:port`; empty or malformed entries are skipped.

use std::fmt;
use std::net::IpAddr;

use http::Uri;

/// The proxy settings of the environment, read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// `HTTPS_PROXY`, else `https_proxy`, with the name it came from.
    pub https_proxy: Option<(&'static str, String)>,
    /// `HTTP_PROXY`, else `http_proxy`, with the name it came from.
    pub http_proxy: Option<(&'static str, String)>,
    /// `NO_PROXY`, else `no_proxy`.
    pub no_proxy: Option<String>,
}

impl ProxyEnv {
    /// Reads the variables of this process; empty values count as unset, as in Go.
    pub fn from_process() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup`, for tests that describe a machine.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find_map(|name| lookup(name).filter(|v| !v.is_empty()).map(|v| (name, v)))
        };
        Self {
            https_proxy: first(["HTTPS_PROXY", "https_proxy"]),
            http_proxy: first(["HTTP_PROXY", "http_proxy"]),
            no_proxy: first(["NO_PROXY", "no_proxy"]).map(|(_, v)| v),
        }
    }
}

/// How requests reach the API server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Straight to the server; `why` says why no proxy applies.
    Direct { why: DirectReason },
    /// Through `url` (credentials included, never printed), configured by `source`.
    Proxy { url: Uri, source: String },
}

/// Why a request goes straight to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectReason {
    /// No proxy is configured for the server's scheme.
    NoProxyConfigured,
    /// The server is `localhost` or a loopback address, which Go never proxies.
    Loopback,
    /// This `NO_PROXY` entry covers the server.
    NoProxyEntry(String),
}

impl Route {
    /// The proxy URL to give kube, if any.
    pub fn proxy_url(&self) -> Option<&Uri> {
        match self {
            Route::Proxy { url, .. } => Some(url),
            Route::Direct { .. } => None,
        }
    }
}

/// For logs and messages: the proxy without its credentials, and where it came from.
impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Direct { why } => match why {
                DirectReason::NoProxyConfigured => f.write_str("directly (no proxy configured)"),
                DirectReason::Loopback => {
                    f.write_str("directly (loopback addresses are never proxied, as in kubectl)")
                }
                DirectReason::NoProxyEntry(entry) => {
                    write!(f, "directly (NO_PROXY entry \"{entry}\" covers the server)")
                }
            },
            Route::Proxy { url, source } => {
                write!(f, "through the proxy {} (from {source})", redacted(url))
            }
        }
    }
}

/// A proxy setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the proxy {value} from {source_name} is not usable: {reason}")]
pub struct ProxyError {
    /// The value, without credentials.
    pub value: String,
    /// `HTTPS_PROXY`, `HTTP_PROXY` or `the kubeconfig's proxy-url`.
    pub source_name: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Decides the route to `server` from the kubeconfig cluster's `proxy-url` and the
/// environment.
pub fn route(
    server: &Uri,
    kubeconfig_proxy: Option<&str>,
    env: &ProxyEnv,
) -> Result<Route, ProxyError> {
    if let Some(raw) = kubeconfig_proxy.map(str::trim).filter(|p| !p.is_empty()) {
        let source = "the kubeconfig's proxy-url".to_owned();
        // client-go accepts no scheme-less proxy-url, unlike the environment variables.
        let url = parse_proxy(raw, &source, false)?;
        return Ok(Route::Proxy { url, source });
    }
    let (name, value) = match server.scheme_str() {
        Some("https") => env.https_proxy.as_ref(),
        _ => env.http_proxy.as_ref(),
    }
    .map(|(n, v)| (*n, v.as_str()))
    .unzip();
    let (Some(name), Some(value)) = (name, value) else {
        return Ok(Route::Direct {
            why: DirectReason::NoProxyConfigured,
        });
    };
    let host = host_of(server);
    let port = server.port_u16().unwrap_or(match server.scheme_str() {
        Some("https") => 443,
        _ => 80,
    });
    if host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return Ok(Route::Direct {
            why: DirectReason::Loopback,
        });
    }
    if let Some(entry) = env
        .no_proxy
        .as_deref()
        .and_then(|raw| NoProxy::parse(raw).covering(&host, port))
    {
        return Ok(Route::Direct {
            why: DirectReason::NoProxyEntry(entry),
        });
    }
    let url = parse_proxy(value, name, true)?;
    Ok(Route::Proxy {
        url,
        source: name.to_owned(),
    })
}

/// The server's host, lower-cased, without the brackets of an IPv6 literal.
fn host_of(server: &Uri) -> String {
    let host = server.host().unwrap_or_default();
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// Parses a proxy address the way Go does: a value without a scheme means `http://`.
fn parse_proxy(raw: &str, source: &str, scheme_optional: bool) -> Result<Uri, ProxyError> {
    let fail = |reason: String| ProxyError {
        value: redacted_text(raw),
        source_name: source.to_owned(),
        reason,
    };
    let parsed = raw
        .parse::<Uri>()
        .ok()
        .filter(|u| u.scheme().is_some() && u.host().is_some());
    let uri = match parsed {
        Some(uri) => uri,
        None if scheme_optional => format!("http://{raw}")
            .parse::<Uri>()
            .ok()
            .filter(|u| u.host().is_some())
            .ok_or_else(|| fail("it is not a URL such as http://proxy.example:3128".into()))?,
        None => {
            return Err(fail(
                "it is not a URL with a scheme, such as http://proxy.example:3128".into(),
            ));
        }
    };
    match uri.scheme_str() {
        Some("http" | "https" | "socks5") => Ok(uri),
        // kube's SOCKS connector always lets the proxy resolve names, which is what
        // socks5h asks for.
        Some("socks5h") => {
            let mut parts = uri.into_parts();
            parts.scheme = Some("socks5".parse().map_err(|_| fail("bad scheme".into()))?);
            Uri::from_parts(parts).map_err(|e| fail(e.to_string()))
        }
        Some(other) => Err(fail(format!(
            "scheme {other:?} is not supported; use http, https or socks5"
        ))),
        None => Err(fail("it has no scheme".into())),
    }
}

/// The proxy URL with any `user:password@` removed, for logs and messages.
pub fn redacted(url: &Uri) -> String {
    let scheme = url.scheme_str().unwrap_or("http");
    let host = url.host().unwrap_or_default();
    match url.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

/// Like [`redacted`] for a value that may not parse.
fn redacted_text(raw: &str) -> String {
    match raw.rsplit_once('@') {
        Some((before, after)) => match before.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://***@{after}"),
            None => format!("***@{after}"),
        },
        None => raw.to_owned(),
    }
}

/// A parsed `NO_PROXY` value.
#[derive(Debug, Default)]
struct NoProxy {
    everything: bool,
    rules: Vec<(String, Rule)>,
}

#[derive(Debug)]
enum Rule {
    Cidr {
        network: IpAddr,
        prefix: u8,
    },
    Ip {
        ip: IpAddr,
        port: Option<u16>,
    },
    /// `suffix` starts with a dot; `exact` also matches the name without it.
    Domain {
        suffix: String,
        exact: bool,
        port: Option<u16>,
    },
}

impl NoProxy {
    fn parse(raw: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for entry in raw.split(',') {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                out.everything = true;
                continue;
            }
            if let Some(rule) = parse_entry(&entry) {
                out.rules.push((entry, rule));
            }
        }
        out
    }

    /// The entry that covers `host:port`, if any.
    fn covering(&self, host: &str, port: u16) -> Option<String> {
        if self.everything {
            return Some("*".to_owned());
        }
        let ip = host.parse::<IpAddr>().ok();
        let port_ok = |want: &Option<u16>| want.is_none_or(|p| p == port);
        self.rules
            .iter()
            .find(|(_, rule)| match (rule, ip) {
                (Rule::Cidr { network, prefix }, Some(ip)) => in_network(ip, *network, *prefix),
                (Rule::Ip { ip: want, port: p }, Some(ip)) => *want == ip && port_ok(p),
                (
                    Rule::Domain {
                        suffix,
                        exact,
                        port: p,
                    },
                    None,
                ) => {
                    (host.ends_with(suffix.as_str()) || (*exact && host == &suffix[1..]))
                        && port_ok(p)
                }
                _ => false,
            })
            .map(|(entry, _)| entry.clone())
    }
}

fn parse_entry(entry: &str) -> Option<Rule> {
    if let Some((addr, bits)) = entry.split_once('/') {
        let network = addr.parse::<IpAddr>().ok()?;
        let prefix = bits.parse::<u8>().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        return (prefix <= max).then_some(Rule::Cidr { network, prefix });
    }
    let (host, port) = split_host_port(entry)?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(Rule::Ip { ip, port });
    }
    let host = host.strip_prefix('*').unwrap_or(host);
    if host.is_empty() || host == "." {
        return None;
    }
    let (suffix, exact) = match host.strip_prefix('.') {
        Some(_) => (host.to_owned(), false),
        None => (format!(".{host}"), true),
    };
    Some(Rule::Domain {
        suffix,
        exact,
        port,
    })
}

/// `host[:port]`, `[v6]:port` or a bare IPv6 address. A port that is not a number makes
/// the entry unusable, as it could never match.
fn split_host_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match entry.rsplit_once(':') {
        // More than one colon without brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => Some((entry, None)),
        Some((host, port)) if !host.is_empty() => Some((host, Some(port.parse().ok()?))),
        Some(_) => None,
        None => Some((entry, None)),
    }
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let (ip, network, width) = match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.to_bits(), b.to_bits(), 128),
        _ => return false,
    };
    let shift = width - u32::from(prefix);
    shift >= width || (ip >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(https: Option<&str>, http: Option<&str>, no_proxy: Option<&str>) -> ProxyEnv {
        ProxyEnv {
            https_proxy: https.map(|v| ("HTTPS_PROXY", v.to_owned())),
            http_proxy: http.map(|v| ("HTTP_PROXY", v.to_owned())),
            no_proxy: no_proxy.map(str::to_owned),
        }
    }

    fn decide(server: &str, kubeconfig: Option<&str>, env: &ProxyEnv) -> Route {
        route(&server.parse().expect("a URL"), kubeconfig, env).expect("a route")
    }

    fn proxied(server: &str, no_proxy: &str) -> bool {
        let env = env(
            Some("http://proxy:3128"),
            Some("http://proxy:3128"),
            Some(no_proxy),
        );
        matches!(decide(server, None, &env), Route::Proxy { .. })
    }

    #[test]
    fn the_scheme_of_the_server_picks_the_variable() {
        let env = env(Some("http://secure:1"), Some("http://plain:2"), None);
        let https = decide("https://api.example:6443", None, &env);
        assert_eq!(
            https.proxy_url().map(redacted).as_deref(),
            Some("http://secure:1")
        );
        let http = decide("http://api.example:8080", None, &env);
        assert_eq!(
            http.proxy_url().map(redacted).as_deref(),
            Some("http://plain:2")
        );
        // An https server with only HTTP_PROXY set goes direct.
        let only_http = super::tests::env(None, Some("http://plain:2"), None);
        assert_eq!(
            decide("https://api.example", None, &only_http),
            Route::Direct {
                why: DirectReason::NoProxyConfigured
            }
        );
    }

    #[test]
    fn loopback_and_localhost_are_never_proxied_from_the_environment() {
        for server in [
            "https://127.0.0.1:6443",
            "https://127.9.9.9",
            "https://localhost:6443",
            "https://[::1]:6443",
        ] {
            assert!(!proxied(server, ""), "{server}");
        }
        assert!(proxied("https://0.0.0.0:6443", ""));
        assert!(proxied("https://[::2]:6443", ""));
    }

    #[test]
    fn no_proxy_covers_hosts_domains_cidrs_and_ports_as_go_does() {
        let cases: &[(&str, &str, bool)] = &[
            ("https://api.corp.example", "corp.example", false),
            ("https://corp.example", "corp.example", false),
            ("https://notcorp.example", "corp.example", true),
            ("https://corp.example", ".corp.example", true),
            ("https://api.corp.example", "*.corp.example", false),
            ("https://corp.example", "*.corp.example", true),
            (
                "https://api.corp.example:6443",
                "api.corp.example:6443",
                false,
            ),
            (
                "https://api.corp.example:6443",
                "api.corp.example:443",
                true,
            ),
            ("https://api.corp.example", "api.corp.example:443", false),
            ("https://10.1.2.3:6443", "10.0.0.0/8", false),
            ("https://11.1.2.3:6443", "10.0.0.0/8", true),
            ("https://10.1.2.3:6443", "10.1.2.3", false),
            ("https://10.1.2.3:6443", "10.1.2.3:6443", false),
            ("https://10.1.2.3:6443", "10.1.2.3:443", true),
            ("https://[fd00::5]:6443", "fd00::/8", false),
            ("https://[fd00::5]:6443", "[fd00::5]:6443", false),
            ("https://[fd00::5]:6443", "fd00::5", false),
            // A domain entry never matches an address, nor a CIDR a name.
            ("https://10.1.2.3", "example", true),
            ("https://example", "0.0.0.0/0", true),
            ("https://anything.example", "*", false),
            ("https://API.Corp.Example", "corp.example", false),
            // Empty and malformed entries are skipped, not fatal.
            ("https://api.corp.example", "a,,b, ,corp.example,", false),
            ("https://api.corp.example", "10.0.0.0/99,x:notaport", true),
        ];
        for (server, no_proxy, expect_proxy) in cases {
            assert_eq!(
                proxied(server, no_proxy),
                *expect_proxy,
                "{server} with NO_PROXY={no_proxy:?}"
            );
        }
    }

    #[test]
    fn the_kubeconfig_proxy_url_wins_and_ignores_no_proxy() {
        let env = env(Some("http://env:1"), None, Some("*"));
        let r = decide(
            "https://127.0.0.1:6443",
            Some("socks5://127.0.0.1:1080"),
            &env,
        );
        assert_eq!(
            r.proxy_url().map(redacted).as_deref(),
            Some("socks5://127.0.0.1:1080")
        );
        assert!(r.to_string().contains("proxy-url"), "{r}");
        let h = decide("https://x", Some("socks5h://p:1"), &env);
        assert_eq!(h.proxy_url().and_then(Uri::scheme_str), Some("socks5"));
        let bad = route(&"https://x".parse().expect("url"), Some("ftp://p:1"), &env)
            .expect_err("ftp is no proxy scheme");
        assert!(bad.reason.contains("http, https or socks5"), "{bad}");
        assert!(route(&"https://x".parse().expect("url"), Some("p:1"), &env).is_err());
    }

    #[test]
    fn scheme_less_variables_mean_http_and_credentials_never_show() {
        let env = env(Some("user:s3cret@proxy.corp:3128"), None, None);
        let r = decide("https://api.example", None, &env);
        assert_eq!(r.proxy_url().and_then(Uri::scheme_str), Some("http"));
        let text = r.to_string();
        assert!(
            text.contains("http://proxy.corp:3128 (from HTTPS_PROXY)"),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
        let bad = route(
            &"https://api.example".parse().expect("url"),
            None,
            &super::tests::env(Some("gopher://u:s3cret@p:1"), None, None),
        )
        .expect_err("gopher");
        assert!(!bad.to_string().contains("s3cret"), "{bad}");
    }

    #[test]
    fn the_environment_is_read_upper_case_first() {
        let vars = [
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", ""),
            ("no_proxy", "x"),
        ];
        let env = ProxyEnv::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        });
        assert_eq!(
            env.https_proxy,
            Some(("https_proxy", "http://lower:1".to_owned()))
        );
        assert_eq!(env.no_proxy.as_deref(), Some("x"));
        assert_eq!(env.http_proxy, None);
    }
}
