//! The plugin layer against the real Terraform, through a provider built only for tests.
//!
//! This test binary is two things: run by `cargo test` it runs the trials below; started
//! by Terraform (which sets the magic cookie) it serves the `conformance` provider. The
//! trials copy the binary itself into a filesystem mirror and drive Terraform through
//! init, validate, plan, apply, a clean re-plan, import, refresh, a state upgrade from
//! schema version 0, function calls, destroy, and errors and warnings on nested paths.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The Terraform harness is shared with the provider's own acceptance tests.
#[path = "../../../tests/support/terraform.rs"]
mod terraform;

use std::collections::BTreeMap;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use terraform::{Mirror, Workdir};
use tfplugin::api::{
    ApplyRequest, DataSource, Function, FunctionError, PlanRequest, Planned, Provider, Resource,
};
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::handshake::MAGIC_COOKIE_KEY;
use tfplugin::schema::{
    Attribute, Block, FunctionSignature, NestedBlock, Nesting, Parameter, Schema,
};
use tfplugin::types::Type;
use tfplugin::value::Value;

const ADDRESS: &str = "registry.terraform.io/test/conformance";

fn main() -> std::process::ExitCode {
    if std::env::var_os(MAGIC_COOKIE_KEY).is_some() {
        return tfplugin::serve::main(Conformance, tfplugin::serve::ServeOptions::new(ADDRESS));
    }
    let trials = vec![
        Trial::test(
            "lifecycle_plan_apply_replan_update_refresh_destroy",
            lifecycle,
        ),
        Trial::test("import_then_clean_plan", import),
        Trial::test("state_upgrade_from_schema_version_0", upgrade),
        Trial::test("errors_and_warnings_on_nested_paths", nested_diagnostics),
        Trial::test("functions_echo_variadic_and_error", functions),
        Trial::test("data_source_dynamic_and_lossless_numbers", data_source),
        Trial::test("unknown_values_at_plan_are_known_at_apply", unknowns),
        Trial::test("panic_becomes_an_error_diagnostic", panics),
    ];
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

// ---------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------

struct Conformance;

struct Configured {
    prefix: String,
}

#[tfplugin::async_trait]
impl Provider for Conformance {
    type State = Configured;

    fn type_name(&self) -> &'static str {
        "conformance"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Test provider.",
                vec![Attribute::new("prefix", Type::String, "Prefix of ids.").optional()],
            ),
        )
    }

    async fn configure(
        &self,
        config: &Value,
        _tf: &str,
        _diags: &mut Diagnostics,
    ) -> Option<Configured> {
        let prefix = config
            .get("prefix")
            .and_then(Value::as_str)
            .unwrap_or("thing")
            .to_string();
        Some(Configured { prefix })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Configured>>> {
        vec![Arc::new(Thing)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Configured>>> {
        vec![Arc::new(Echo)]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(EchoFn), Arc::new(JoinFn), Arc::new(RejectFn)]
    }
}

struct Thing;

fn thing_schema() -> Schema {
    Schema::new(
        1,
        Block::new(
            "A thing.",
            vec![
                Attribute::new("id", Type::String, "Id.").computed(),
                Attribute::new("name", Type::String, "Name.").required(),
                Attribute::new("size", Type::Number, "Size.").optional(),
                Attribute::new("echo", Type::Number, "Copy of size.").computed(),
                Attribute::new("tags", Type::map(Type::String), "Tags.").optional(),
                Attribute::new("secret", Type::String, "Secret.")
                    .optional()
                    .sensitive(),
                Attribute::new("legacy", Type::String, "Old.")
                    .optional()
                    .deprecated(),
                Attribute::new("anything", Type::Dynamic, "Any value.").optional(),
                Attribute::nested(
                    "settings",
                    Nesting::Single,
                    vec![
                        Attribute::new("enabled", Type::Bool, "On.").optional(),
                        Attribute::new("ratio", Type::Number, "Ratio.").optional(),
                    ],
                    "Settings.",
                )
                .optional(),
                Attribute::nested(
                    "rules",
                    Nesting::List,
                    vec![
                        Attribute::new("name", Type::String, "Rule name.").required(),
                        Attribute::new("ports", Type::list(Type::Number), "Ports.").optional(),
                    ],
                    "Rules.",
                )
                .optional(),
                Attribute::nested(
                    "labels",
                    Nesting::Set,
                    vec![
                        Attribute::new("key", Type::String, "Key.").required(),
                        Attribute::new("value", Type::String, "Value.").optional(),
                    ],
                    "Labels.",
                )
                .optional(),
                Attribute::nested(
                    "extras",
                    Nesting::Map,
                    vec![Attribute::new("note", Type::String, "Note.").optional()],
                    "Extras.",
                )
                .optional(),
            ],
        )
        .with_blocks(vec![NestedBlock::new(
            "item",
            Nesting::List,
            Block::new(
                "An item.",
                vec![Attribute::new("a", Type::String, "A.").optional()],
            ),
        )]),
    )
}

fn with(value: &Value, changes: &[(&str, Value)]) -> Value {
    let mut map = match value {
        Value::Object(map) => map.clone(),
        _ => BTreeMap::new(),
    };
    for (k, v) in changes {
        map.insert((*k).to_string(), v.clone());
    }
    Value::Object(map)
}

#[tfplugin::async_trait]
impl Resource<Configured> for Thing {
    fn type_name(&self) -> &'static str {
        "conformance_thing"
    }

    fn schema(&self) -> Schema {
        thing_schema()
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(rules) = config.get("rules").and_then(Value::as_list) {
            for (i, rule) in rules.iter().enumerate() {
                if rule.get("name").and_then(Value::as_str) == Some("bad") {
                    diags.error_at(
                        AttrPath::attr("rules").index(i).then("name"),
                        "rule name \"bad\" is not allowed",
                        "Choose any other name.",
                    );
                }
            }
        }
        if let Some(Value::Map(extras)) = config.get("extras") {
            if extras.contains_key("warn") {
                diags.warning_at(
                    AttrPath::attr("extras").key("warn").then("note"),
                    "extras[\"warn\"] is only a warning",
                    "Nothing stops here.",
                );
            }
        }
    }

    async fn plan(
        &self,
        _s: &Configured,
        req: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned> {
        if req.config.get("name").and_then(Value::as_str) == Some("panic") {
            panic!("the conformance provider was asked to panic");
        }
        if let Some(rules) = req.config.get("rules").and_then(Value::as_list) {
            for (i, rule) in rules.iter().enumerate() {
                for (j, port) in rule
                    .get("ports")
                    .and_then(Value::as_list)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if let Value::Number(n) = port {
                        if n.as_i64().is_none_or(|p| !(1..=65535).contains(&p)) {
                            diags.error_at(
                                AttrPath::attr("rules").index(i).then("ports").index(j),
                                format!("port {n} is out of range"),
                                "A port is a whole number from 1 to 65535.",
                            );
                        }
                    }
                }
            }
        }
        if diags.has_errors() {
            return None;
        }
        let id = match req.prior_state.get("id") {
            Some(id) if !id.is_null() => id.clone(),
            _ => Value::Unknown,
        };
        let echo = req.config.get("size").cloned().unwrap_or(Value::Null);
        Some(Planned::state(with(
            req.proposed_new_state,
            &[("id", id), ("echo", echo)],
        )))
    }

    async fn apply(
        &self,
        s: &Configured,
        req: ApplyRequest<'_>,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        let name = req
            .planned_state
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let id = match req.planned_state.get("id") {
            Some(Value::String(id)) => Value::String(id.clone()),
            _ => Value::String(format!("{}-{name}", s.prefix)),
        };
        let echo = req.config.get("size").cloned().unwrap_or(Value::Null);
        Some(with(req.planned_state, &[("id", id), ("echo", echo)]))
    }

    async fn read(
        &self,
        _s: &Configured,
        current: Value,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        Some(current)
    }

    async fn import(&self, s: &Configured, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let Some(name) = id.strip_prefix(&format!("{}-", s.prefix)) else {
            diags.error("bad import id", format!("ids look like {}-NAME", s.prefix));
            return None;
        };
        let mut state: BTreeMap<String, Value> = match thing_schema().value_type() {
            Type::Object(attrs) => attrs.into_keys().map(|k| (k, Value::Null)).collect(),
            _ => BTreeMap::new(),
        };
        state.insert("id".into(), Value::String(id.to_string()));
        state.insert("name".into(), Value::String(name.to_string()));
        Some(Value::Object(state))
    }

    fn upgrade_state(
        &self,
        version: i64,
        raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let ty = thing_schema().value_type();
        if version == 1 {
            return match tfplugin::json::decode(raw_json, &ty) {
                Ok(v) => Some(v),
                Err(err) => {
                    diags.error("stored state does not match", err.to_string());
                    None
                }
            };
        }
        let mut json: serde_json::Value = match serde_json::from_slice(raw_json) {
            Ok(json) => json,
            Err(err) => {
                diags.error("bad stored state", err.to_string());
                return None;
            }
        };
        if version == 0 {
            // Version 0 called the name "title" and had no echo.
            if let Some(map) = json.as_object_mut() {
                let title = map.remove("title").unwrap_or(serde_json::Value::Null);
                map.insert("name".into(), title);
            }
        }
        // Stored state is cty's JSON (dynamic values wrapped with their type, numbers
        // exact), so it goes through the cty-aware decoder.
        match tfplugin::json::decode(json.to_string().as_bytes(), &ty) {
            Ok(v) => Some(v),
            Err(err) => {
                diags.error("stored state does not match", err.to_string());
                None
            }
        }
    }
}

