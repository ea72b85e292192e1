//! Logs to stderr as hclog JSON lines, the form go-plugin parses and Terraform shows under
//! `TF_LOG`/`TF_LOG_PROVIDER`. With neither set no subscriber is installed, so a normal
//! plan pays nothing for logging. The debug lines of the HTTP and TLS crates underneath
//! (every HTTP/2 frame of the plugin connection, every pooled connection) show only at
//! `TRACE`, so that `DEBUG` is the provider's own account of what it does.

use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Installs the stderr logger at the level Terraform asked for, if any; `module` is the
/// provider's type name, which Terraform shows beside each line.
pub fn init(module: &'static str) {
    let level = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .or_else(|| std::env::var("TF_LOG").ok())
        .and_then(|l| level_filter(&l));
    if let Some(level) = level {
        let layer = HclogLayer {
            module,
            transport_detail: level == LevelFilter::TRACE,
        };
        let subscriber = tracing_subscriber::registry().with(layer.with_filter(level));
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
}

fn level_filter(name: &str) -> Option<LevelFilter> {
    match name.trim().to_ascii_lowercase().as_str() {
        "trace" | "json" => Some(LevelFilter::TRACE),
        "debug" => Some(LevelFilter::DEBUG),
        "info" => Some(LevelFilter::INFO),
        "warn" => Some(LevelFilter::WARN),
        "error" => Some(LevelFilter::ERROR),
        _ => None,
    }
}

/// Crates whose DEBUG lines describe the wire, not what the provider does.
const TRANSPORT_CRATES: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "hyper_rustls",
    "rustls",
    "tokio_rustls",
    "tonic",
    "tower",
    "tower_http",
    "kube_client",
    "mio",
];

fn is_transport(target: &str) -> bool {
    let krate = target.split("::").next().unwrap_or(target);
    TRANSPORT_CRATES.contains(&krate)
}

struct HclogLayer {
    module: &'static str,
    /// Whether the transport crates' DEBUG and TRACE lines are wanted.
    transport_detail: bool,
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if !self.transport_detail
            && *metadata.level() > Level::INFO
            && is_transport(metadata.target())
        {
            return;
        }
        let line = hclog_line(event, self.module);
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

fn hclog_line(event: &Event<'_>, module: &str) -> String {
    let mut fields = Fields(serde_json::Map::new());
    event.record(&mut fields);
    let mut map = fields.0;
    let message = map
        .remove("message")
        .unwrap_or(serde_json::Value::String(String::new()));
    map.insert("@message".into(), message);
    map.insert(
        "@level".into(),
        level_name(*event.metadata().level()).into(),
    );
    map.insert("@module".into(), module.into());
    map.insert(
        "@timestamp".into(),
        chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string()
            .into(),
    );
    serde_json::Value::Object(map).to_string()
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

struct Fields(serde_json::Map<String, serde_json::Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}").into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_terraform_log_levels() {
        assert_eq!(level_filter("TRACE"), Some(LevelFilter::TRACE));
        assert_eq!(level_filter("json"), Some(LevelFilter::TRACE));
        assert_eq!(level_filter("warn"), Some(LevelFilter::WARN));
        assert_eq!(level_filter("off"), None);
        assert_eq!(level_filter(""), None);
    }

    #[test]
    fn wire_crates_are_told_apart_from_the_provider() {
        assert!(is_transport("h2::codec::framed_write"));
        assert!(is_transport("hyper_util::client::legacy::pool"));
        assert!(is_transport("kube_client::client::builder"));
        assert!(!is_transport("terraform_provider_kured::cluster"));
        assert!(!is_transport("tfplugin::server"));
        assert!(!is_transport("hyperion"));
    }
}
