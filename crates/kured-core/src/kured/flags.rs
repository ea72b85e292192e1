//! The value kured ends up with for any of its flags, from a container's command, args,
//! env and kured's version.
//!
//! What kured does, checked against kubereboot/kured:
//! - Up to 1.16.1 kured parses with cobra (spf13/pflag underneath) and binds env vars
//!   through viper only for flags that were not given; viper treats an empty variable as
//!   unset. From 1.16.2 it parses with pflag directly and then sets every flag whose
//!   `KURED_*` variable exists, even an empty one, through the flag's own `Set`: a
//!   single-valued flag is replaced, a string-slice flag that was given is appended to.
//! - pflag reads `--name=value` and `--name value` (the next argument, even one starting
//!   with a dash); a lone `--` ends the flags; kured defines no one-letter shorthands, so a
//!   single-dash argument such as `-reboot-sentinel=/x` makes kured exit at start-up
//!   (`-h` prints help and exits). A repeated single-valued flag keeps its last value; a
//!   repeated string-slice flag (`--reboot-days`) keeps every value.
//! - Kubernetes expands `$(VAR)` in command, args and env values before kured sees them.

use std::collections::HashMap;

use crate::base::node_path::base;
use crate::base::version::Version;
use crate::k8s::container::Container;

/// The first kured release whose env vars override flags.
pub const ENV_OVERRIDES_SINCE: Version = Version::new(1, 16, 2);

/// kured's boolean flags (plus the `help` flag pflag and cobra add): they never take the
/// next argument as their value, unlike every other flag. The same four since 1.14.0;
/// older releases lack `alert-filter-match-only`, which then is an unknown flag either
/// way.
const BOOL_FLAGS: [&str; 5] = [
    "force-reboot",
    "alert-filter-match-only",
    "alert-firing-only",
    "annotate-nodes",
    "help",
];

/// The variable kured reads for a flag: `reboot-sentinel` is `KURED_REBOOT_SENTINEL`.
pub fn env_name(flag: &str) -> String {
    format!("KURED_{}", flag.replace('-', "_").to_uppercase())
}

/// Why kured's flags cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FlagsError {
    /// The arguments depend on something only the cluster knows (a `valueFrom` variable
    /// where a flag name is read, a shell wrapper), so no flag can be trusted.
    #[error("{reason}")]
    Unknowable {
        /// What hides the arguments.
        reason: String,
        /// The decisions taken before giving up, in order.
        steps: Vec<String>,
    },
    /// kured exits at start-up with these arguments, so no flag takes effect.
    #[error("{reason}")]
    Rejected {
        /// What kured refuses.
        reason: String,
        /// The decisions taken before the rejection, in order.
        steps: Vec<String>,
    },
}

impl FlagsError {
    /// The explanation, the same text as `Display`.
    pub fn reason(&self) -> &str {
        match self {
            FlagsError::Unknowable { reason, .. } | FlagsError::Rejected { reason, .. } => reason,
        }
    }

    /// The decisions taken before the failure, so callers can explain it like a success.
    pub fn steps(&self) -> &[String] {
        match self {
            FlagsError::Unknowable { steps, .. } | FlagsError::Rejected { steps, .. } => steps,
        }
    }
}

/// Where a flag's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagSource {
    /// A `--name` argument.
    Flag,
    /// The `KURED_*` variable. For a list it is the last value, after any arguments.
    Env,
    /// Neither: kured's default applies.
    Default,
}

/// The value kured ends up with for a single-valued flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlagValue {
    /// The value as kured receives it, before kured parses it (a duration stays `30m`).
    Known {
        /// The raw value.
        value: String,
        /// Where it came from.
        source: FlagSource,
    },
    /// The value depends on something only the cluster knows.
    Unknown {
        /// What hides it.
        reason: String,
    },
}

/// The values kured ends up with for a string-slice flag such as `--reboot-days`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListValue {
    /// Each value kured applies, in order and unsplit: every one is itself a
    /// comma-separated list for the caller to parse. Empty (with source
    /// [`FlagSource::Default`]) when kured keeps the flag's default.
    Known {
        /// The raw values.
        values: Vec<String>,
        /// [`FlagSource::Env`] when the variable supplied the last value (alone, or after
        /// the arguments from kured 1.16.2), [`FlagSource::Flag`] when only arguments did.
        source: FlagSource,
    },
    /// The values depend on something only the cluster knows.
    Unknown {
        /// What hides them.
        reason: String,
    },
}

/// A variable's value: `None` when it comes from `valueFrom` (or refers to one).
type EnvValues = HashMap<String, Option<String>>;

/// One occurrence of a flag in argv.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Occurrence {
    /// The argument(s) as written after expansion, for the steps.
    written: String,
    /// The value, as written when it cannot be expanded.
    value: String,
    /// Why the value is unknowable (it refers to a `valueFrom` variable), if it is.
    unknown: Option<String>,
}

/// How a kured version orders flags and env vars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Precedence {
    /// kured >= 1.16.2: a present variable is applied after the flags.
    env_overrides: bool,
    /// The version is unknown and the newest behaviour is assumed.
    assumed: bool,
}

impl Precedence {
    fn note(self) -> String {
        if self.assumed {
            format!("assumed kured >= {ENV_OVERRIDES_SINCE}")
        } else if self.env_overrides {
            format!("kured >= {ENV_OVERRIDES_SINCE}")
        } else {
            format!("kured < {ENV_OVERRIDES_SINCE}")
        }
    }
}

/// The flags a kured container starts with: every flag occurrence in its argv, its
/// variables and the precedence rules of its kured version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuredFlags {
    occurrences: HashMap<String, Vec<Occurrence>>,
    env: EnvValues,
    rules: Precedence,
    steps: Vec<String>,
}

