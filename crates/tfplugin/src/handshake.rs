//! Starting as a go-plugin server: the magic-cookie check, protocol negotiation, the
//! listener, AutoMTLS and the handshake line Terraform reads from stdout.

use std::io::Write;
use std::path::PathBuf;

/// The cookie Terraform sets for every provider it starts.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value of [`MAGIC_COOKIE_KEY`] that Terraform sets.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own protocol version, and the Terraform protocol spoken on top of it.
pub const CORE_PROTOCOL: u32 = 1;
/// The Terraform plugin protocol version this crate speaks.
pub const APP_PROTOCOL: u32 = 6;

/// How the process was started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Started by Terraform: serve until told to shut down.
    Managed {
        /// Terraform's client certificate (PEM) for AutoMTLS, when it sent one.
        client_cert: Option<String>,
    },
    /// Started by a person with `--debug`: serve without TLS and print the reattach value.
    Debug,
}

/// Why the provider will not serve.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    #[error(
        "This is a Terraform provider plugin: Terraform starts it itself. Run `terraform init` and `terraform plan` in a configuration that requires it, or start it with --debug to attach Terraform through TF_REATTACH_PROVIDERS."
    )]
    /// Started by hand: nothing to serve to.
    NotStartedByTerraform,
    #[error(
        "Terraform offered plugin protocol versions {offered:?}, but this provider speaks only version 6 (Terraform 1.0 and newer)."
    )]
    /// Terraform offered no version 6.
    ProtocolMismatch {
        /// The versions Terraform listed in `PLUGIN_PROTOCOL_VERSIONS`.
        offered: String,
    },
}

/// Decides the mode from the arguments and environment, as go-plugin's server does.
pub fn mode(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Mode, StartError> {
    if args.iter().any(|a| a == "--debug" || a == "-debug") {
        return Ok(Mode::Debug);
    }
    if env(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(StartError::NotStartedByTerraform);
    }
    if let Some(offered) = env("PLUGIN_PROTOCOL_VERSIONS") {
        let speaks_six = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(APP_PROTOCOL));
        if !offered.trim().is_empty() && !speaks_six {
            return Err(StartError::ProtocolMismatch { offered });
        }
    }
    let client_cert = env("PLUGIN_CLIENT_CERT").filter(|c| !c.trim().is_empty());
    Ok(Mode::Managed { client_cert })
}

/// The line go-plugin's client parses: `CORE|APP|NETWORK|ADDRESS|grpc[|CERT]`, where CERT
/// is the server certificate's DER in unpadded standard base64.
pub fn handshake_line(socket: &std::path::Path, certificate: Option<&[u8]>) -> String {
    use base64::Engine;
    let mut line = format!(
        "{CORE_PROTOCOL}|{APP_PROTOCOL}|unix|{}|grpc",
        socket.display()
    );
    if let Some(der) = certificate {
        line.push('|');
        line.push_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(der));
    }
    line
}

/// The value to export as `TF_REATTACH_PROVIDERS` so Terraform uses a running provider.
pub fn reattach_value(provider_address: &str, socket: &std::path::Path) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": APP_PROTOCOL,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": "unix", "String": socket.display().to_string()},
        }
    })
    .to_string()
}

/// A fresh socket path in the temporary directory, as go-plugin uses on Unix.
pub fn socket_path() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "tf-provider-{}-{nanos:08x}.sock",
        std::process::id()
    ))
}

/// Writes the handshake line and flushes, so Terraform sees it at once.
pub fn announce(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn refuses_to_start_without_the_cookie() {
        assert_eq!(
            mode(&[], env_of(&[])),
            Err(StartError::NotStartedByTerraform)
        );
        assert_eq!(
            mode(&[], env_of(&[(MAGIC_COOKIE_KEY, "wrong")])),
            Err(StartError::NotStartedByTerraform)
        );
        let message = StartError::NotStartedByTerraform.to_string();
        assert!(message.contains("Terraform starts it itself"), "{message}");
    }

    #[test]
    fn starts_managed_with_the_cookie_and_debug_without() {
        let got = mode(
            &[],
            env_of(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ]),
        );
        assert_eq!(got, Ok(Mode::Managed { client_cert: None }));
        assert_eq!(mode(&["--debug".to_string()], env_of(&[])), Ok(Mode::Debug));
    }

    #[test]
    fn refuses_a_terraform_that_does_not_speak_protocol_six() {
        let got = mode(
            &[],
            env_of(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
            ]),
        );
        assert!(matches!(got, Err(StartError::ProtocolMismatch { .. })));
    }

    #[test]
    fn formats_the_handshake_line() {
        let line = handshake_line(
            std::path::Path::new("/tmp/x.sock"),
            Some(&[0xde, 0xad, 0xbe]),
        );
        assert_eq!(line, "1|6|unix|/tmp/x.sock|grpc|3q2+");
        assert_eq!(
            handshake_line(std::path::Path::new("/s"), None),
            "1|6|unix|/s|grpc"
        );
    }

    #[test]
    fn reattach_value_names_the_provider_and_socket() {
        let v: serde_json::Value = serde_json::from_str(&reattach_value(
            "registry.terraform.io/rebootgate/kured",
            std::path::Path::new("/tmp/s"),
        ))
        .unwrap();
        let entry = &v["registry.terraform.io/rebootgate/kured"];
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/s");
    }
}
