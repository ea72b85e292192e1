//! Running a real Terraform against this provider from integration tests.
//!
//! - [`terraform_bin`] finds the `terraform` command (`make tools` installs one
//!   into `.tools/bin`).
//! - [`Mirror`] is a temporary filesystem mirror that providers are copied
//!   into, laid out the way `terraform init` expects.
//! - [`Workdir`] is a temporary configuration directory whose commands run
//!   Terraform hermetically: a CLI config naming only the mirror, no prompts,
//!   no update checks, no plugin cache, and a timeout so that a hung provider
//!   fails its test instead of hanging the suite.
//! - [`Output`] holds what one command printed and the assertions on it.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long one Terraform command may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Exit code reported when Terraform did not exit by itself (timed out, or
/// ended by a signal).
pub const NO_EXIT_CODE: i32 = -1;

/// How long to wait for the output pipes to close once Terraform has exited;
/// a provider left running could otherwise hold them open for ever.
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// Name of the generated CLI configuration inside each workdir.
const CLI_CONFIG: &str = "cli-config.tfrc";

/// Variables removed from Terraform's environment because they would make a
/// run depend on the machine it happens on.
const REMOVED_ENV: &[&str] = &[
    "TF_PLUGIN_CACHE_DIR",
    "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE",
    "TF_DATA_DIR",
    "TF_WORKSPACE",
    "TF_CLI_ARGS",
];

/// The `terraform` command to run: `$TERRAFORM` when set, else the one
/// `make tools` installs in `.tools/bin`, else `terraform` on `PATH`.
///
/// # Panics
/// When none of them exists, with a message saying how to install one.
pub fn terraform_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("TERRAFORM").filter(|v| !v.is_empty()) {
        return PathBuf::from(bin);
    }
    // The workspace root holds `.tools`; crates below it look upwards for it.
    let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join(".tools/bin/terraform"))
        .find(|bin| bin.is_file());
    if let Some(installed) = installed {
        return installed;
    }
    if let Some(on_path) = find_on_path("terraform") {
        return on_path;
    }
    panic!(
        "no terraform to run the tests with: run `make tools` (tools/install-terraform.sh) \
         to install .tools/bin/terraform at the workspace root, put `terraform` on PATH, \
         or set TERRAFORM to its path"
    );
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The platform in Terraform's (Go's) naming, such as `linux_amd64` or
/// `darwin_arm64`.
pub fn os_arch() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("{os}_{arch}")
}

/// A temporary filesystem mirror of provider packages.
///
/// Cloning is cheap and shares the directory, which lives until the last
/// clone and the last [`Workdir`] made from it are dropped.
#[derive(Clone)]
pub struct Mirror {
    dir: Arc<TempDir>,
}

impl Mirror {
    /// An empty mirror in a new temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tf-mirror-")
            .tempdir()
            .expect("create a temporary directory for the provider mirror");
        Self { dir: Arc::new(dir) }
    }

    /// The mirror's root directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Copies `binary` into the mirror as version `version` of
    /// `host/namespace/type_name` for this platform, at
    /// `HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION`,
    /// and returns the path of the copy.
    pub fn add_provider(
        &self,
        host: &str,
        namespace: &str,
        type_name: &str,
        version: &str,
        binary: &Path,
    ) -> PathBuf {
        let dir = self
            .path()
            .join(host)
            .join(namespace)
            .join(type_name)
            .join(version)
            .join(os_arch());
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("create mirror directory {}: {e}", dir.display()));
        let target = dir.join(format!(
            "terraform-provider-{type_name}_v{version}{}",
            std::env::consts::EXE_SUFFIX
        ));
        fs::copy(binary, &target).unwrap_or_else(|e| {
            panic!(
                "copy provider {} into the mirror at {}: {e}",
                binary.display(),
                target.display()
            )
        });
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("chmod 755 {}: {e}", target.display()));
        target
    }
}

impl Default for Mirror {
    fn default() -> Self {
        Self::new()
    }
}

/// A temporary Terraform configuration directory and the commands run in it.
pub struct Workdir {
    dir: TempDir,
    // Keeps the mirror alive while this workdir may still install from it.
    mirror: Mirror,
    bin: PathBuf,
    env: Vec<(String, String)>,
    timeout: Duration,
}