impl KuredFlags {
    /// Reads a kured container's flags. `app_version` is kured's version; `None`
    /// (unknown) assumes the newest behaviour and says so in the steps.
    pub fn read(container: &Container, app_version: Option<Version>) -> Result<Self, FlagsError> {
        let mut steps = Vec::new();
        match app_version {
            Some(v) => steps.push(format!("kured {v}")),
            None => steps.push(
                "kured version unknown: assuming the newest behaviour (env overrides flags)"
                    .to_string(),
            ),
        }
        let rules = Precedence {
            env_overrides: app_version.is_none_or(|v| v >= ENV_OVERRIDES_SINCE),
            assumed: app_version.is_none(),
        };
        let env = container_env(container);
        let scanned = kured_argv(container, &env, &mut steps).and_then(|argv| scan_flags(&argv));
        match scanned {
            Ok(occurrences) => Ok(KuredFlags {
                occurrences,
                env,
                rules,
                steps,
            }),
            Err(Failure::Unknowable(reason)) => Err(FlagsError::Unknowable { reason, steps }),
            Err(Failure::Rejected(reason)) => Err(FlagsError::Rejected { reason, steps }),
        }
    }

    /// The decisions common to every flag: kured's version, how the command was read,
    /// which arguments were expanded.
    pub fn steps(&self) -> &[String] {
        &self.steps
    }

    /// True when `--flag` (name without dashes) appears among kured's arguments.
    pub fn is_given(&self, flag: &str) -> bool {
        self.occurrences.contains_key(flag)
    }

    /// The value kured ends up with for a single-valued flag (name without dashes), with
    /// the lines explaining it appended to `steps`. `default` is kured's default for it.
    pub fn value(&self, flag: &str, default: &str, steps: &mut Vec<String>) -> FlagValue {
        let env_name = env_name(flag);
        let note = self.rules.note();
        let from_flag = self.occurrences.get(flag).and_then(|all| {
            let last = all.last()?;
            let count = match all.len() {
                1 => String::new(),
                n => format!(" (last of {n})"),
            };
            Some(match &last.unknown {
                Some(reason) => {
                    steps.push(format!("arg {}{count}: unknowable", last.written));
                    FlagValue::Unknown {
                        reason: reason.clone(),
                    }
                }
                None => {
                    steps.push(format!("arg {}{count}", last.written));
                    FlagValue::Known {
                        value: last.value.clone(),
                        source: FlagSource::Flag,
                    }
                }
            })
        });

        let from_env = match self.env.get(&env_name) {
            None => None,
            Some(None) if self.rules.env_overrides => {
                steps.push(format!(
                    "env {env_name} from valueFrom overrides any flag ({note}): unknowable"
                ));
                return FlagValue::Unknown {
                    reason: env_unknown_reason(&env_name, flag),
                };
            }
            Some(None) => match from_flag {
                Some(flag_value) => {
                    steps.push(format!(
                        "env {env_name} ignored: the flag is given ({note})"
                    ));
                    return flag_value;
                }
                None => {
                    steps.push(format!(
                        "env {env_name} from valueFrom applies as no flag is given: unknowable"
                    ));
                    return FlagValue::Unknown {
                        reason: env_unknown_reason(&env_name, flag),
                    };
                }
            },
            Some(Some(value)) => Some(value.clone()),
        };

        match (from_flag, from_env) {
            (from_flag, Some(value)) if self.rules.env_overrides => {
                steps.push(if from_flag.is_some() {
                    format!("env {env_name}={value} overrides the flag ({note})")
                } else {
                    format!("env {env_name}={value} ({note})")
                });
                FlagValue::Known {
                    value,
                    source: FlagSource::Env,
                }
            }
            (Some(flag_value), Some(_)) => {
                steps.push(format!(
                    "env {env_name} ignored: the flag is given ({note})"
                ));
                flag_value
            }
            (None, Some(value)) if value.is_empty() => {
                steps.push(format!(
                    "env {env_name} is empty, which viper treats as unset ({note})"
                ));
                default_value(flag, default, steps)
            }
            (None, Some(value)) => {
                steps.push(format!(
                    "env {env_name}={value} applies as no flag is given ({note})"
                ));
                FlagValue::Known {
                    value,
                    source: FlagSource::Env,
                }
            }
            (Some(flag_value), None) => flag_value,
            (None, None) => default_value(flag, default, steps),
        }
    }

    /// Whether this kured version applies a present `KURED_*` variable after the flags
    /// (1.16.2 and newer, or an unknown version).
    pub fn env_overrides(&self) -> bool {
        self.rules.env_overrides
    }

