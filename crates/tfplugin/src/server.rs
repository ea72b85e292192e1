//! The tfplugin6 `Provider` service: decodes each request against the schema it concerns,
//! calls the provider's resources, data sources and functions, and encodes the answer.
//!
//! Every handler runs in its own task so that a panic inside provider code becomes an
//! error diagnostic instead of a dead plugin (Terraform would report "plugin crashed" and
//! lose the reason).
//!
//! The runtime has one thread (`serve`), which also drives every connection: a provider
//! process lives for a few RPCs, and worker threads cost more to start than its requests
//! take. Data source reads, which may compute for long (a manifest of hundreds of
//! megabytes, a list of 20,000 pods), run on the blocking pool instead, so the requests
//! Terraform sends meanwhile are still answered.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use tonic::{Request, Response, Status};

use super::api::{ApplyRequest, DataSource, Function, PlanRequest, Provider, Resource};
use super::convert;
use super::diag::Diagnostics;
use super::proto::tfplugin6 as pb;
use super::schema::{FunctionSignature, Schema};
use super::types::Type;
use super::value::Value;

/// A registered item with its schema and the value type derived from it, computed once.
struct Entry<T: ?Sized> {
    item: Arc<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Entry<T> {
    fn new(item: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Entry { item, schema, ty }
    }
}

struct Inner<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: HashMap<String, Entry<dyn Resource<P::State>>>,
    data_sources: HashMap<String, Entry<dyn DataSource<P::State>>>,
    functions: HashMap<String, (Arc<dyn Function>, FunctionSignature)>,
    state: RwLock<Option<Arc<P::State>>>,
}

/// The provider service over a [`Provider`].
pub struct ProviderService<P: Provider> {
    inner: Arc<Inner<P>>,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.value_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                (r.type_name().to_string(), Entry::new(r, schema))
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                (d.type_name().to_string(), Entry::new(d, schema))
            })
            .collect();
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| {
                let sig = f.signature();
                (f.name().to_string(), (f, sig))
            })
            .collect();
        ProviderService {
            inner: Arc::new(Inner {
                provider,
                provider_schema,
                provider_type,
                resources,
                data_sources,
                functions,
                state: RwLock::new(None),
            }),
        }
    }

    /// Runs a handler in its own task on the runtime's thread and turns a panic into
    /// `on_panic(message)`.
    async fn guarded<T, F, Fut>(
        &self,
        handler: F,
        on_panic: fn(Diagnostics) -> T,
    ) -> Result<Response<T>, Status>
    where
        F: FnOnce(Arc<Inner<P>>) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.guarded_on(Lane::Runtime, handler, on_panic).await
    }

    /// [`Self::guarded`] on the given lane.
    async fn guarded_on<T, F, Fut>(
        &self,
        lane: Lane,
        handler: F,
        on_panic: fn(Diagnostics) -> T,
    ) -> Result<Response<T>, Status>
    where
        F: FnOnce(Arc<Inner<P>>) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = handler(self.inner.clone());
        let joined = match lane {
            Lane::Runtime => tokio::spawn(task).await,
            Lane::Pool => {
                // The runtime's thread keeps driving I/O and timers for the handler.
                let runtime = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || runtime.block_on(task)).await
            }
        };
        match joined {
            Ok(answer) => Ok(Response::new(answer)),
            Err(err) => {
                let message = if err.is_panic() {
                    panic_message(err.into_panic())
                } else {
                    "the request was cancelled".to_string()
                };
                let mut diags = Diagnostics::new();
                diags.error(
                    format!("internal error in the provider: {message}"),
                    format!(
                        "This is a bug in terraform-provider-{}; please report it with the configuration that triggered it.",
                        self.inner.provider.type_name()
                    ),
                );
                Ok(Response::new(on_panic(diags)))
            }
        }
    }
}

/// Where a handler runs.
#[derive(Clone, Copy, Debug)]
enum Lane {
    /// A task on the runtime's one thread: requests that finish in microseconds.
    Runtime,
    /// A thread of the blocking pool, started on first use and kept for the next: reads
    /// that may compute for long.
    Pool,
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

impl<P: Provider> Inner<P> {
    fn configured(&self, diags: &mut Diagnostics) -> Option<Arc<P::State>> {
        let state = self.state.read().ok().and_then(|s| s.clone());
        if state.is_none() {
            diags.error(
                "provider not configured",
                "Terraform asked for work before configuring the provider; this should not happen.",
            );
        }
        state
    }

