//! The small API the provider's adapters implement: one trait each for the provider,
//! resources, data sources and functions.
//!
//! Values arrive decoded against the schema's type; Terraform's null and unknown are
//! explicit in [`Value`]. Each request collects [`Diagnostics`]; an error among them stops
//! Terraform, a warning is shown and the run goes on.

use std::sync::Arc;

use super::diag::{AttrPath, Diagnostics};
use super::schema::{FunctionSignature, Schema};
use super::value::Value;

/// The provider itself: its configuration and what it serves.
#[tonic::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `ConfigureProvider` produces and every resource and data source receives.
    type State: Send + Sync + 'static;

    /// The provider's type name, e.g. `kured`.
    fn type_name(&self) -> &'static str;

    /// The schema of the `provider` block.
    fn schema(&self) -> Schema;

    /// Checks the provider block; values may still be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Builds the state handed to resources and data sources. Returning `None` requires an
    /// error in `diags`.
    async fn configure(
        &self,
        config: &Value,
        terraform_version: &str,
        diags: &mut Diagnostics,
    ) -> Option<Self::State>;

    /// The managed resource types the provider serves.
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::State>>>;

    /// The data source types the provider serves.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::State>>>;

    /// The functions the provider serves (Terraform 1.8 and newer).
    fn functions(&self) -> Vec<Arc<dyn Function>>;
}

/// What `plan` receives. `prior_state` is null for a create.
pub struct PlanRequest<'a> {
    /// The stored state; null for a create.
    pub prior_state: &'a Value,
    /// What Terraform proposes: the configuration laid over the prior state.
    pub proposed_new_state: &'a Value,
    /// The configuration as written, with unknowns where values are not known yet.
    pub config: &'a Value,
    /// Private bytes stored with the prior state.
    pub prior_private: &'a [u8],
}

/// What `plan` answers.
pub struct Planned {
    /// The state Terraform shows in the plan; unknown where apply decides.
    pub planned_state: Value,
    /// Attributes whose change forces a replacement.
    pub requires_replace: Vec<AttrPath>,
    /// Private bytes handed to apply.
    pub planned_private: Vec<u8>,
}

impl Planned {
    /// An in-place plan with no replacement and no private data.
    pub fn state(planned_state: Value) -> Self {
        Planned {
            planned_state,
            requires_replace: Vec::new(),
            planned_private: Vec::new(),
        }
    }
}

/// What `apply` receives. `prior_state` is null for a create.
pub struct ApplyRequest<'a> {
    /// The stored state; null for a create.
    pub prior_state: &'a Value,
    /// The state the plan promised.
    pub planned_state: &'a Value,
    /// The configuration as written.
    pub config: &'a Value,
    /// Private bytes from the plan.
    pub planned_private: &'a [u8],
}

/// A managed resource type. Destroy plans and applies are answered by the server itself
/// unless `delete` is overridden; none of this provider's resources own remote objects.
#[tonic::async_trait]
pub trait Resource<S>: Send + Sync {
    /// The full type name, e.g. `kured_gated_reboot_policy`.
    fn type_name(&self) -> &'static str;

    /// The resource's schema.
    fn schema(&self) -> Schema;

    /// Checks the configuration; values may still be unknown.
    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Plans a change. Returning `None` requires an error in `diags`.
    async fn plan(
        &self,
        state: &S,
        req: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned>;

    /// Produces the new state. Any error diagnostic means nothing is stored.
    async fn apply(
        &self,
        state: &S,
        req: ApplyRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Value>;

    /// Refreshes the stored state; by default the state is kept as it is.
    async fn read(&self, _state: &S, current: Value, _diags: &mut Diagnostics) -> Option<Value> {
        Some(current)
    }

    /// Removes the object; by default there is nothing outside Terraform to remove.
    async fn delete(&self, _state: &S, _prior: &Value, _diags: &mut Diagnostics) {}

    /// Imports an object by id.
    async fn import(&self, _state: &S, _id: &str, diags: &mut Diagnostics) -> Option<Value> {
        diags.error(
            format!("{} cannot be imported", self.type_name()),
            "This resource does not support import; declare it in configuration instead.",
        );
        None
    }

    /// Turns stored state written by an older schema version into the current shape. The
    /// JSON is the raw stored state; by default only the current version is accepted.
    fn upgrade_state(
        &self,
        version: i64,
        raw_json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let schema = self.schema();
        if version != schema.version {
            diags.error(
                format!("cannot upgrade {} state from schema version {version}", self.type_name()),
                format!(
                    "This provider knows schema version {} only. Remove the resource from state and apply again.",
                    schema.version
                ),
            );
            return None;
        }
        match super::json::decode(raw_json, &schema.value_type()) {
            Ok(value) => Some(value),
            Err(err) => {
                diags.error("stored state does not match the schema", err.to_string());
                None
            }
        }
    }
}

/// A data source type.
#[tonic::async_trait]
pub trait DataSource<S>: Send + Sync {
    /// The full type name, e.g. `kured_sentinel_paths`.
    fn type_name(&self) -> &'static str;

    /// The data source's schema.
    fn schema(&self) -> Schema;

    /// Checks the configuration; values may still be unknown.
    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Reads the data. The configuration is wholly known here. It is handed over so the
    /// result can take its attributes without copying them: a manifest argument can be
    /// hundreds of megabytes.
    async fn read(&self, state: &S, config: Value, diags: &mut Diagnostics) -> Option<Value>;
}

/// Why a function call failed: a message and, when one argument is at fault, its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    /// What went wrong, shown by Terraform.
    pub text: String,
    /// The index of the argument at fault, if one is.
    pub argument: Option<usize>,
}

impl FunctionError {
    /// An error on argument `argument` (0-based).
    pub fn on_argument(argument: usize, text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: Some(argument),
        }
    }
}

/// A provider function, callable as `provider::<name>::<function>(...)`. Terraform calls
/// functions without configuring the provider, so they get no provider state.
pub trait Function: Send + Sync {
    /// The name configurations call it by: `provider::<provider>::<name>`.
    fn name(&self) -> &'static str;

    /// Its parameters, return type and descriptions.
    fn signature(&self) -> FunctionSignature;

    /// Runs the function on known arguments (and null or unknown ones where the signature allows).
    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError>;
}