    /// The values kured ends up with for a string-array flag (`--blocking-pod-selector`):
    /// every occurrence, each kept whole (no comma splitting).
    ///
    /// Up to 1.16.1 viper supplies the variable when no flag is given (an empty one counts
    /// as unset). From 1.16.2 kured's own loader sets flags from variables by type and has
    /// no case for string arrays: it prints "Unsupported flag type" and the variable has no
    /// effect at all.
    pub fn array(&self, flag: &str, steps: &mut Vec<String>) -> ArrayValue {
        let env_name = env_name(flag);
        let note = self.rules.note();
        let given = self.occurrences.get(flag).map(Vec::as_slice).unwrap_or(&[]);
        for occurrence in given {
            steps.push(format!("arg {}", occurrence.written));
        }
        let from_flags = match given.iter().find_map(|o| o.unknown.as_ref()) {
            Some(reason) => ListValue::Unknown {
                reason: reason.clone(),
            },
            None if given.is_empty() => ListValue::Known {
                values: Vec::new(),
                source: FlagSource::Default,
            },
            None => ListValue::Known {
                values: given.iter().map(|o| o.value.clone()).collect(),
                source: FlagSource::Flag,
            },
        };
        let plain = |value| ArrayValue {
            value,
            ignored_env: None,
        };
        match self.env.get(&env_name) {
            None => plain(from_flags),
            Some(_) if self.rules.env_overrides => {
                steps.push(format!(
                    "env {env_name} ignored: kured cannot set a string-array flag from its variable ({note})"
                ));
                ArrayValue {
                    value: from_flags,
                    ignored_env: Some(env_name),
                }
            }
            Some(_) if !given.is_empty() => {
                steps.push(format!(
                    "env {env_name} ignored: the flag is given ({note})"
                ));
                plain(from_flags)
            }
            Some(None) => {
                steps.push(format!(
                    "env {env_name} from valueFrom applies as no flag is given: unknowable"
                ));
                plain(ListValue::Unknown {
                    reason: env_unknown_reason(&env_name, flag),
                })
            }
            Some(Some(value)) if value.is_empty() => {
                steps.push(format!(
                    "env {env_name} is empty, which viper treats as unset ({note})"
                ));
                plain(from_flags)
            }
            Some(Some(value)) => {
                steps.push(format!(
                    "env {env_name}={value} applies as no flag is given ({note})"
                ));
                plain(ListValue::Known {
                    values: vec![value.clone()],
                    source: FlagSource::Env,
                })
            }
        }
    }

    /// The values kured ends up with for a string-slice flag such as `--reboot-days`
    /// (name without dashes), with the lines explaining them appended to `steps`.
    ///
    /// pflag's string slice replaces its default on the first `Set` and appends on each
    /// later one, so every occurrence counts. The variable is used up to 1.16.1 only when
    /// no flag is given; from 1.16.2 it goes through the same `Set` after the arguments,
    /// so it is appended to them.
    pub fn list(&self, flag: &str, steps: &mut Vec<String>) -> ListValue {
        let env_name = env_name(flag);
        let note = self.rules.note();
        let given = self.occurrences.get(flag).map(Vec::as_slice).unwrap_or(&[]);
        if let [one] = given {
            steps.push(format!("arg {}", one.written));
        } else if !given.is_empty() {
            let written: Vec<&str> = given.iter().map(|o| o.written.as_str()).collect();
            steps.push(format!(
                "args {}: each of the {} adds to the list (pflag string slice)",
                written.join(", "),
                written.len()
            ));
        }
        let from_flags = match given.iter().find_map(|o| o.unknown.as_ref()) {
            Some(reason) => {
                steps.push(format!("--{flag} has an unknowable value"));
                ListValue::Unknown {
                    reason: reason.clone(),
                }
            }
            None => ListValue::Known {
                values: given.iter().map(|o| o.value.clone()).collect(),
                source: FlagSource::Flag,
            },
        };
        let env_unknown = || ListValue::Unknown {
            reason: env_unknown_reason(&env_name, flag),
        };

        match self.env.get(&env_name) {
            None if given.is_empty() => default_list(flag, steps),
            None => from_flags,
            Some(None) if self.rules.env_overrides => {
                steps.push(format!(
                    "env {env_name} from valueFrom is applied after any flag ({note}): unknowable"
                ));
                env_unknown()
            }
            Some(Some(value)) if self.rules.env_overrides => match from_flags {
                ListValue::Known { mut values, .. } => {
                    steps.push(if given.is_empty() {
                        format!("env {env_name}={value} replaces the default ({note})")
                    } else {
                        format!(
                            "env {env_name}={value} is appended to the flag's values: kured sets it through the flag parser after the arguments ({note})"
                        )
                    });
                    values.push(value.clone());
                    ListValue::Known {
                        values,
                        source: FlagSource::Env,
                    }
                }
                unknown @ ListValue::Unknown { .. } => unknown,
            },
            Some(_) if !given.is_empty() => {
                steps.push(format!(
                    "env {env_name} ignored: the flag is given ({note})"
                ));
                from_flags
            }
            Some(None) => {
                steps.push(format!(
                    "env {env_name} from valueFrom applies as no flag is given: unknowable"
                ));
                env_unknown()
            }
            Some(Some(value)) if value.is_empty() => {
                steps.push(format!(
                    "env {env_name} is empty, which viper treats as unset ({note})"
                ));
                default_list(flag, steps)
            }
            Some(Some(value)) => {
                steps.push(format!(
                    "env {env_name}={value} applies as no flag is given ({note})"
                ));
                ListValue::Known {
                    values: vec![value.clone()],
                    source: FlagSource::Env,
                }
            }
        }
    }
}

/// A string-array flag read by [`KuredFlags::array`]: its values, and the variable kured
/// ignored, if one was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayValue {
    /// The values kured applies.
    pub value: ListValue,
    /// The `KURED_*` variable that is set but has no effect.
    pub ignored_env: Option<String>,
}

fn env_unknown_reason(env_name: &str, flag: &str) -> String {
    format!(
        "{env_name} comes from valueFrom (or refers to such a variable), so its value is only known in the cluster; set it with value, or drop it and use --{flag}"
    )
}

fn default_value(flag: &str, default: &str, steps: &mut Vec<String>) -> FlagValue {
    // An empty default means the feature is off; saying so for every such flag is noise.
    if !default.is_empty() {
        steps.push(format!("no --{flag} given: kured's default {default}"));
    }
    FlagValue::Known {
        value: default.to_string(),
        source: FlagSource::Default,
    }
}

fn default_list(flag: &str, steps: &mut Vec<String>) -> ListValue {
    steps.push(format!("no --{flag} given: kured's default applies"));
    ListValue::Known {
        values: Vec::new(),
        source: FlagSource::Default,
    }
}

/// Why argv cannot be read, before the steps are attached.
enum Failure {
    Unknowable(String),
    Rejected(String),
}