    fn resource(
        &self,
        name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&Entry<dyn Resource<P::State>>> {
        let entry = self.resources.get(name);
        if entry.is_none() {
            diags.error(
                format!("unknown resource type {name:?}"),
                known(self.resources.keys()),
            );
        }
        entry
    }

    fn data_source(
        &self,
        name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&Entry<dyn DataSource<P::State>>> {
        let entry = self.data_sources.get(name);
        if entry.is_none() {
            diags.error(
                format!("unknown data source {name:?}"),
                known(self.data_sources.keys()),
            );
        }
        entry
    }
}

fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let mut names: Vec<&str> = names.map(String::as_str).collect();
    names.sort_unstable();
    format!("This provider serves: {}.", names.join(", "))
}

/// Decodes a value or records why it could not be.
fn decode(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    match convert::decode(dv, ty) {
        Ok(v) => Some(v),
        Err(err) => {
            diags.error(
                format!("could not decode the {what} Terraform sent"),
                err.to_string(),
            );
            None
        }
    }
}

fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match convert::encode(value, ty) {
        Ok(v) => Some(v),
        Err(err) => {
            diags.error(
                format!("internal error in the provider: the {what} does not match its schema"),
                err.to_string(),
            );
            None
        }
    }
}

macro_rules! diagnostics_only {
    ($ty:ty) => {
        |d: Diagnostics| -> $ty { <$ty>::default().with_diagnostics(&d) }
    };
}

/// Responses that carry diagnostics.
trait WithDiagnostics: Sized {
    fn with_diagnostics(self, diags: &Diagnostics) -> Self;
}

macro_rules! with_diagnostics {
    ($($ty:ty),* $(,)?) => {$(
        impl WithDiagnostics for $ty {
            fn with_diagnostics(mut self, diags: &Diagnostics) -> Self {
                self.diagnostics.extend(convert::diagnostics(diags));
                self
            }
        }
    )*};
}

with_diagnostics!(
    pb::get_metadata::Response,
    pb::get_provider_schema::Response,
    pb::validate_provider_config::Response,
    pb::configure_provider::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::read_data_source::Response,
    pb::get_functions::Response,
    pb::get_resource_identity_schemas::Response,
);

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let inner = &self.inner;
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: inner
                .resources
                .keys()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            data_sources: inner
                .data_sources
                .keys()
                .map(|name| pb::get_metadata::DataSourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            functions: inner
                .functions
                .keys()
                .map(|name| pb::get_metadata::FunctionMetadata { name: name.clone() })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let inner = &self.inner;
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(convert::schema(&inner.provider_schema)),
            resource_schemas: inner
                .resources
                .iter()
                .map(|(name, e)| (name.clone(), convert::schema(&e.schema)))
                .collect(),
            data_source_schemas: inner
                .data_sources
                .iter()
                .map(|(name, e)| (name.clone(), convert::schema(&e.schema)))
                .collect(),
            functions: function_map(&inner.functions),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        // No resource of this provider has an identity; an empty answer says so.
        Ok(Response::new(
            pb::get_resource_identity_schemas::Response::default(),
        ))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                if let Some(config) = decode(
                    req.config.as_ref(),
                    &inner.provider_type,
                    "provider configuration",
                    &mut diags,
                ) {
                    inner.provider.validate(&config, &mut diags);
                }
                pb::validate_provider_config::Response::default().with_diagnostics(&diags)
            },
            diagnostics_only!(pb::validate_provider_config::Response),
        )
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                if let Some(config) = decode(
                    req.config.as_ref(),
                    &inner.provider_type,
                    "provider configuration",
                    &mut diags,
                ) {
                    if let Some(state) = inner
                        .provider
                        .configure(&config, &req.terraform_version, &mut diags)
                        .await
                    {
                        if let Ok(mut slot) = inner.state.write() {
                            *slot = Some(Arc::new(state));
                        }
                    }
                }
                pb::configure_provider::Response::default().with_diagnostics(&diags)
            },
            diagnostics_only!(pb::configure_provider::Response),
        )
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                if let Some(entry) = inner.resource(&req.type_name, &mut diags) {
                    if let Some(config) =
                        decode(req.config.as_ref(), &entry.ty, "configuration", &mut diags)
                    {
                        entry.item.validate(&config, &mut diags).await;
                    }
                }
                pb::validate_resource_config::Response::default().with_diagnostics(&diags)
            },
            diagnostics_only!(pb::validate_resource_config::Response),
        )
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                if let Some(entry) = inner.data_source(&req.type_name, &mut diags) {
                    if let Some(config) =
                        decode(req.config.as_ref(), &entry.ty, "configuration", &mut diags)
                    {
                        entry.item.validate(&config, &mut diags).await;
                    }
                }
                pb::validate_data_resource_config::Response::default().with_diagnostics(&diags)
            },
            diagnostics_only!(pb::validate_data_resource_config::Response),
        )
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                let mut answer = pb::upgrade_resource_state::Response::default();
                if let Some(entry) = inner.resource(&req.type_name, &mut diags) {
                    let raw = req.raw_state.unwrap_or_default();
                    if raw.json.is_empty() && !raw.flatmap.is_empty() {
                        diags.error(
                            "stored state is in the legacy flatmap format",
                            "This provider reads JSON state only; remove the resource from state and apply again.",
                        );
                    } else if let Some(value) = entry.item.upgrade_state(req.version, &raw.json, &mut diags) {
                        answer.upgraded_state = encode(&value, &entry.ty, "upgraded state", &mut diags);
                    }
                }
                answer.with_diagnostics(&diags)
            },
            diagnostics_only!(pb::upgrade_resource_state::Response),
        )
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                let mut answer = pb::read_resource::Response {
                    private: req.private.clone(),
                    ..Default::default()
                };
                if let (Some(entry), Some(state)) = (
                    inner.resource(&req.type_name, &mut diags),
                    inner.configured(&mut diags),
                ) {
                    if let Some(current) = decode(
                        req.current_state.as_ref(),
                        &entry.ty,
                        "stored state",
                        &mut diags,
                    ) {
                        if let Some(new_state) = entry.item.read(&state, current, &mut diags).await
                        {
                            answer.new_state =
                                encode(&new_state, &entry.ty, "refreshed state", &mut diags);
                        }
                    }
                }
                answer.with_diagnostics(&diags)
            },
            diagnostics_only!(pb::read_resource::Response),
        )
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                let mut answer = pb::plan_resource_change::Response::default();
                let Some(entry) = inner.resource(&req.type_name, &mut diags) else {
                    return answer.with_diagnostics(&diags);
                };
                let ty = &entry.ty;
                let decoded = (
                    decode(req.prior_state.as_ref(), ty, "prior state", &mut diags),
                    decode(
                        req.proposed_new_state.as_ref(),
                        ty,
                        "proposed state",
                        &mut diags,
                    ),
                    decode(req.config.as_ref(), ty, "configuration", &mut diags),
                );
                let (Some(prior), Some(proposed), Some(config)) = decoded else {
                    return answer.with_diagnostics(&diags);
                };
                if proposed.is_null() {
                    // A destroy: nothing to decide.
                    answer.planned_state = req.proposed_new_state;
                    return answer.with_diagnostics(&diags);
                }
                let Some(state) = inner.configured(&mut diags) else {
                    return answer.with_diagnostics(&diags);
                };
                let plan = PlanRequest {
                    prior_state: &prior,
                    proposed_new_state: &proposed,
                    config: &config,
                    prior_private: &req.prior_private,
                };
                if let Some(planned) = entry.item.plan(&state, plan, &mut diags).await {
                    answer.planned_state =
                        encode(&planned.planned_state, ty, "planned state", &mut diags);
                    answer.requires_replace = planned
                        .requires_replace
                        .iter()
                        .map(convert::attribute_path)
                        .collect();
                    answer.planned_private = planned.planned_private;
                }
                answer.with_diagnostics(&diags)
            },
            diagnostics_only!(pb::plan_resource_change::Response),
        )
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                let mut answer = pb::apply_resource_change::Response::default();
                let (Some(entry), Some(state)) = (
                    inner.resource(&req.type_name, &mut diags),
                    inner.configured(&mut diags),
                ) else {
                    return answer.with_diagnostics(&diags);
                };
                let ty = &entry.ty;
                let decoded = (
                    decode(req.prior_state.as_ref(), ty, "prior state", &mut diags),
                    decode(req.planned_state.as_ref(), ty, "planned state", &mut diags),
                    decode(req.config.as_ref(), ty, "configuration", &mut diags),
                );
                let (Some(prior), Some(planned), Some(config)) = decoded else {
                    return answer.with_diagnostics(&diags);
                };
                if planned.is_null() {
                    entry.item.delete(&state, &prior, &mut diags).await;
                    answer.new_state = req.planned_state;
                    return answer.with_diagnostics(&diags);
                }
                let apply = ApplyRequest {
                    prior_state: &prior,
                    planned_state: &planned,
                    config: &config,
                    planned_private: &req.planned_private,
                };
                if let Some(new_state) = entry.item.apply(&state, apply, &mut diags).await {
                    if !diags.has_errors() {
                        answer.new_state = encode(&new_state, ty, "new state", &mut diags);
                        answer.private = req.planned_private;
                    }
                }
                answer.with_diagnostics(&diags)
            },
            diagnostics_only!(pb::apply_resource_change::Response),
        )
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move {
                let mut diags = Diagnostics::new();
                let mut answer = pb::import_resource_state::Response::default();
                if let (Some(entry), Some(state)) = (
                    inner.resource(&req.type_name, &mut diags),
                    inner.configured(&mut diags),
                ) {
                    if let Some(value) = entry.item.import(&state, &req.id, &mut diags).await {
                        if let Some(encoded) =
                            encode(&value, &entry.ty, "imported state", &mut diags)
                        {
                            answer.imported_resources.push(
                                pb::import_resource_state::ImportedResource {
                                    type_name: req.type_name.clone(),
                                    state: Some(encoded),
                                    ..Default::default()
                                },
                            );
                        }
                    }
                }
                answer.with_diagnostics(&diags)
            },
            diagnostics_only!(pb::import_resource_state::Response),
        )
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let mut req = request.into_inner();
        self.guarded_on(
            Lane::Pool,
            |inner| async move {
                let mut diags = Diagnostics::new();
                let mut answer = pb::read_data_source::Response::default();
                let (Some(entry), Some(state)) = (inner.data_source(&req.type_name, &mut diags), inner.configured(&mut diags)) else {
                    return answer.with_diagnostics(&diags);
                };
                // The encoded configuration goes once decoded: a manifest argument can be
                // hundreds of megabytes, and the read's peak memory is what it holds.
                let encoded = req.config.take();
                let config = decode(encoded.as_ref(), &entry.ty, "configuration", &mut diags);
                drop(encoded);
                if let Some(config) = config {
                    if !config.is_wholly_known() {
                        diags.error(
                            "data source read with unknown configuration",
                            "Terraform reads a data source only once its arguments are known; this should not happen.",
                        );
                    } else if let Some(value) = entry.item.read(&state, config, &mut diags).await {
                        if !diags.has_errors() {
                            answer.state = encode(&value, &entry.ty, "data source result", &mut diags);
                        }
                    }
                }
                answer.with_diagnostics(&diags)
            },
            diagnostics_only!(pb::read_data_source::Response),
        )
        .await
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response {
            functions: function_map(&self.inner.functions),
            ..Default::default()
        }))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = request.into_inner();
        self.guarded(
            |inner| async move { call_function(&inner.functions, req) },
            |diags| pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: diags
                        .iter()
                        .map(|d| d.summary.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    function_argument: None,
                }),
            },
        )
        .await
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        // Every request is bounded by its own timeout; there is nothing long-running to stop.
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        ..Default::default()
    }
}

