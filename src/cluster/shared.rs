//! Reads shared by everything a provider process does: the first caller that needs a
//! read sends it, every caller that needs the same read (at the same time or later)
//! gets its answer, error included. Terraform runs data sources concurrently in one
//! provider process, and thirty `kured_pdb_coverage` blocks need the same six lists; a
//! plan is a snapshot, so one answer per read is what every block should see.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use super::ClusterError;

/// The answer to one read, once it is there.
type Slot<T> = Arc<OnceCell<Result<T, ClusterError>>>;

/// One answer per key, kept for the life of the process.
pub(super) struct Shared<K, T> {
    slots: Mutex<HashMap<K, Slot<T>>>,
}

impl<K, T> Default for Shared<K, T> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

/// Whether the answer came from this caller's own read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Read,
    Reused,
}

impl<K: Hash + Eq, T: Clone> Shared<K, T> {
    /// The answer for `key`: from `read` when nobody asked before, else the answer of
    /// the read already made or under way (waiting for it).
    pub async fn get_or_read<F, Fut>(&self, key: K, read: F) -> (Result<T, ClusterError>, Origin)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ClusterError>>,
    {
        let cell = {
            // A panic while the map was held leaves it intact; carry on with it.
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(key).or_default())
        };
        let mut origin = Origin::Reused;
        let answer = cell
            .get_or_init(|| {
                origin = Origin::Read;
                read()
            })
            .await
            .clone();
        (answer, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_share_one_read_and_its_error() {
        let shared: Shared<&str, u32> = Shared::default();
        let reads = AtomicUsize::new(0);
        let read = |value: Result<u32, ClusterError>| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                value
            }
        };
        let (a, b, c) = tokio::join!(
            shared.get_or_read("pods", read(Ok(7))),
            shared.get_or_read("pods", read(Ok(8))),
            shared.get_or_read("pods", read(Ok(9))),
        );
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        let answers: Vec<u32> = [&a, &b, &c]
            .iter()
            .map(|(r, _)| *r.as_ref().expect("ok"))
            .collect();
        assert_eq!(answers, [7, 7, 7]);
        assert_eq!(
            [a.1, b.1, c.1]
                .iter()
                .filter(|o| **o == Origin::Read)
                .count(),
            1
        );

        let failing = || {
            Err(ClusterError::InvalidName {
                what: "name",
                value: "x".into(),
            })
        };
        let (first, _) = shared.get_or_read("nodes", read(failing())).await;
        let (again, origin) = shared.get_or_read("nodes", read(Ok(1))).await;
        assert!(first.is_err() && again.is_err());
        assert_eq!(origin, Origin::Reused);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
