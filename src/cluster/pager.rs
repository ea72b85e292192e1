//! Paged lists: `limit` and `continue`, as kubectl reads them. When the server answers
//! `410 Gone` to a continue token (the token outlived the server's compaction window),
//! the list starts again from the first page, once, as client-go's pager does; a second
//! 410 ends the read.

use kube::core::params::ListParams;
use serde::Deserialize;
use serde_json::Value;

use super::{Cluster, ClusterError, ListKind, PAGE_SIZE, Target, fill_type, invalid, transport};

/// Beyond this many pages a list is abandoned: a server that keeps handing
/// out continue tokens would otherwise keep the provider busy for ever.
const MAX_PAGES: usize = 10_000;

/// A whole list and the number of requests it took.
pub(super) struct Listed {
    pub items: Vec<Value>,
    pub pages: usize,
}

/// The parts of a list response the pager needs; items stay raw JSON.
#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    metadata: ListPageMeta,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
struct ListPageMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
}

pub(super) async fn list(
    cluster: &Cluster,
    kind: ListKind,
    namespace: Option<&str>,
    label_selector: Option<&str>,
) -> Result<Listed, ClusterError> {
    let path = kind.collection_path(namespace);
    let mut params = ListParams {
        label_selector: label_selector.map(str::to_owned),
        limit: Some(PAGE_SIZE),
        ..ListParams::default()
    };
    let mut objects = Vec::new();
    let mut restarted = false;
    let mut page = 0;
    let mut requests = 0;
    while requests < MAX_PAGES {
        page += 1;
        requests += 1;
        let target = Target {
            verb: "list",
            kind,
            namespace,
            name: None,
            page,
        };
        let connection = cluster.connection().await?;
        let request = kube::core::Request::new(&path).list(&params).map_err(|e| {
            invalid(
                &connection,
                &target,
                format!("cannot build the request: {e}"),
            )
        })?;
        let body = match transport::fetch(&connection, &request, &target, cluster.limits()).await {
            Ok(body) => body,
            Err(ClusterError::Server {
                status: 410,
                message,
                ..
            }) if params.continue_token.is_some() => {
                if restarted {
                    return Err(ClusterError::ListExpired {
                        request: target.describe(),
                        message,
                    });
                }
                tracing::info!(
                    request = %target.describe(),
                    "the list's continue token expired (410 Gone); listing again from the first page"
                );
                restarted = true;
                params.continue_token = None;
                objects.clear();
                page = 0;
                continue;
            }
            Err(e) => return Err(e),
        };
        let body: ListPage = serde_json::from_slice(&body).map_err(|e| {
            invalid(
                &connection,
                &target,
                format!("the body is not the expected JSON: {e}"),
            )
        })?;
        for mut item in body.items.unwrap_or_default() {
            fill_type(&mut item, kind).map_err(|reason| ClusterError::InvalidResponse {
                url: cluster.server_url().unwrap_or("the API server").to_owned(),
                request: target.describe(),
                reason,
            })?;
            objects.push(item);
        }
        match body.metadata.continue_token.filter(|t| !t.is_empty()) {
            None => {
                return Ok(Listed {
                    items: objects,
                    pages: requests,
                });
            }
            Some(token) if params.continue_token.as_deref() == Some(token.as_str()) => {
                return Err(ClusterError::InvalidResponse {
                    url: cluster.server_url().unwrap_or("the API server").to_owned(),
                    request: target.describe(),
                    reason: "the server repeated its continue token".into(),
                });
            }
            Some(token) => params.continue_token = Some(token),
        }
    }
    let target = Target {
        verb: "list",
        kind,
        namespace,
        name: None,
        page,
    };
    Err(ClusterError::InvalidResponse {
        url: cluster.server_url().unwrap_or("the API server").to_owned(),
        request: target.describe(),
        reason: format!("still more pages after {MAX_PAGES}"),
    })
}
