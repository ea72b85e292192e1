//! Rendering memoized: a plan with a hundred policies on the same kured release asks for
//! the same render a hundred times, and a render (the values' YAML parsed, merged over the
//! chart's defaults) is most of what a policy costs the provider.
//!
//! [`Render`] is what the analyses take, so a caller chooses: [`Uncached`] renders every
//! time, a [`RenderCache`] renders each distinct [`ChartRequest`] once. The cache is an
//! ordinary value its owner keeps (the provider keeps one per process), not a global: two
//! owners never share entries, and a test sees only what it rendered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::render::{ChartError, ChartRequest, RenderedKured, render_kured};

/// A render's outcome, shared: a cache hands the same one to every caller.
pub type Rendered = Result<Arc<RenderedKured>, ChartError>;

/// Renders the kured container of a chart release.
pub trait Render {
    /// The container `request` renders, as [`render_kured`] would.
    fn render(&self, request: &ChartRequest) -> Rendered;
}

/// Renders every time: for one-off callers, where nothing would be asked twice.
#[derive(Clone, Copy, Debug, Default)]
pub struct Uncached;

impl Render for Uncached {
    fn render(&self, request: &ChartRequest) -> Rendered {
        render_kured(request).map(Arc::new)
    }
}

/// Renders each distinct request once and keeps the result, errors included (a render
/// depends on nothing but its request). Bounded: past `capacity` requests the least
/// recently used one is dropped, so a long-lived owner holds at most `capacity` requests
/// and their renders. Safe to share between threads; two threads that miss on the same
/// request at once both render it, rather than one waiting on the other's lock.
#[derive(Debug)]
pub struct RenderCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_request: HashMap<ChartRequest, Entry>,
    /// Counts lookups; an entry's `last_used` is the count at its last hit.
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    rendered: Rendered,
    last_used: u64,
}

impl RenderCache {
    /// Enough for every kured release of any real stack (one or two per cluster), while
    /// bounding what a provider process holds to a few megabytes at most.
    pub const DEFAULT_CAPACITY: usize = 64;

    /// A cache that keeps at most `capacity` renders (none with 0).
    pub fn new(capacity: usize) -> Self {
        RenderCache {
            capacity,
            entries: Mutex::new(Entries::default()),
        }
    }

    /// How many renders are kept.
    pub fn len(&self) -> usize {
        self.lock().by_request.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries. A thread that panicked while holding the lock left them whole (each
    /// change is one map operation), so a poisoned lock is used as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lookup(&self, request: &ChartRequest) -> Option<Rendered> {
        let mut entries = self.lock();
        entries.clock += 1;
        let now = entries.clock;
        let entry = entries.by_request.get_mut(request)?;
        entry.last_used = now;
        Some(entry.rendered.clone())
    }

    fn keep(&self, request: &ChartRequest, rendered: &Rendered) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.by_request.len() >= self.capacity && !entries.by_request.contains_key(request) {
            // A scan of at most `capacity` entries, paid only by a miss on a full cache.
            let oldest = entries
                .by_request
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(request, _)| request.clone());
            if let Some(oldest) = oldest {
                entries.by_request.remove(&oldest);
            }
        }
        let last_used = entries.clock;
        entries.by_request.insert(
            request.clone(),
            Entry {
                rendered: rendered.clone(),
                last_used,
            },
        );
    }
}

impl Default for RenderCache {
    fn default() -> Self {
        RenderCache::new(RenderCache::DEFAULT_CAPACITY)
    }
}

