//! The smallest useful provider: no configuration, one resource, one data source and one
//! function.
//!
//! ```text
//! cargo build --example null_provider
//! ```
//!
//! Terraform finds it in a filesystem mirror as
//! `registry.terraform.io/example/null/0.1.0/<os>_<arch>/terraform-provider-null_v0.1.0`.
//! The handshake tests of this crate serve it to the real Terraform, so it stays working,
//! and `make bench` plans `null_note` resources as the floor any provider on this crate
//! pays (`tools/bench/plan_floor.py`).

use std::process::ExitCode;
use std::sync::Arc;

use tfplugin::api::{
    ApplyRequest, DataSource, Function, FunctionError, PlanRequest, Planned, Provider, Resource,
};
use tfplugin::diag::Diagnostics;
use tfplugin::schema::{Attribute, Block, FunctionSignature, Parameter, Schema};
use tfplugin::serve::ServeOptions;
use tfplugin::types::Type;
use tfplugin::value::Value;

/// The registry address stacks use in `required_providers`.
pub const ADDRESS: &str = "registry.terraform.io/example/null";

/// A provider with nothing to configure.
pub struct NullProvider;

#[tfplugin::async_trait]
impl Provider for NullProvider {
    type State = ();

    fn type_name(&self) -> &'static str {
        "null"
    }

    fn schema(&self) -> Schema {
        Schema::new(0, Block::new("A provider that does nothing.", vec![]))
    }

    async fn configure(&self, _config: &Value, _tf: &str, _diags: &mut Diagnostics) -> Option<()> {
        Some(())
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        vec![Arc::new(Note)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
        vec![Arc::new(Greeting)]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Upper)]
    }
}

/// `resource "null_note"`: keeps `text` in state and does nothing else.
struct Note;

#[tfplugin::async_trait]
impl Resource<()> for Note {
    fn type_name(&self) -> &'static str {
        "null_note"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Keeps a note in state.",
                vec![Attribute::new("text", Type::String, "The note.").required()],
            ),
        )
    }

    async fn plan(
        &self,
        _state: &(),
        req: PlanRequest<'_>,
        _: &mut Diagnostics,
    ) -> Option<Planned> {
        Some(Planned::state(req.proposed_new_state.clone()))
    }

    async fn apply(
        &self,
        _state: &(),
        req: ApplyRequest<'_>,
        _: &mut Diagnostics,
    ) -> Option<Value> {
        Some(req.planned_state.clone())
    }
}

/// `data "null_greeting"`: greets `name`.
struct Greeting;

#[tfplugin::async_trait]
impl DataSource<()> for Greeting {
    fn type_name(&self) -> &'static str {
        "null_greeting"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Greets someone.",
                vec![
                    Attribute::new("name", Type::String, "Who to greet.").required(),
                    Attribute::new("text", Type::String, "The greeting.").computed(),
                ],
            ),
        )
    }

    async fn read(&self, _state: &(), config: Value, diags: &mut Diagnostics) -> Option<Value> {
        let Some(name) = config.get("name").and_then(Value::as_str) else {
            diags.error("name is required", "Set name to who should be greeted.");
            return None;
        };
        let text = format!("hello, {name}");
        Some(Value::object([
            ("name", Value::String(name.to_string())),
            ("text", Value::String(text)),
        ]))
    }
}

/// `provider::null::upper(text)`: the text in upper case.
struct Upper;

impl Function for Upper {
    fn name(&self) -> &'static str {
        "upper"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![Parameter::new("text", Type::String, "Any text.")],
            variadic: None,
            return_type: Type::String,
            summary: "Upper-cases text.".into(),
            description: "Returns the text in upper case.".into(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        match arguments.first().and_then(Value::as_str) {
            Some(text) => Ok(Value::String(text.to_uppercase())),
            None => Err(FunctionError::on_argument(0, "text must be a string")),
        }
    }
}

#[allow(dead_code)] // Unused where the handshake tests include this file as a module.
fn main() -> ExitCode {
    tfplugin::serve::main(NullProvider, ServeOptions::new(ADDRESS))
}