impl Workdir {
    /// A new empty workdir whose `terraform init` installs providers only from
    /// `mirror`.
    pub fn new(mirror: &Mirror) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tf-workdir-")
            .tempdir()
            .expect("create a temporary Terraform workdir");
        let config = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = {}\n  }}\n}}\n",
            hcl_string(&mirror.path().to_string_lossy())
        );
        let config_path = dir.path().join(CLI_CONFIG);
        fs::write(&config_path, config)
            .unwrap_or_else(|e| panic!("write {}: {e}", config_path.display()));
        Self {
            dir,
            mirror: mirror.clone(),
            bin: terraform_bin(),
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The workdir's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The path of the CLI configuration Terraform is given.
    pub fn cli_config_path(&self) -> PathBuf {
        self.path().join(CLI_CONFIG)
    }

    /// Writes `contents` to `name` (relative to the workdir; parent
    /// directories are created), replacing any earlier contents.
    pub fn write(&self, name: &str, contents: &str) -> &Self {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("create directory {}: {e}", parent.display()));
        }
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Sets an extra environment variable for every later command, such as
    /// `KUBECONFIG`. Terraform passes its environment on to providers.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Sets how long each later command may run before it is killed.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// `terraform init`.
    pub fn init(&self) -> Output {
        self.run(&["init", "-input=false", "-no-color"])
    }

    /// `terraform validate`.
    pub fn validate(&self) -> Output {
        self.run(&["validate", "-no-color"])
    }

    /// `terraform plan`.
    pub fn plan(&self) -> Output {
        self.run(&["plan", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: code 0 when there is nothing to
    /// do, 2 when there are changes, 1 on error.
    pub fn plan_detailed(&self) -> Output {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// `terraform apply -auto-approve`.
    pub fn apply(&self) -> Output {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Output {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform apply -refresh-only -auto-approve`.
    pub fn refresh(&self) -> Output {
        self.run(&[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ])
    }

    /// `terraform import ADDR ID`.
    pub fn import(&self, addr: &str, id: &str) -> Output {
        self.run(&["import", "-input=false", "-no-color", addr, id])
    }

    /// `terraform state show ADDR`.
    pub fn state_show(&self, addr: &str) -> Output {
        self.run(&["state", "show", "-no-color", addr])
    }

    /// `terraform output -json`, parsed.
    ///
    /// # Panics
    /// When the command fails or prints something other than JSON.
    pub fn output_json(&self) -> serde_json::Value {
        let out = self.run(&["output", "-json", "-no-color"]);
        out.assert_success("terraform output -json");
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "terraform output -json printed invalid JSON ({e}):\n{}",
                out.report()
            )
        })
    }

    /// Runs `terraform ARGS...` in the workdir with the hermetic environment
    /// and the timeout; never panics on Terraform's failure.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(&self.bin);
        command
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that a timeout kills the providers too.
            .process_group(0);
        for key in REMOVED_ENV {
            command.env_remove(key);
        }
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TF_CLI_ARGS_") {
                command.env_remove(key);
            }
        }
        command
            .env("TF_CLI_CONFIG_FILE", self.cli_config_path())
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1");
        for (key, value) in &self.env {
            command.env(key, value);
        }

        let child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}; run `make tools` (tools/install-terraform.sh) or set TERRAFORM",
                self.bin.display()
            )
        });
        wait_with_timeout(
            child,
            self.timeout,
            &format!("terraform {}", args.join(" ")),
        )
    }
}

/// An HCL string literal holding `value`.
fn hcl_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads a pipe to its end on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error ends the capture; what was read so far is kept.
            let _ = pipe.read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    rx
}

fn wait_with_timeout(mut child: Child, timeout: Duration, what: &str) -> Output {
    let stdout_rx = drain(child.stdout.take());
    let stderr_rx = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let mut notes = String::new();

    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                let _ = writeln!(
                    notes,
                    "[support] `{what}` timed out after {} s and was killed",
                    timeout.as_secs_f64()
                );
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("waiting for `{what}`: {e}"),
        }
    };

    let mut stdout = stdout_rx.recv_timeout(PIPE_GRACE).ok();
    let mut stderr = stderr_rx.recv_timeout(PIPE_GRACE).ok();
    if stdout.is_none() || stderr.is_none() {
        // Terraform is gone but something it started (a provider) still holds
        // the pipes open: stop its whole process group, then take the output.
        kill_group_quietly(child.id());
        let _ = writeln!(
            notes,
            "[support] `{what}` left a process holding its output open; its process group was killed"
        );
        stdout = stdout.or_else(|| stdout_rx.recv_timeout(PIPE_GRACE).ok());
        stderr = stderr.or_else(|| stderr_rx.recv_timeout(PIPE_GRACE).ok());
    }
    let stdout = String::from_utf8_lossy(&stdout.unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&stderr.unwrap_or_default()).into_owned();

    let code = match status {
        Some(status) => match (status.code(), status.signal()) {
            (Some(code), _) => code,
            (None, signal) => {
                let _ = writeln!(
                    notes,
                    "[support] `{what}` was ended by signal {}",
                    signal.unwrap_or_default()
                );
                NO_EXIT_CODE
            }
        },
        None => NO_EXIT_CODE,
    };
    if !notes.is_empty() {
        if !stderr.is_empty() && !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        stderr.push_str(&notes);
    }
    Output {
        code,
        stdout,
        stderr,
    }
}

/// SIGKILLs the child's process group (Terraform and the providers it
/// started), then reaps the child.
fn kill_group(child: &mut Child) {
    kill_group_quietly(child.id());
    // The group kill covers the child; this is the fallback if `kill` is missing.
    let _ = child.kill();
    let _ = child.wait();
}

fn kill_group_quietly(pgid: u32) {
    // std has no killpg and the crate forbids unsafe code, so ask kill(1).
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// What one Terraform command printed, and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code; [`NO_EXIT_CODE`] when it timed out or was killed (the
    /// reason is then at the end of `stderr`).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Whether Terraform exited with code 0.
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// stdout followed by stderr.
    pub fn combined(&self) -> String {
        let mut all = self.stdout.clone();
        if !all.is_empty() && !all.ends_with('\n') {
            all.push('\n');
        }
        all.push_str(&self.stderr);
        all
    }

    /// Panics, showing the whole output, unless the exit code is 0.
    #[track_caller]
    pub fn assert_success(&self, what: &str) -> &Self {
        if !self.success() {
            panic!(
                "{what}: expected success, got exit code {}\n{}",
                self.code,
                self.report()
            );
        }
        self
    }

    /// Panics, showing the whole output, unless Terraform exited with a
    /// non-zero code of its own (a timeout is not the failure expected).
    #[track_caller]
    pub fn assert_failure(&self, what: &str) -> &Self {
        if self.code == 0 || self.code == NO_EXIT_CODE {
            panic!(
                "{what}: expected Terraform to fail, got exit code {}\n{}",
                self.code,
                self.report()
            );
        }
        self
    }

    /// Panics unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32, what: &str) -> &Self {
        if self.code != code {
            panic!(
                "{what}: expected exit code {code}, got {}\n{}",
                self.code,
                self.report()
            );
        }
        self
    }

    /// Panics, showing the whole output, unless stdout or stderr contains
    /// `needle`. Both sides are compared after [`normalize`], so a phrase that
    /// Terraform wrapped across lines of a diagnostic box still matches.
    #[track_caller]
    pub fn assert_contains(&self, needle: &str) -> &Self {
        if !self.contains(needle) {
            panic!(
                "expected the output to contain {:?} (normalized: {:?})\n{}",
                needle,
                normalize(needle),
                self.report()
            );
        }
        self
    }

    /// Panics, showing the whole output, if stdout or stderr contains
    /// `needle` (compared as in [`Output::assert_contains`]).
    #[track_caller]
    pub fn assert_not_contains(&self, needle: &str) -> &Self {
        if self.contains(needle) {
            panic!(
                "expected the output not to contain {needle:?}\n{}",
                self.report()
            );
        }
        self
    }

    /// Whether stdout or stderr contains `needle`, compared as in
    /// [`Output::assert_contains`].
    pub fn contains(&self, needle: &str) -> bool {
        let needle = normalize(needle);
        normalize(&self.stdout).contains(&needle) || normalize(&self.stderr).contains(&needle)
    }

    /// The full output, for failure messages.
    pub fn report(&self) -> String {
        format!(
            "--- exit code: {}\n--- stdout:\n{}\n--- stderr:\n{}\n--- end",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Terraform's output with the layout taken out: the diagnostic box
/// characters (`╷ │ ╵`) removed and every run of whitespace made one space.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '│' | '╷' | '╵') {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}