fn function_map(
    functions: &HashMap<String, (Arc<dyn Function>, FunctionSignature)>,
) -> HashMap<String, pb::Function> {
    functions
        .iter()
        .map(|(name, (_, sig))| (name.clone(), convert::function(sig)))
        .collect()
}

fn call_function(
    functions: &HashMap<String, (Arc<dyn Function>, FunctionSignature)>,
    req: pb::call_function::Request,
) -> pb::call_function::Response {
    let fail = |text: String, argument: Option<usize>| pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text,
            function_argument: argument.and_then(|a| i64::try_from(a).ok()),
        }),
    };
    let Some((function, sig)) = functions.get(&req.name) else {
        return fail(
            format!("this provider has no function {:?}", req.name),
            None,
        );
    };
    let mut arguments = Vec::with_capacity(req.arguments.len());
    for (index, dv) in req.arguments.iter().enumerate() {
        let param = sig.parameters.get(index).or(sig.variadic.as_ref());
        let Some(param) = param else {
            return fail(
                format!(
                    "{} takes {} arguments, got {}",
                    req.name,
                    sig.parameters.len(),
                    req.arguments.len()
                ),
                None,
            );
        };
        match convert::decode(Some(dv), &param.ty) {
            Ok(value) => arguments.push(value),
            Err(err) => return fail(format!("argument {:?}: {err}", param.name), Some(index)),
        }
    }
    match function.call(&arguments) {
        Ok(value) => match convert::encode(&value, &sig.return_type) {
            Ok(result) => pb::call_function::Response {
                result: Some(result),
                error: None,
            },
            Err(err) => fail(
                format!("internal error in the provider: result does not match its type: {err}"),
                None,
            ),
        },
        Err(err) => fail(err.text, err.argument),
    }
}