/// The container's variables as the kubelet builds them: in order, each value expanded
/// against the variables before it, a later duplicate replacing an earlier one.
fn container_env(container: &Container) -> EnvValues {
    let mut env = EnvValues::new();
    for var in &container.env {
        let value = match &var.value {
            Some(raw) => expand(raw, &env).ok(),
            None => None,
        };
        env.insert(var.name.clone(), value);
    }
    env
}

/// Kubernetes' `$(VAR)` expansion: `$$` is a literal `$`, a reference to an undefined
/// variable stays as written, and a reference to a `valueFrom` variable is unknowable
/// (the error names it).
fn expand(input: &str, env: &EnvValues) -> Result<String, String> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 1..).unwrap_or_default();
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(close) = inner.find(')')
        {
            let name = inner.get(..close).unwrap_or_default();
            match env.get(name) {
                Some(Some(value)) => out.push_str(value),
                Some(None) => return Err(name.to_string()),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = inner.get(close + 1..).unwrap_or_default();
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One argument after `$(VAR)` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Arg {
    /// The expanded text, or the text as written when expansion is impossible.
    text: String,
    /// The `valueFrom` variable that keeps this argument unknown, if any.
    unknown: Option<String>,
}

/// The arguments kured's flag parser sees, after `$(VAR)` expansion.
fn kured_argv(
    container: &Container,
    env: &EnvValues,
    steps: &mut Vec<String>,
) -> Result<Vec<Arg>, Failure> {
    let raw: Vec<&String> = match container.command.split_first() {
        Some((program, rest)) => {
            // A shell or wrapper hides kured's real arguments inside a script string.
            let program_name = base(program);
            if matches!(
                program_name.as_str(),
                "sh" | "bash" | "ash" | "dash" | "busybox" | "env"
            ) {
                steps.push(format!("command runs {program}, not kured directly"));
                return Err(Failure::Unknowable(format!(
                    "the container's command starts with {program}, so kured's arguments are inside a script; run kured directly (command [/usr/bin/kured]) to let them be read"
                )));
            }
            steps.push(format!(
                "command {program}: kured's arguments are the rest of command, then args"
            ));
            rest.iter().chain(&container.args).collect()
        }
        None => container.args.iter().collect(),
    };
    let argv = raw
        .into_iter()
        .map(|arg| match expand(arg, env) {
            Ok(text) => {
                if text != *arg {
                    steps.push(format!("arg {arg} expands to {text}"));
                }
                Arg {
                    text,
                    unknown: None,
                }
            }
            Err(name) => Arg {
                text: arg.clone(),
                unknown: Some(name),
            },
        })
        .collect();
    Ok(argv)
}

fn unknown_arg(text: &str, name: &str, role: &str) -> String {
    format!(
        "argument {text} {role} and refers to $({name}), which comes from valueFrom and is only known in the cluster; give the value directly"
    )
}

/// The flag name an argument that cannot be expanded still shows for sure: expansion
/// only rewrites `$(...)`, so `--name=` written before the first `$` survives it.
fn fixed_flag_name(text: &str) -> Option<&str> {
    let fixed = text.get(..text.find('$')?)?;
    let (name, _) = fixed.strip_prefix("--")?.split_once('=')?;
    Some(name)
}

/// Every flag occurrence in argv, by name and in order, by pflag's rules.
fn scan_flags(argv: &[Arg]) -> Result<HashMap<String, Vec<Occurrence>>, Failure> {
    let mut found: HashMap<String, Vec<Occurrence>> = HashMap::new();
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        let text = arg.text.as_str();
        if text == "--" {
            break;
        }
        let (name, inline) = match (&arg.unknown, fixed_flag_name(text)) {
            (Some(var), Some(name)) => {
                let role = format!("sets --{name}");
                (name, Some(Err(unknown_arg(text, var, &role))))
            }
            (Some(var), None) => {
                // Unexpanded, it could become any flag.
                return Err(Failure::Unknowable(unknown_arg(
                    text,
                    var,
                    "stands where kured reads a flag",
                )));
            }
            (None, _) => {
                let Some(body) = text.strip_prefix("--") else {
                    if text.len() > 1 && text.starts_with('-') {
                        return Err(Failure::Rejected(if text == "-h" {
                            "argument -h makes kured print its help and exit".to_string()
                        } else {
                            format!(
                                "argument {text} has a single dash; kured's flag parser (pflag) reads it as one-letter flags, kured defines none and exits at start-up; write -{text}"
                            )
                        }));
                    }
                    // A positional argument; pflag keeps reading flags after it.
                    continue;
                };
                match body.split_once('=') {
                    Some((name, value)) => (name, Some(Ok(value))),
                    None => (body, None),
                }
            }
        };
        check_name(text, name)?;
        let occurrence = match inline {
            Some(Ok(value)) => Occurrence {
                written: text.to_string(),
                value: value.to_string(),
                unknown: None,
            },
            Some(Err(reason)) => Occurrence {
                written: text.to_string(),
                value: text.to_string(),
                unknown: Some(reason),
            },
            // A bool flag alone means true and leaves the next argument alone.
            None if BOOL_FLAGS.contains(&name) => Occurrence {
                written: text.to_string(),
                value: "true".to_string(),
                unknown: None,
            },
            None => match args.next() {
                Some(value) => Occurrence {
                    written: format!("{text} {}", value.text),
                    value: value.text.clone(),
                    unknown: value.unknown.as_ref().map(|var| {
                        unknown_arg(&value.text, var, &format!("is the value of {text}"))
                    }),
                },
                None => {
                    return Err(Failure::Rejected(format!(
                        "argument {text} is last and has no value, so kured exits at start-up; write {text}=VALUE"
                    )));
                }
            },
        };
        found.entry(name.to_string()).or_default().push(occurrence);
    }
    Ok(found)
}

/// Refuses what pflag refuses in a `--name` argument, and `--help`.
fn check_name(text: &str, name: &str) -> Result<(), Failure> {
    if name.is_empty() || name.starts_with('-') {
        return Err(Failure::Rejected(format!(
            "argument {text} is bad flag syntax for kured's flag parser, which exits at start-up; write --name=value"
        )));
    }
    if name == "help" {
        return Err(Failure::Rejected(
            "argument --help makes kured print its help and exit".to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kured(command: &[&str], args: &[&str], env: &[(&str, Option<&str>)]) -> Container {
        Container::for_test("kured", command, args, env)
    }

    fn v(s: &str) -> Option<Version> {
        let version = s.parse().ok();
        assert!(version.is_some(), "bad test version {s}");
        version
    }

    fn read(container: &Container, version: Option<Version>) -> KuredFlags {
        match KuredFlags::read(container, version) {
            Ok(flags) => flags,
            Err(e) => panic!("read failed: {e} after {:#?}", e.steps()),
        }
    }

    fn known(value: &str, source: FlagSource) -> FlagValue {
        FlagValue::Known {
            value: value.into(),
            source,
        }
    }

    fn list(values: &[&str], source: FlagSource) -> ListValue {
        ListValue::Known {
            values: values.iter().map(|s| s.to_string()).collect(),
            source,
        }
    }

    const TIMEOUT: &str = "drain-timeout";
    const TIMEOUT_ENV: &str = "KURED_DRAIN_TIMEOUT";
    const DAYS: &str = "reboot-days";
    const DAYS_ENV: &str = "KURED_REBOOT_DAYS";

    use FlagSource::{Default as Dflt, Env, Flag};

    #[test]
    fn value_follows_pflag_and_the_env_rules() {
        let unknown = || FlagValue::Unknown {
            reason: String::new(),
        };
        let cases: Vec<(&str, Container, Option<Version>, FlagValue)> = vec![
            (
                "default",
                kured(&[], &[], &[]),
                v("1.21.0"),
                known("0", Dflt),
            ),
            (
                "equals form",
                kured(&[], &["--drain-timeout=30m"], &[]),
                v("1.21.0"),
                known("30m", Flag),
            ),
            (
                "space form",
                kured(&[], &["--drain-timeout", "30m"], &[]),
                v("1.21.0"),
                known("30m", Flag),
            ),
            (
                "twice: last wins",
                kured(&[], &["--drain-timeout=10m", "--drain-timeout", "30m"], &[]),
                v("1.21.0"),
                known("30m", Flag),
            ),
            (
                "command then args",
                kured(
                    &["/usr/bin/kured", "--drain-timeout=1m"],
                    &["--drain-timeout=2m"],
                    &[],
                ),
                v("1.21.0"),
                known("2m", Flag),
            ),
            (
                "after -- is positional",
                kured(&[], &["--", "--drain-timeout=30m"], &[]),
                v("1.21.0"),
                known("0", Dflt),
            ),
            (
                "bool flag takes no value",
                kured(&[], &["--annotate-nodes", "--drain-timeout=5m"], &[]),
                v("1.21.0"),
                known("5m", Flag),
            ),
            (
                "value of another flag",
                kured(&[], &["--period", "--drain-timeout=5m"], &[]),
                v("1.21.0"),
                known("0", Dflt),
            ),
            (
                "env only before 1.16.2",
                kured(&[], &[], &[(TIMEOUT_ENV, Some("5m"))]),
                v("1.16.1"),
                known("5m", Env),
            ),
            (
                "flag beats env before 1.16.2",
                kured(&[], &["--drain-timeout=30m"], &[(TIMEOUT_ENV, Some("5m"))]),
                v("1.16.1"),
                known("30m", Flag),
            ),
            (
                "env overrides flag from 1.16.2",
                kured(&[], &["--drain-timeout=30m"], &[(TIMEOUT_ENV, Some("5m"))]),
                v("1.16.2"),
                known("5m", Env),
            ),
            (
                "unknown version: env wins",
                kured(&[], &["--drain-timeout=30m"], &[(TIMEOUT_ENV, Some("5m"))]),
                None,
                known("5m", Env),
            ),
            (
                "empty env is unset for viper",
                kured(&[], &[], &[(TIMEOUT_ENV, Some(""))]),
                v("1.16.1"),
                known("0", Dflt),
            ),
            (
                "empty env is set from 1.16.2",
                kured(&[], &["--drain-timeout=30m"], &[(TIMEOUT_ENV, Some(""))]),
                v("1.16.2"),
                known("", Env),
            ),
            (
                "env value expanded",
                kured(&[], &[], &[("M", Some("7")), (TIMEOUT_ENV, Some("$(M)m"))]),
                v("1.21.0"),
                known("7m", Env),
            ),
            (
                "valueFrom env from 1.16.2",
                kured(&[], &["--drain-timeout=30m"], &[(TIMEOUT_ENV, None)]),
                v("1.16.2"),
                unknown(),
            ),
            (
                "valueFrom env ignored beside flag before 1.16.2",
                kured(&[], &["--drain-timeout=30m"], &[(TIMEOUT_ENV, None)]),
                v("1.16.1"),
                known("30m", Flag),
            ),
            (
                "valueFrom env without flag before 1.16.2",
                kured(&[], &[], &[(TIMEOUT_ENV, None)]),
                v("1.16.1"),
                unknown(),
            ),
            (
                "inline value refers to valueFrom",
                kured(&[], &["--drain-timeout=$(T)"], &[("T", None)]),
                v("1.21.0"),
                unknown(),
            ),
            (
                "space value refers to valueFrom",
                kured(&[], &["--drain-timeout", "$(T)"], &[("T", None)]),
                v("1.21.0"),
                unknown(),
            ),
            (
                "known env overrides an unknown flag from 1.16.2",
                kured(
                    &[],
                    &["--drain-timeout=$(T)"],
                    &[("T", None), (TIMEOUT_ENV, Some("5m"))],
                ),
                v("1.16.2"),
                known("5m", Env),
            ),
            (
                "a later known value replaces an unknown one",
                kured(
                    &[],
                    &["--drain-timeout=$(T)", "--drain-timeout=1m"],
                    &[("T", None)],
                ),
                v("1.21.0"),
                known("1m", Flag),
            ),
        ];
        for (name, container, version, want) in cases {
            let flags = read(&container, version);
            let mut steps = Vec::new();
            let got = flags.value(TIMEOUT, "0", &mut steps);
            match (&got, &want) {
                (FlagValue::Unknown { reason }, FlagValue::Unknown { .. }) => {
                    assert!(reason.contains("valueFrom"), "{name}: {reason}");
                }
                _ => assert_eq!(got, want, "{name}: steps {steps:#?}"),
            }
        }
    }

    #[test]
    fn list_appends_every_occurrence() {
        let unknown = || ListValue::Unknown {
            reason: String::new(),
        };
        let cases: Vec<(&str, Container, Option<Version>, ListValue)> = vec![
            (
                "none: default",
                kured(&[], &[], &[]),
                v("1.21.0"),
                list(&[], Dflt),
            ),
            (
                "one",
                kured(&[], &["--reboot-days=mon,tue"], &[]),
                v("1.21.0"),
                list(&["mon,tue"], Flag),
            ),
            (
                "three append",
                kured(
                    &[],
                    &["--reboot-days=mo", "--reboot-days=tu", "--reboot-days=we"],
                    &[],
                ),
                v("1.21.0"),
                list(&["mo", "tu", "we"], Flag),
            ),
            (
                "space form appends too",
                kured(&[], &["--reboot-days", "mo", "--reboot-days=tu"], &[]),
                v("1.21.0"),
                list(&["mo", "tu"], Flag),
            ),
            (
                "empty value kept raw",
                kured(&[], &["--reboot-days="], &[]),
                v("1.21.0"),
                list(&[""], Flag),
            ),
            (
                "env only before 1.16.2",
                kured(&[], &[], &[(DAYS_ENV, Some("sa,su"))]),
                v("1.16.1"),
                list(&["sa,su"], Env),
            ),
            (
                "env only from 1.16.2",
                kured(&[], &[], &[(DAYS_ENV, Some("sa,su"))]),
                v("1.16.2"),
                list(&["sa,su"], Env),
            ),
            (
                "env ignored beside flag before 1.16.2",
                kured(
                    &[],
                    &["--reboot-days=mo", "--reboot-days=tu"],
                    &[(DAYS_ENV, Some("sa"))],
                ),
                v("1.16.1"),
                list(&["mo", "tu"], Flag),
            ),
            (
                "env appended to flag from 1.16.2",
                kured(
                    &[],
                    &["--reboot-days=mo", "--reboot-days=tu"],
                    &[(DAYS_ENV, Some("sa"))],
                ),
                v("1.16.2"),
                list(&["mo", "tu", "sa"], Env),
            ),
            (
                "unknown version: env appended",
                kured(&[], &["--reboot-days=mo"], &[(DAYS_ENV, Some("sa"))]),
                None,
                list(&["mo", "sa"], Env),
            ),
            (
                "empty env is unset for viper",
                kured(&[], &[], &[(DAYS_ENV, Some(""))]),
                v("1.16.1"),
                list(&[], Dflt),
            ),
            (
                "empty env is set from 1.16.2",
                kured(&[], &[], &[(DAYS_ENV, Some(""))]),
                v("1.16.2"),
                list(&[""], Env),
            ),
            (
                "valueFrom env from 1.16.2",
                kured(&[], &["--reboot-days=mo"], &[(DAYS_ENV, None)]),
                v("1.16.2"),
                unknown(),
            ),
            (
                "valueFrom env ignored beside flag before 1.16.2",
                kured(&[], &["--reboot-days=mo"], &[(DAYS_ENV, None)]),
                v("1.16.1"),
                list(&["mo"], Flag),
            ),
            (
                "valueFrom env without flag before 1.16.2",
                kured(&[], &[], &[(DAYS_ENV, None)]),
                v("1.16.1"),
                unknown(),
            ),
            (
                "one occurrence refers to valueFrom",
                kured(
                    &[],
                    &["--reboot-days=mo", "--reboot-days=$(D)"],
                    &[("D", None)],
                ),
                v("1.21.0"),
                unknown(),
            ),
            (
                "unknown occurrence not rescued by env from 1.16.2",
                kured(
                    &[],
                    &["--reboot-days=$(D)"],
                    &[("D", None), (DAYS_ENV, Some("sa"))],
                ),
                v("1.16.2"),
                unknown(),
            ),
        ];
        for (name, container, version, want) in cases {
            let flags = read(&container, version);
            let mut steps = Vec::new();
            let got = flags.list(DAYS, &mut steps);
            match (&got, &want) {
                (ListValue::Unknown { reason }, ListValue::Unknown { .. }) => {
                    assert!(reason.contains("valueFrom"), "{name}: {reason}");
                }
                _ => assert_eq!(got, want, "{name}: steps {steps:#?}"),
            }
        }
    }

    #[test]
    fn is_given_sees_any_occurrence_before_the_end_of_flags() {
        let cases: Vec<(Container, &str, bool)> = vec![
            (kured(&[], &["--drain-timeout=1m"], &[]), TIMEOUT, true),
            (kured(&[], &["--drain-timeout", "1m"], &[]), TIMEOUT, true),
            (kured(&[], &["--drain-timeout="], &[]), TIMEOUT, true),
            (kured(&[], &["--force-reboot"], &[]), "force-reboot", true),
            (
                kured(&[], &[], &[(TIMEOUT_ENV, Some("1m"))]),
                TIMEOUT,
                false,
            ),
            (
                kured(&[], &["--", "--drain-timeout=1m"], &[]),
                TIMEOUT,
                false,
            ),
            (
                kured(&[], &["--period", "--drain-timeout=1m"], &[]),
                TIMEOUT,
                false,
            ),
            (
                kured(&[], &["--period", "--drain-timeout=1m"], &[]),
                "period",
                true,
            ),
            (kured(&[], &["--drain-timeout-x=1m"], &[]), TIMEOUT, false),
            (
                kured(&[], &["--drain-timeout=$(T)"], &[("T", None)]),
                TIMEOUT,
                true,
            ),
        ];
        for (container, flag, want) in cases {
            let flags = read(&container, v("1.21.0"));
            assert_eq!(flags.is_given(flag), want, "{flag} in {:?}", container.args);
        }
    }

    #[test]
    fn env_name_is_kureds() {
        let cases = [
            ("reboot-sentinel", "KURED_REBOOT_SENTINEL"),
            ("reboot-days", "KURED_REBOOT_DAYS"),
            ("period", "KURED_PERIOD"),
            ("lock-ttl", "KURED_LOCK_TTL"),
            ("", "KURED_"),
        ];
        for (flag, want) in cases {
            assert_eq!(env_name(flag), want, "{flag}");
        }
    }

    #[test]
    fn read_fails_when_kured_would_or_we_cannot_tell() {
        type Check = fn(&FlagsError) -> bool;
        let unknowable: Check = |e| matches!(e, FlagsError::Unknowable { .. });
        let rejected: Check = |e| matches!(e, FlagsError::Rejected { .. });
        let cases: Vec<(&str, Container, Check, &str)> = vec![
            (
                "shell wrapper",
                kured(&["/bin/sh", "-c"], &["kured --period=1h"], &[]),
                unknowable,
                "script",
            ),
            (
                "flag name hidden by valueFrom",
                kured(&[], &["$(F)=1"], &[("F", None)]),
                unknowable,
                "stands where kured reads a flag",
            ),
            (
                "flag name partly hidden by valueFrom",
                kured(&[], &["--reboot-$(F)=1"], &[("F", None)]),
                unknowable,
                "$(F)",
            ),
            (
                "single dash",
                kured(&[], &["-period=1h"], &[]),
                rejected,
                "write --period=1h",
            ),
            ("-h", kured(&[], &["-h"], &[]), rejected, "help"),
            ("--help", kured(&[], &["--help"], &[]), rejected, "help"),
            (
                "bad syntax",
                kured(&[], &["---x"], &[]),
                rejected,
                "bad flag syntax",
            ),
            (
                "empty name",
                kured(&[], &["--=x"], &[]),
                rejected,
                "bad flag syntax",
            ),
            (
                "last flag without value",
                kured(&[], &["--period"], &[]),
                rejected,
                "no value",
            ),
        ];
        for (name, container, check, text) in cases {
            match KuredFlags::read(&container, v("1.21.0")) {
                Ok(_) => panic!("{name}: read succeeded"),
                Err(e) => {
                    assert!(check(&e), "{name}: {e:?}");
                    assert!(e.reason().contains(text), "{name}: {e}");
                    assert_eq!(e.to_string(), e.reason(), "{name}");
                    assert_eq!(e.steps().first().map(String::as_str), Some("kured 1.21.0"));
                }
            }
        }
    }

    #[test]
    fn harmless_arguments_are_read() {
        let cases: Vec<(&str, Container)> = vec![
            ("positional", kured(&[], &["stray", "--period=1h"], &[])),
            ("trailing bool flag", kured(&[], &["--force-reboot"], &[])),
            (
                "bool flag with value",
                kured(&[], &["--force-reboot=false"], &[]),
            ),
            (
                "valueFrom in another flag's inline value",
                kured(&[], &["--node-id=$(NODE)"], &[("NODE", None)]),
            ),
            (
                "valueFrom in another flag's value",
                kured(&[], &["--node-id", "$(NODE)"], &[("NODE", None)]),
            ),
            (
                "valueFrom after --",
                kured(&[], &["--", "$(NODE)"], &[("NODE", None)]),
            ),
            ("single dash after --", kured(&[], &["--", "-x"], &[])),
            ("lone dash", kured(&[], &["-"], &[])),
        ];
        for (name, container) in cases {
            assert!(KuredFlags::read(&container, v("1.21.0")).is_ok(), "{name}");
        }
    }

    #[test]
    fn explains_each_decision() {
        type Ask = fn(&KuredFlags, &mut Vec<String>);
        let value: Ask = |f, steps| {
            f.value(TIMEOUT, "0", steps);
        };
        let days: Ask = |f, steps| {
            f.list(DAYS, steps);
        };
        let cases: Vec<(Container, Option<Version>, Ask, &str)> = vec![
            (
                kured(&[], &[], &[]),
                None,
                value,
                "kured version unknown: assuming the newest behaviour",
            ),
            (kured(&[], &[], &[]), v("1.16.1"), value, "kured 1.16.1"),
            (
                kured(&["/usr/bin/kured"], &[], &[]),
                v("1.21.0"),
                value,
                "command /usr/bin/kured: kured's arguments are the rest of command, then args",
            ),
            (
                kured(&[], &["--drain-timeout=$(M)m"], &[("M", Some("5"))]),
                v("1.21.0"),
                value,
                "arg --drain-timeout=$(M)m expands to --drain-timeout=5m",
            ),
            (
                kured(&[], &["--drain-timeout=1m", "--drain-timeout=2m"], &[]),
                v("1.21.0"),
                value,
                "arg --drain-timeout=2m (last of 2)",
            ),
            (
                kured(&[], &["--drain-timeout=1m"], &[(TIMEOUT_ENV, Some("2m"))]),
                v("1.16.2"),
                value,
                "env KURED_DRAIN_TIMEOUT=2m overrides the flag (kured >= 1.16.2)",
            ),
            (
                kured(&[], &["--drain-timeout=1m"], &[(TIMEOUT_ENV, Some("2m"))]),
                v("1.16.1"),
                value,
                "env KURED_DRAIN_TIMEOUT ignored: the flag is given (kured < 1.16.2)",
            ),
            (
                kured(&[], &[], &[]),
                v("1.21.0"),
                value,
                "no --drain-timeout given: kured's default 0",
            ),
            (
                kured(&[], &["--reboot-days=mo", "--reboot-days=tu"], &[]),
                v("1.21.0"),
                days,
                "args --reboot-days=mo, --reboot-days=tu: each of the 2 adds to the list",
            ),
            (
                kured(&[], &["--reboot-days=mo"], &[(DAYS_ENV, Some("sa"))]),
                None,
                days,
                "env KURED_REBOOT_DAYS=sa is appended to the flag's values",
            ),
            (
                kured(&[], &[], &[]),
                v("1.21.0"),
                days,
                "no --reboot-days given: kured's default applies",
            ),
        ];
        for (container, version, ask, want) in cases {
            let flags = read(&container, version);
            let mut steps = flags.steps().to_vec();
            ask(&flags, &mut steps);
            assert!(
                steps.iter().any(|s| s.contains(want)),
                "want {want:?} in {steps:#?}"
            );
        }
    }

    #[test]
    fn string_arrays_keep_commas_and_ignore_the_variable_from_1_16_2() {
        const SELECTOR: &str = "blocking-pod-selector";
        const SELECTOR_ENV: &str = "KURED_BLOCKING_POD_SELECTOR";
        let cases: Vec<(Container, Option<Version>, ListValue, Option<&str>)> = vec![
            (kured(&[], &[], &[]), v("1.21.0"), list(&[], Dflt), None),
            (
                kured(
                    &[],
                    &[
                        "--blocking-pod-selector=a=1,b=2",
                        "--blocking-pod-selector",
                        "c",
                    ],
                    &[],
                ),
                v("1.21.0"),
                list(&["a=1,b=2", "c"], Flag),
                None,
            ),
            (
                kured(&[], &[], &[(SELECTOR_ENV, Some("x=1"))]),
                v("1.21.0"),
                list(&[], Dflt),
                Some(SELECTOR_ENV),
            ),
            (
                kured(
                    &[],
                    &["--blocking-pod-selector=a"],
                    &[(SELECTOR_ENV, Some("x=1"))],
                ),
                None,
                list(&["a"], Flag),
                Some(SELECTOR_ENV),
            ),
            (
                kured(&[], &[], &[(SELECTOR_ENV, Some("x=1"))]),
                v("1.16.1"),
                list(&["x=1"], Env),
                None,
            ),
            (
                kured(
                    &[],
                    &["--blocking-pod-selector=a"],
                    &[(SELECTOR_ENV, Some("x=1"))],
                ),
                v("1.16.1"),
                list(&["a"], Flag),
                None,
            ),
            (
                kured(&[], &[], &[(SELECTOR_ENV, Some(""))]),
                v("1.14.0"),
                list(&[], Dflt),
                None,
            ),
        ];
        for (container, version, want, ignored) in cases {
            let mut steps = Vec::new();
            let got = read(&container, version).array(SELECTOR, &mut steps);
            assert_eq!(got.value, want, "{container:?} {version:?}: {steps:#?}");
            assert_eq!(got.ignored_env.as_deref(), ignored, "{steps:#?}");
        }
        let hidden = kured(&[], &[], &[(SELECTOR_ENV, None)]);
        let got = read(&hidden, v("1.15.0")).array(SELECTOR, &mut Vec::new());
        assert!(matches!(got.value, ListValue::Unknown { .. }), "{got:?}");
    }

    #[test]
    fn expansion_follows_kubernetes() {
        let env: EnvValues = [
            ("A".to_string(), Some("1".to_string())),
            ("U".to_string(), None),
        ]
        .into();
        let cases = [
            ("$(A)", Ok("1")),
            ("$$(A)", Ok("$(A)")),
            ("$$$(A)", Ok("$1")),
            ("$(B)", Ok("$(B)")),
            ("$(A", Ok("$(A")),
            ("a$", Ok("a$")),
            ("$x$(A)", Ok("$x1")),
            ("$(U)", Err("U")),
        ];
        for (input, want) in cases {
            let got = expand(input, &env);
            assert_eq!(got.as_deref().map_err(String::as_str), want, "{input}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(
            command in proptest::collection::vec("[-=$()a-z/ ]{0,12}", 0..3),
            args in proptest::collection::vec("[-=$()a-zé ]{0,16}", 0..8),
            env in proptest::collection::vec(("[A-Z_]{1,6}", proptest::option::of("[-=$()a-z]{0,8}")), 0..4),
            version in proptest::option::of((0u32..3, 0u32..30, 0u32..5)),
        ) {
            let command: Vec<&str> = command.iter().map(String::as_str).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, Option<&str>)> =
                env.iter().map(|(n, v)| (n.as_str(), v.as_deref())).collect();
            let version = version.map(|(a, b, c)| Version::new(a, b, c));
            if let Ok(flags) = KuredFlags::read(&kured(&command, &args, &env), version) {
                let mut steps = Vec::new();
                for flag in ["a", "ab", "drain-timeout", "reboot-days", ""] {
                    flags.value(flag, "d", &mut steps);
                    flags.list(flag, &mut steps);
                    flags.array(flag, &mut steps);
                    flags.is_given(flag);
                }
            }
        }
    }
}