struct Echo;

#[tfplugin::async_trait]
impl DataSource<Configured> for Echo {
    fn type_name(&self) -> &'static str {
        "conformance_echo"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Echoes its input.",
                vec![
                    Attribute::new("input", Type::Dynamic, "Anything.").optional(),
                    Attribute::new("output", Type::Dynamic, "The input.").computed(),
                ],
            ),
        )
    }

    async fn read(
        &self,
        _s: &Configured,
        config: Value,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        let input = config.get("input").cloned().unwrap_or(Value::Null);
        Some(with(&config, &[("output", input)]))
    }
}

struct EchoFn;

impl Function for EchoFn {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn signature(&self) -> FunctionSignature {
        let mut value = Parameter::new("value", Type::Dynamic, "Anything.");
        value.allow_null = true;
        FunctionSignature {
            parameters: vec![value],
            variadic: None,
            return_type: Type::Dynamic,
            summary: "Returns its argument.".into(),
            description: "Returns its argument unchanged.".into(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        Ok(arguments.first().cloned().unwrap_or(Value::Null))
    }
}

struct JoinFn;

impl Function for JoinFn {
    fn name(&self) -> &'static str {
        "join"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![Parameter::new("separator", Type::String, "Separator.")],
            variadic: Some(Parameter::new("parts", Type::String, "Parts.")),
            return_type: Type::String,
            summary: "Joins strings.".into(),
            description: "Joins the parts with the separator.".into(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let sep = arguments
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default();
        let parts: Vec<&str> = arguments.iter().skip(1).filter_map(Value::as_str).collect();
        Ok(Value::String(parts.join(sep)))
    }
}

struct RejectFn;

impl Function for RejectFn {
    fn name(&self) -> &'static str {
        "reject"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![Parameter::new("reason", Type::String, "Why.")],
            variadic: None,
            return_type: Type::String,
            summary: "Always fails.".into(),
            description: "Fails with the reason, blaming its argument.".into(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let reason = arguments
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default();
        Err(FunctionError::on_argument(
            0,
            format!("rejected because {reason}"),
        ))
    }
}

// ---------------------------------------------------------------------------------------
// The trials
// ---------------------------------------------------------------------------------------

const HEADER: &str = r#"
terraform {
  required_providers {
    conformance = { source = "test/conformance" }
  }
}
provider "conformance" {
  prefix = "thing"
}
"#;

fn workdir(config: &str) -> Workdir {
    let mirror = Mirror::new();
    let exe = std::env::current_exe().expect("the test binary knows its path");
    mirror.add_provider(
        "registry.terraform.io",
        "test",
        "conformance",
        "0.0.1",
        &exe,
    );
    let dir = Workdir::new(&mirror);
    dir.write("main.tf", &format!("{HEADER}\n{config}"));
    dir.init().assert_success("terraform init from the mirror");
    dir
}

fn check(ok: bool, what: &str) -> Result<(), Failed> {
    if ok { Ok(()) } else { Err(what.into()) }
}

const THING: &str = r#"
resource "conformance_thing" "x" {
  name     = "x"
  size     = 12345678901234567890.5
  tags     = { team = "platform" }
  secret   = "hunter2"
  anything = { list = [1, "two", true], nested = { deep = [0.1] } }
  settings = { enabled = true, ratio = 0.25 }
  rules = [
    { name = "web", ports = [80, 443] },
    { name = "ssh" },
  ]
  labels = [{ key = "a", value = "1" }, { key = "b" }]
  extras = { one = { note = "n" } }
  item {
    a = "first"
  }
}
output "id" { value = conformance_thing.x.id }
output "echo_matches" { value = conformance_thing.x.echo == 12345678901234567890.5 }
output "ports" { value = conformance_thing.x.rules[0].ports }
output "deep" { value = conformance_thing.x.anything.nested.deep[0] }
"#;

fn lifecycle() -> Result<(), Failed> {
    let dir = workdir(THING);
    dir.validate().assert_success("validate");
    dir.plan()
        .assert_success("plan")
        .assert_contains("1 to add");
    dir.apply().assert_success("apply");
    let out = dir.output_json();
    check(out["id"]["value"] == "thing-x", "id is computed at apply")?;
    check(
        out["echo_matches"]["value"] == true,
        "a number beyond f64 survives the round trip",
    )?;
    check(
        out["ports"]["value"] == serde_json::json!([80, 443]),
        "nested list values",
    )?;
    check(
        out["deep"]["value"] == serde_json::json!(0.1),
        "dynamic values",
    )?;
    dir.plan_detailed()
        .assert_code(0, "a second plan shows no changes");

    dir.write(
        "main.tf",
        &format!("{HEADER}\n{}", THING.replace("platform", "infra")),
    );
    dir.plan()
        .assert_success("plan an update")
        .assert_contains("1 to change");
    dir.apply().assert_success("apply the update");
    check(
        dir.output_json()["id"]["value"] == "thing-x",
        "an update keeps the id",
    )?;
    dir.refresh().assert_success("refresh");
    dir.plan_detailed()
        .assert_code(0, "no changes after refresh");
    dir.destroy()
        .assert_success("destroy")
        .assert_contains("1 destroyed");
    Ok(())
}

fn import() -> Result<(), Failed> {
    let dir = workdir("resource \"conformance_thing\" \"x\" {\n  name = \"imported\"\n}\n");
    dir.import("conformance_thing.x", "thing-imported")
        .assert_success("import")
        .assert_contains("Import successful");
    dir.plan_detailed()
        .assert_code(0, "the imported object matches its configuration");
    dir.import("conformance_thing.y", "nope")
        .assert_failure("a bad import id");
    Ok(())
}

fn upgrade() -> Result<(), Failed> {
    let dir = workdir("resource \"conformance_thing\" \"x\" {\n  name = \"old\"\n}\n");
    let state = serde_json::json!({
        "version": 4,
        "terraform_version": "1.15.5",
        "serial": 1,
        "lineage": "8c4e0d0c-3f9e-4a44-8d6c-2d3b0d5c0001",
        "outputs": {},
        "resources": [{
            "mode": "managed",
            "type": "conformance_thing",
            "name": "x",
            "provider": "provider[\"registry.terraform.io/test/conformance\"]",
            "instances": [{"schema_version": 0, "attributes": {"id": "thing-old", "title": "old"}}]
        }]
    });
    dir.write("terraform.tfstate", &state.to_string());
    dir.plan_detailed()
        .assert_code(0, "state from schema version 0 upgrades to match");
    // A plan does not persist state whose values did not change, but a saved plan carries
    // the upgraded prior state.
    dir.run(&["plan", "-input=false", "-out=upgraded.tfplan"])
        .assert_success("save the plan");
    let shown = dir.run(&["show", "-json", "upgraded.tfplan"]);
    shown.assert_success("show the saved plan");
    let plan: serde_json::Value = serde_json::from_str(&shown.stdout)?;
    let values = &plan["prior_state"]["values"]["root_module"]["resources"][0]["values"];
    check(values["name"] == "old", "the upgrade renamed title to name")?;
    check(values.get("title").is_none(), "the old attribute is gone")?;
    Ok(())
}

fn nested_diagnostics() -> Result<(), Failed> {
    let dir = workdir(
        r#"
resource "conformance_thing" "x" {
  name  = "x"
  rules = [{ name = "ok" }, { name = "bad" }]
}
"#,
    );
    dir.validate()
        .assert_failure("validate with a bad nested value")
        .assert_contains("rule name \"bad\" is not allowed")
        .assert_contains("rules = [{ name = \"ok\" }, { name = \"bad\" }]");

    dir.write(
        "main.tf",
        &format!(
            "{HEADER}\n{}",
            r#"
resource "conformance_thing" "x" {
  name   = "x"
  extras = { warn = { note = "careful" } }
  rules = [
    { name = "a", ports = [22] },
    { name = "b", ports = [80, 70000] },
  ]
}
"#
        ),
    );
    let plan = dir.plan();
    plan.assert_failure("plan with an out-of-range port")
        .assert_contains("port 70000 is out of range")
        .assert_contains("Warning: extras[\"warn\"] is only a warning")
        .assert_contains("{ name = \"b\", ports = [80, 70000] },");
    Ok(())
}

fn functions() -> Result<(), Failed> {
    let dir = workdir(
        r#"
output "joined" { value = provider::conformance::join("-", "a", "b", "c") }
output "echoed" { value = provider::conformance::echo({ a = [1, 2.5], b = null }) }
output "null_ok" { value = provider::conformance::echo(null) == null }
"#,
    );
    dir.apply().assert_success("apply with function calls");
    let out = dir.output_json();
    check(out["joined"]["value"] == "a-b-c", "variadic function")?;
    check(
        out["echoed"]["value"]["a"] == serde_json::json!([1, 2.5]),
        "dynamic function",
    )?;
    check(out["null_ok"]["value"] == true, "null argument allowed")?;

    dir.write(
        "main.tf",
        &format!(
            "{HEADER}\noutput \"x\" {{ value = provider::conformance::reject(\"it is Monday\") }}\n"
        ),
    );
    dir.plan()
        .assert_failure("a failing function")
        .assert_contains("rejected because it is Monday");
    Ok(())
}

fn data_source() -> Result<(), Failed> {
    let dir = workdir(
        r#"
locals {
  input = { big = 123456789012345678901234567890, tiny = 0.1, list = ["x", "y"], flag = false }
}
data "conformance_echo" "e" {
  input = local.input
}
output "same" { value = data.conformance_echo.e.output == local.input }
output "big" { value = tostring(data.conformance_echo.e.output.big) }
"#,
    );
    dir.apply().assert_success("apply with a data source");
    let out = dir.output_json();
    check(out["same"]["value"] == true, "dynamic data round trip")?;
    check(
        out["big"]["value"] == "123456789012345678901234567890",
        "a 30-digit number is not rounded",
    )?;
    Ok(())
}

fn unknowns() -> Result<(), Failed> {
    let dir = workdir(
        r#"
resource "terraform_data" "later" {
  input = "late"
}
resource "conformance_thing" "x" {
  name = terraform_data.later.output
  size = length(terraform_data.later.id)
}
output "id" { value = conformance_thing.x.id }
"#,
    );
    dir.plan()
        .assert_success("plan with unknown inputs")
        .assert_contains("(known after apply)");
    dir.apply().assert_success("apply resolves them");
    check(
        dir.output_json()["id"]["value"] == "thing-late",
        "the unknown name arrived",
    )?;
    Ok(())
}

fn panics() -> Result<(), Failed> {
    let dir = workdir("resource \"conformance_thing\" \"x\" {\n  name = \"panic\"\n}\n");
    dir.plan()
        .assert_failure("a panicking plan")
        .assert_contains(
            "internal error in the provider: the conformance provider was asked to panic",
        )
        .assert_not_contains("plugin crashed");
    Ok(())
}
