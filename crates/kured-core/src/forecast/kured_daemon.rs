//! kured's DaemonSet as the forecast needs it, beyond the policy's analysis: the kured
//! container, where its pods run and how to find them, from the chart (rendered through
//! the same renderer as the analysis, so a cache answers) or from a manifest.

use serde_json::Value as Json;

use crate::base::version::Version;
use crate::base::yaml::parse_documents;
use crate::chart::set::SetEntry;
use crate::chart::{self, Render};
use crate::forecast::daemons::{self, DaemonPlacement};
use crate::k8s::container::Container;
use crate::k8s::manifest;
use crate::k8s::selector::LabelSelector;
use crate::policy::{KuredInput, KuredSource};

/// kured's container, where its DaemonSet runs, and how to find its pods.
#[derive(Clone, Debug)]
pub struct KuredDaemon {
    pub container: Container,
    pub placement: DaemonPlacement,
    pub namespace: String,
    /// The DaemonSet's pod selector, when a manifest gives one.
    pub selector: Option<LabelSelector>,
}

/// Describes kured's DaemonSet from `input`. `modelled_chart` is the chart version the
/// analysis modelled. An `Err` says, in a sentence, what cannot be read.
pub fn describe(
    input: &KuredInput,
    modelled_chart: Option<Version>,
    renderer: &dyn Render,
) -> Result<KuredDaemon, String> {
    let (template, placement, namespace, selector) = match &input.source {
        KuredSource::Chart { values, sets, .. } => {
            // `Some` for every chart install.
            let request = input.source.chart_request().unwrap_or_default();
            let rendered = renderer.render(&request).map_err(|e| e.to_string())?;
            let version = modelled_chart.unwrap_or(rendered.modelled_as);
            let scheduling = daemons::chart_scheduling(version, &scheduling_values(values, sets))?;
            (
                rendered.template.clone(),
                DaemonPlacement::Rules(scheduling),
                request.namespace,
                None,
            )
        }
        KuredSource::Manifest { text } => {
            let parsed = manifest::parse_daemonset(text).map_err(|e| e.to_string())?;
            let placement = DaemonPlacement::Rules(daemons::manifest_scheduling(text)?);
            let (namespace, selector) = daemonset_identity(text);
            let namespace = parsed.namespace.clone().unwrap_or(namespace);
            (parsed.template, placement, namespace, selector)
        }
    };
    let container = template
        .container(&input.container)
        .cloned()
        .ok_or_else(|| format!("no container {:?} in kured's pod template", input.container))?;
    Ok(KuredDaemon {
        container,
        placement,
        namespace,
        selector,
    })
}

/// A DaemonSet manifest's namespace (`kube-system` when unset) and pod selector.
pub fn daemonset_identity(text: &str) -> (String, Option<LabelSelector>) {
    let json: Json = serde_json::from_str(text)
        .ok()
        .or_else(|| parse_documents(text).ok()?.into_iter().next())
        .unwrap_or_default();
    let namespace = json
        .pointer("/metadata/namespace")
        .and_then(Json::as_str)
        .unwrap_or("kube-system")
        .to_string();
    let selector = json
        .pointer("/spec/selector")
        .and_then(|s| LabelSelector::from_json(s).ok())
        .filter(|s| !s.is_empty());
    (namespace, selector)
}

/// The values documents that decide where kured's pods run: the `values` entries as they
/// are, or, with `set` entries (which may set `nodeSelector.role` or `tolerations[0]`),
/// the user's values after them as one document. Rendering has already refused entries
/// that do not apply.
fn scheduling_values(values: &[String], sets: &[SetEntry]) -> Vec<String> {
    if sets.is_empty() {
        return values.to_vec();
    }
    let mut provenance = Default::default();
    match chart::values::user_values(values, sets, &mut provenance) {
        Ok(user) => vec![Json::Object(user).to_string()],
        Err(_) => values.to_vec(),
    }
}