impl Render for RenderCache {
    fn render(&self, request: &ChartRequest) -> Rendered {
        if let Some(hit) = self.lookup(request) {
            return hit;
        }
        // Rendered outside the lock: a render takes far longer than a lookup.
        let rendered = Uncached.render(request);
        self.keep(request, &rendered);
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(values: &str) -> ChartRequest {
        ChartRequest {
            chart_version: "5.11.0".into(),
            values: vec![values.into()],
            image_tag: None,
            release_name: "kured".into(),
            namespace: "kube-system".into(),
            sets: Vec::new(),
        }
    }

    fn rendered(result: &Rendered) -> &Arc<RenderedKured> {
        result.as_ref().expect("the request renders")
    }

    #[test]
    fn a_hit_returns_the_first_render() {
        let cache = RenderCache::default();
        let req = request("configuration: {period: 2h}");
        let first = cache.render(&req);
        let second = cache.render(&req);
        assert!(Arc::ptr_eq(rendered(&first), rendered(&second)));
        assert_eq!(**rendered(&second), render_kured(&req).expect("renders"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn requests_that_differ_in_any_field_do_not_collide() {
        let base = request("configuration: {period: 2h}");
        let mut variants = vec![base.clone()];
        let mut other = base.clone();
        other.chart_version = "5.10.0".into();
        variants.push(other);
        let mut other = base.clone();
        other.values = vec!["configuration: {period: 3h}".into()];
        variants.push(other);
        // Two entries that concatenate to the same text are still another request.
        let mut other = base.clone();
        other.values = vec!["configuration: {period: 2h}".into(), String::new()];
        variants.push(other);
        let mut other = base.clone();
        other.image_tag = Some("1.16.2".into());
        variants.push(other);
        let mut other = base.clone();
        other.release_name = "reboots".into();
        variants.push(other);
        let mut other = base.clone();
        other.namespace = "ops".into();
        variants.push(other);
        let mut other = base.clone();
        other.sets = vec![crate::chart::set::SetEntry {
            attribute: crate::chart::set::SetAttribute::Set,
            index: 0,
            name: "configuration.period".into(),
            value: crate::chart::set::SetValue::Text("4h".into()),
            kind: crate::chart::set::SetType::Auto,
        }];
        variants.push(other);

        let cache = RenderCache::default();
        for req in &variants {
            cache.render(req).expect("renders");
        }
        assert_eq!(cache.len(), variants.len());
        // Asked again in the other order, each request gets its own render back.
        for req in variants.iter().rev() {
            let got = cache.render(req);
            assert_eq!(
                **rendered(&got),
                render_kured(req).expect("renders"),
                "{req:?}"
            );
        }
        assert_eq!(cache.len(), variants.len());
    }

    #[test]
    fn errors_are_kept_like_renders() {
        let cache = RenderCache::default();
        let mut req = request("");
        req.chart_version = "five".into();
        let err = render_kured(&req).expect_err("not a version");
        assert_eq!(cache.render(&req).expect_err("first"), err);
        assert_eq!(cache.render(&req).expect_err("kept"), err);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_least_recently_used_render_is_dropped_past_capacity() {
        let cache = RenderCache::new(2);
        let (a, b, c) = (request("a: 1"), request("b: 1"), request("c: 1"));
        let first_a = cache.render(&a);
        let first_b = cache.render(&b);
        cache.render(&a).expect("a again, so b is the oldest");
        cache.render(&c).expect("c pushes b out");
        assert_eq!(cache.len(), 2);
        assert!(Arc::ptr_eq(rendered(&first_a), rendered(&cache.render(&a))));
        assert!(!Arc::ptr_eq(
            rendered(&first_b),
            rendered(&cache.render(&b))
        ));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let cache = RenderCache::new(0);
        let req = request("");
        let first = cache.render(&req);
        assert!(!Arc::ptr_eq(
            rendered(&first),
            rendered(&cache.render(&req))
        ));
        assert!(cache.is_empty());
    }

    #[test]
    fn threads_share_one_cache() {
        let cache = RenderCache::default();
        let req = request("configuration: {period: 2h}");
        let want = render_kured(&req).expect("renders");
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..10 {
                        assert_eq!(**rendered(&cache.render(&req)), want);
                    }
                });
            }
        });
        assert_eq!(cache.len(), 1);
    }
}
