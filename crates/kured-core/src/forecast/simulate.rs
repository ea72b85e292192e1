//! One complete rollout, every node needing a reboot, run the way kured's loop runs it
//! (cmd/kured/main.go `rebootAsRequired`, the lock in pkg/daemonsetlock):
//!
//! - every kured pod looks once per `--period`, here all on one grid of ticks from the
//!   window's opening; a look outside the window does nothing;
//! - blockers first (a `--blocking-pod-selector` pod on the node), then the lock: at most
//!   `--concurrency` holders, an entry older than `--lock-ttl` may be taken over;
//! - the drain cordons the node and evicts its pods in parallel against the budgets
//!   ([`super::drain`]); each evicted replica is recreated and scheduled
//!   ([`super::schedule`]) and turns healthy `pod_ready` later, which gives its budget an
//!   allowance back and lets a refused eviction through;
//! - a drain that has not finished at `--drain-timeout` fails: kured releases the lock,
//!   uncordons and tries again at its next look (at once when a look fell due during
//!   the drain, as Go's ticker keeps one tick); with `--force-reboot` it reboots anyway;
//!   with no timeout it waits for ever, cordoned, holding the lock;
//! - a reboot takes `node_reboot`; kured's new pod then uncordons the node and releases
//!   the lock about a minute later (its start-up check), unless the lock expired meanwhile,
//!   in which case the node stays cordoned.
//!
//! Nodes take the lock in turn: among those looking at the same tick, the one whose last
//! attempt is oldest goes first, standing in for kured pods' random phases. The rollout
//! ends when every node is done or nothing can change any more.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use crate::base::duration::GoDuration;
use crate::base::text::FxBuildHasher;
use crate::forecast::budgets::Budgets;
use crate::forecast::cluster::{ClusterObjects, Node};
use crate::forecast::drain::{Drain, Drainable, Verdict, verdict};
use crate::forecast::openings::Openings;
use crate::forecast::outcome::{NodeForecast, Outcome, reason};
use crate::forecast::schedule::{Fleet, PodRef};
use crate::forecast::settings::Settings;

type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

/// kured's start-up check after a reboot comes 30 to 90 s after it starts: taken as 1 min.
pub const KURED_STARTUP: GoDuration = GoDuration::from_nanos(60_000_000_000);
/// Failed attempts after which a node is taken as never succeeding.
const MAX_FAILURES: u32 = 12;
/// Bounds on the work of one forecast, so a pathological input cannot hang a plan.
const MAX_EVENTS: u64 = 20_000_000;
/// 100 years of rollout time.
const MAX_TIME: i64 = 100 * 365 * 86_400 * 1_000_000_000;
/// Lines of step log kept.
const MAX_STEPS: usize = 20_000;

/// What a rollout is run over.
pub struct Input<'a> {
    /// Pods, workloads, budgets, and the pods' scheduling.
    pub objects: &'a ClusterObjects,
    /// The nodes that take part, in any order.
    pub nodes: &'a [Node],
    /// kured's settings.
    pub settings: &'a Settings,
    /// Nodes kured never acts on, with their outcome (`no-kured`, `ungated`) and why.
    pub ineligible: &'a BTreeMap<String, (Outcome, String)>,
    /// The budgets (from the coverage report of `objects.inventory`), exemptions marked.
    pub budgets: Budgets,
    /// From the reboot command until the node is Ready again.
    pub node_reboot: GoDuration,
    /// From a replica's creation until it is Ready.
    pub pod_ready: GoDuration,
    /// Whether to keep a step log.
    pub trace: bool,
}

/// What the rollout did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollout {
    /// Per node, sorted by name.
    pub nodes: Vec<NodeForecast>,
    /// Whether every node rebooted.
    pub completes: bool,
    /// How many window openings the rollout used, when it completes.
    pub windows_needed: Option<u32>,
    /// Time the window was open or a node was draining or rebooting, until the last node
    /// that reboots is back.
    pub working_time: GoDuration,
    /// Wall-clock time from the first opening until the last node that reboots is back.
    pub elapsed: GoDuration,
    /// The simulation, step by step (empty unless asked for).
    pub steps: Vec<String>,
    /// Why the simulation stopped before everything settled, if it did.
    pub stopped_early: Option<String>,
    /// Node names pods run on that are not part of the rollout.
    pub unknown_nodes: BTreeSet<String>,
    /// How many events the simulation went through (looks, evictions, pods gone and
    /// ready, reboots), for the benchmark.
    pub events: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Tick,
    /// kured's loop reads a tick that fell due while it was draining.
    Pass(u32),
    Deadline(u32, u32),
    /// Evicted pods whose grace period ends now (a batch of pod, generation).
    Gone(u32),
    /// Started pods that turn Ready now (a batch).
    Ready(u32),
    RebootStart(u32, u32),
    NodeBack(u32),
    LockExpiry,
}

impl Ev {
    /// Events that change the cluster; the others only look at it.
    fn progresses(self) -> bool {
        !matches!(self, Ev::Tick | Ev::Pass(_) | Ev::Deadline(..))
    }
}

/// Which batched per-pod event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Gone,
    Ready,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PodPhase {
    Running,
    Starting,
    Terminating,
    Pending,
    /// Evicted and not recreated (no controller).
    Gone,
    /// Not part of the rollout: finished, already terminating, or on an unknown node.
    Outside,
}

struct PodLive {
    phase: PodPhase,
    ready: bool,
    /// Bumped on every change, so stale events are ignored.
    generation: u32,
    drainable: Drainable,
    recreated: bool,
    waiting: bool,
    /// The eviction API deletes it without asking budgets (its phase is Pending).
    bypass: bool,
    evicted_from: Option<u32>,
    pending_why: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodePhase {
    Ineligible,
    Idle,
    Draining,
    Rebooting,
    Done,
}

/// What held a drain up, kept as ids and numbers and put into words only for the
/// result (or the step log), since a rollout may fail thousands of drains.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Failure {
    /// Refused pods, each with its budget and that budget's healthy count then.
    refused: Vec<(u32, u32, u64)>,
    /// Pods the API refuses for being under several budgets.
    several: Vec<u32>,
    /// Evicted pods still terminating.
    terminating: usize,
}

impl Failure {
    /// The budgets (with their healthy counts) and pods behind it, to tell whether two
    /// attempts a period or more apart failed alike: replicas that were on the move have
    /// settled by then, so the same shortfall twice is there to stay.
    fn signature(&self) -> (Vec<(u32, u64)>, Vec<u32>) {
        let mut budgets: Vec<(u32, u64)> = self.refused.iter().map(|r| (r.1, r.2)).collect();
        budgets.sort_unstable();
        budgets.dedup();
        let mut pods = self.several.clone();
        pods.sort_unstable();
        (budgets, pods)
    }
}

struct NodeLive {
    phase: NodePhase,
    attempt: u32,
    failures: u32,
    last_start: i64,
    drain: Drain,
    last_eviction: i64,
    last_failure: Option<Failure>,
    settled: bool,
    blocked: Option<(u32, usize)>,
    denied: bool,
    /// Rebooted by --force-reboot: what held the drain up, and how the drain ended.
    forced: Option<(Failure, String)>,
    waited: i64,
    started_in_window: u32,
    back_at: Option<i64>,
    stays_cordoned: bool,
}

struct LockEntry {
    node: u32,
    acquired: i64,
    was_cordoned: bool,
}

struct Sim<'a> {
    input: &'a Input<'a>,
    settings: &'a Settings,
    openings: Openings,
    now: i64,
    seq: u64,
    queue: BinaryHeap<Reverse<(i64, u64, Ev)>>,
    progress_pending: usize,
    events: u64,
    fleet: Fleet<'a>,
    pods: Vec<PodLive>,
    budgets: Budgets,
    waiters: Vec<Vec<u32>>,
    pending: Vec<u32>,
    nodes: Vec<NodeLive>,
    order: BTreeSet<(i64, u32)>,
    lock: Vec<LockEntry>,
    busy: Vec<(i64, i64)>,
    steps: Vec<String>,
    next_tick: i64,
    /// Set when a tick found no lock slot free: every idle node it did not look at was
    /// refused the lock too.
    lock_full_at: Option<i64>,
    /// Nodes neither done nor ineligible.
    remaining: usize,
    /// Nodes drained and not back yet.
    rebooting: usize,
    /// Nodes whose drain runs.
    draining: BTreeSet<u32>,
    /// An idle node that could still change things at the last check (see `frozen`).
    unstable_hint: Option<u32>,
    /// Per-pod events due at the same moment share one queue entry: a drain of many pods
    /// would otherwise cost a heap operation per pod, twice.
    batches: Vec<Vec<(u32, u32)>>,
    spare: Vec<u32>,
    open: HashMap<(i64, Kind), u32>,
    unknown: BTreeSet<String>,
}

/// Runs the rollout.
pub fn simulate(input: &Input<'_>) -> Rollout {
    let mut sim = Sim::new(input);
    let stopped_early = sim.run();
    sim.finish(stopped_early)
}

/// Logs a step when the step log is on; the text is only built then.
macro_rules! step {
    ($sim:expr, $($arg:tt)*) => {
        if $sim.input.trace {
            let line = format!($($arg)*);
            $sim.log(line);
        }
    };
}

fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn ns(d: GoDuration) -> i64 {
    d.as_nanos().max(0)
}

fn at(t: i64) -> String {
    format!("+{}", GoDuration::from_nanos(t))
}

impl<'a> Sim<'a> {
    fn new(input: &'a Input<'a>) -> Sim<'a> {
        let objects = input.objects;
        let inventory = &objects.inventory;
        let by_name: HashMap<&str, u32> = input
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), idx(i)))
            .collect();
        let mut owners: HashMap<(&str, &str, &str), u32> = HashMap::default();
        let refs: Vec<PodRef<'a>> = inventory
            .pods
            .iter()
            .zip(&objects.scheduling)
            .map(|(p, s)| {
                let owner = p.meta.controller.as_ref().map(|c| {
                    let next = idx(owners.len());
                    *owners
                        .entry((p.meta.namespace.as_str(), c.kind.as_str(), c.name.as_str()))
                        .or_insert(next)
                });
                PodRef {
                    namespace: p.meta.namespace.as_str(),
                    labels: &p.meta.labels,
                    scheduling: s,
                    owner,
                }
            })
            .collect();
        let mut fleet = Fleet::new(input.nodes, refs);
        let drain_selector = input.settings.drain_pod_selector.as_ref().map(|(_, s)| s);
        let mut pods = Vec::with_capacity(inventory.pods.len());
        let mut pending = Vec::new();
        let mut unknown = BTreeSet::new();
        for (i, (pod, sched)) in inventory.pods.iter().zip(&objects.scheduling).enumerate() {
            let owner = pod.meta.controller.as_ref().map(|c| c.kind.as_str());
            let drainable = match owner {
                Some("DaemonSet") => Drainable::DaemonSet,
                Some("Node") => Drainable::Mirror,
                _ if drain_selector.is_some_and(|s| !s.matches(&pod.meta.labels)) => {
                    Drainable::NotSelected
                }
                _ => Drainable::Yes,
            };
            let finished = matches!(pod.phase.as_str(), "Succeeded" | "Failed");
            let mut live = PodLive {
                phase: PodPhase::Running,
                ready: pod.ready,
                generation: 0,
                drainable,
                recreated: !matches!(owner, None | Some("DaemonSet") | Some("Node")),
                waiting: false,
                bypass: pod.bypasses_budgets(),
                evicted_from: None,
                pending_why: None,
            };
            match &sched.node_name {
                _ if finished => live.phase = PodPhase::Outside,
                // Already on its way out: its controller brings a replacement up as the
                // rollout starts.
                _ if pod.terminating => {
                    live.ready = false;
                    if live.recreated {
                        live.phase = PodPhase::Pending;
                        live.pending_why = Some("it replaces a terminating pod".into());
                        pending.push(idx(i));
                    } else {
                        live.phase = PodPhase::Outside;
                    }
                }
                Some(name) => match by_name.get(name.as_str()) {
                    Some(&node) => fleet.bind(idx(i), node),
                    None => {
                        unknown.insert(name.to_string());
                        live.phase = PodPhase::Outside;
                    }
                },
                None => {
                    live.phase = PodPhase::Pending;
                    live.ready = false;
                    live.pending_why = Some("it is not scheduled yet".into());
                    pending.push(idx(i));
                }
            }
            pods.push(live);
        }
        let nodes = input
            .nodes
            .iter()
            .map(|n| NodeLive {
                phase: if input.ineligible.contains_key(n.name.as_str()) {
                    NodePhase::Ineligible
                } else {
                    NodePhase::Idle
                },
                attempt: 0,
                failures: 0,
                last_start: i64::MIN,
                drain: Drain::default(),
                last_eviction: 0,
                last_failure: None,
                settled: false,
                blocked: None,
                denied: false,
                forced: None,
                waited: 0,
                started_in_window: 0,
                back_at: None,
                stays_cordoned: false,
            })
            .collect::<Vec<_>>();
        let order = nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.phase == NodePhase::Idle)
            .map(|(i, _)| (i64::MIN, idx(i)))
            .collect();
        let budgets = input.budgets.clone();
        let mut sim = Sim {
            input,
            settings: input.settings,
            openings: Openings::new(&input.settings.window),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            progress_pending: 0,
            events: 0,
            fleet,
            pods,
            waiters: vec![Vec::new(); budgets.list.len()],
            budgets,
            pending,
            nodes,
            order,
            lock: Vec::new(),
            busy: Vec::new(),
            steps: Vec::new(),
            next_tick: 0,
            lock_full_at: None,
            remaining: 0,
            rebooting: 0,
            draining: BTreeSet::new(),
            unstable_hint: None,
            batches: Vec::new(),
            spare: Vec::new(),
            open: HashMap::default(),
            unknown,
        };
        sim.remaining = sim
            .nodes
            .iter()
            .filter(|n| n.phase != NodePhase::Ineligible)
            .count();
        // Pods waiting for a node are placed as the rollout starts, where they fit.
        for pod in std::mem::take(&mut sim.pending) {
            sim.schedule(pod);
        }
        sim.push(0, Ev::Tick);
        sim
    }
}

impl Sim<'_> {
    fn push(&mut self, t: i64, ev: Ev) {
        self.seq += 1;
        if ev.progresses() {
            self.progress_pending += 1;
        }
        self.queue.push(Reverse((t, self.seq, ev)));
    }

    /// Queues a per-pod event, in the batch of its moment.
    fn later(&mut self, t: i64, kind: Kind, pod: u32, generation: u32) {
        if let Some(&b) = self.open.get(&(t, kind)) {
            self.batches[b as usize].push((pod, generation));
            return;
        }
        let b = match self.spare.pop() {
            Some(b) => b,
            None => {
                self.batches.push(Vec::new());
                idx(self.batches.len() - 1)
            }
        };
        self.batches[b as usize].push((pod, generation));
        self.open.insert((t, kind), b);
        let ev = match kind {
            Kind::Gone => Ev::Gone(b),
            Kind::Ready => Ev::Ready(b),
        };
        self.push(t, ev);
    }

    /// The pods of a batch that is due, its slot returned for reuse.
    fn take_batch(&mut self, t: i64, batch: u32, kind: Kind) -> Vec<(u32, u32)> {
        self.open.remove(&(t, kind));
        self.spare.push(batch);
        let items = std::mem::take(&mut self.batches[batch as usize]);
        self.events = self.events.saturating_add(items.len() as u64);
        items
    }

    fn log(&mut self, text: String) {
        if self.steps.len() < MAX_STEPS {
            let line = format!("{} {text}", at(self.now));
            self.steps.push(line);
            if self.steps.len() == MAX_STEPS {
                self.steps
                    .push(format!("(step log stopped after {MAX_STEPS} lines)"));
            }
        }
    }

    fn node_name(&self, node: u32) -> &str {
        self.input.nodes[node as usize].name.as_str()
    }

    fn pod_name(&self, pod: u32) -> String {
        let p = &self.input.objects.inventory.pods[pod as usize];
        format!("{}/{}", p.meta.namespace, p.meta.name)
    }

    fn period(&self) -> i64 {
        ns(self.settings.period).max(1)
    }

    /// Runs events until nothing can change; returns why it stopped early, if it did.
    fn run(&mut self) -> Option<String> {
        while let Some(Reverse((t, _, ev))) = self.queue.pop() {
            if ev.progresses() {
                self.progress_pending -= 1;
            }
            self.events += 1;
            if self.events > MAX_EVENTS {
                return Some(format!(
                    "the forecast stopped after {MAX_EVENTS} simulated events"
                ));
            }
            if t > MAX_TIME {
                return Some("the forecast stopped after 100 years of simulated time".into());
            }
            self.now = t;
            match ev {
                Ev::Tick => {
                    if self.tick() {
                        return None;
                    }
                }
                Ev::Pass(node) => {
                    if self.nodes[node as usize].phase == NodePhase::Idle
                        && self.openings.contains(t)
                    {
                        step!(
                            self,
                            "{}: reads a tick that fell due during its drain",
                            self.node_name(node)
                        );
                        self.look(node);
                    }
                }
                Ev::Deadline(node, attempt) => self.deadline(node, attempt),
                Ev::Gone(batch) => {
                    for (pod, generation) in self.take_batch(t, batch, Kind::Gone) {
                        self.gone(pod, generation);
                    }
                }
                Ev::Ready(batch) => {
                    for (pod, generation) in self.take_batch(t, batch, Kind::Ready) {
                        self.ready(pod, generation);
                    }
                }
                Ev::RebootStart(node, attempt) => self.reboot_start(node, attempt),
                Ev::NodeBack(node) => self.node_back(node),
                Ev::LockExpiry => {}
            }
            if self.remaining == 0 && self.progress_pending == 0 {
                return None;
            }
        }
        None
    }

    /// One tick of the shared grid; true when nothing can change any more.
    fn tick(&mut self) -> bool {
        let period = self.period();
        if !self.openings.contains(self.now) {
            // Skip the closed stretch: the next look inside the window is the first grid
            // point at or after its opening.
            let open = self.openings.next_open(self.now);
            let next = open
                .div_euclid(period)
                .saturating_add(i64::from(open.rem_euclid(period) > 0))
                .saturating_mul(period);
            self.next_tick = next.max(self.now.saturating_add(period));
            self.push(self.next_tick, Ev::Tick);
            return false;
        }
        self.next_tick = self.now.saturating_add(period);
        // Judged before this look starts new drains: a drain just started always has
        // evictions under way, even one bound to fail as before.
        if self.frozen() {
            return true;
        }
        self.lock_full_at = None;
        self.push(self.next_tick, Ev::Tick);
        // Only blockers need every node looked at; without them, once the lock is full
        // every further node is refused it.
        let must_look = !self.settings.blocking_pod_selectors.is_empty();
        let mut cursor: Option<(i64, u32)> = None;
        loop {
            let next = match cursor {
                None => self.order.iter().next(),
                Some(c) => self
                    .order
                    .range((std::ops::Bound::Excluded(c), std::ops::Bound::Unbounded))
                    .next(),
            }
            .copied();
            let Some(key) = next else { break };
            cursor = Some(key);
            if !must_look && !self.lock_has_room() {
                self.lock_full_at = Some(self.now);
                break;
            }
            self.look(key.1);
        }
        false
    }

    /// One pass of kured's loop on a node: blockers, lock, drain.
    fn look(&mut self, node: u32) {
        let blocked = self.blocking_pod(node);
        if !self.settings.blockers_after_lock
            && let Some(b) = blocked
        {
            self.block(node, b);
            return;
        }
        if !self.holds(node) && !self.acquire(node) {
            let n = &mut self.nodes[node as usize];
            n.denied = true;
            n.blocked = None;
            return;
        }
        if let Some(b) = blocked {
            // kured 1.13: blocked after taking the lock, and it keeps the lock.
            self.block(node, b);
            return;
        }
        self.start_drain(node);
    }

    fn block(&mut self, node: u32, b: (u32, usize)) {
        if self.nodes[node as usize].blocked.is_none() {
            step!(
                self,
                "{}: blocked by pod {}",
                self.node_name(node),
                self.pod_name(b.0)
            );
        }
        let n = &mut self.nodes[node as usize];
        n.blocked = Some(b);
        n.denied = false;
    }

    fn blocking_pod(&self, node: u32) -> Option<(u32, usize)> {
        let selectors = &self.settings.blocking_pod_selectors;
        if selectors.is_empty() {
            return None;
        }
        let pods = &self.input.objects.inventory.pods;
        self.fleet.slot(node).pods.iter().find_map(|&p| {
            selectors
                .iter()
                .position(|(_, s)| s.matches(&pods[p as usize].meta.labels))
                .map(|i| (p, i))
        })
    }

    fn expired_at(&self, entry: &LockEntry, t: i64) -> bool {
        let ttl = ns(self.settings.lock_ttl);
        ttl > 0 && t - entry.acquired >= ttl
    }

    fn expired(&self, entry: &LockEntry) -> bool {
        self.expired_at(entry, self.now)
    }

    fn holds(&self, node: u32) -> bool {
        self.lock.iter().any(|e| e.node == node && !self.expired(e))
    }

    fn lock_has_room(&self) -> bool {
        let max = self.settings.concurrency.max(1) as usize;
        self.lock.len() < max || self.lock.iter().any(|e| self.expired(e))
    }

    fn acquire(&mut self, node: u32) -> bool {
        let max = self.settings.concurrency.max(1) as usize;
        let entry = LockEntry {
            node,
            acquired: self.now,
            was_cordoned: self.fleet.slot(node).cordoned,
        };
        if max == 1 {
            // The single lock is overwritten when absent or expired.
            if self.lock.first().is_some_and(|e| !self.expired(e)) {
                return false;
            }
            self.lock = vec![entry];
        } else if self.lock.len() < max {
            self.lock.push(entry);
        } else {
            // A full multi-holder lock drops every expired entry, then takes a freed slot.
            let before = self.lock.len();
            let (ttl, now) = (ns(self.settings.lock_ttl), self.now);
            self.lock.retain(|e| !(ttl > 0 && now - e.acquired >= ttl));
            if self.lock.len() == before {
                return false;
            }
            self.lock.push(entry);
        }
        let ttl = ns(self.settings.lock_ttl);
        if ttl > 0 {
            self.push(self.now.saturating_add(ttl), Ev::LockExpiry);
        }
        true
    }

    fn release(&mut self, node: u32) {
        if let Some(i) = self.lock.iter().position(|e| e.node == node) {
            self.lock.remove(i);
        }
    }

    fn start_drain(&mut self, node: u32) {
        let window = self.openings.locate(self.now).number;
        let timeout = ns(self.settings.drain_timeout);
        let now = self.now;
        let n = &mut self.nodes[node as usize];
        self.order.remove(&(n.last_start, node));
        n.phase = NodePhase::Draining;
        n.attempt += 1;
        n.last_start = now;
        n.blocked = None;
        n.denied = false;
        n.started_in_window = window;
        n.drain = Drain {
            started: now,
            deadline: (timeout > 0).then(|| now.saturating_add(timeout)),
            ..Drain::default()
        };
        n.last_eviction = now;
        let (attempt, deadline) = (n.attempt, n.drain.deadline);
        self.draining.insert(node);
        self.fleet.set_cordoned(node, true);
        step!(
            self,
            "{}: takes the lock ({} of {} held), cordons and drains (attempt {attempt})",
            self.node_name(node),
            self.lock.len(),
            self.settings.concurrency.max(1)
        );
        let pods: Vec<u32> = self.fleet.slot(node).pods.clone();
        for pod in pods {
            let live = &self.pods[pod as usize];
            if live.drainable == Drainable::Yes
                && matches!(live.phase, PodPhase::Running | PodPhase::Starting)
            {
                self.evict(node, pod);
            }
        }
        if let Some(deadline) = deadline {
            self.push(deadline, Ev::Deadline(node, attempt));
        }
        self.check_drain(node);
    }

    /// Asks the eviction API about `pod`, drained from `node`; true when it is evicted.
    fn evict(&mut self, node: u32, pod: u32) -> bool {
        let live = &self.pods[pod as usize];
        match verdict(&self.budgets, pod, live.ready, live.bypass) {
            Verdict::Evict { .. } => {
                if live.ready {
                    self.budgets.lose(pod);
                }
                let live = &mut self.pods[pod as usize];
                live.ready = false;
                live.waiting = false;
                live.phase = PodPhase::Terminating;
                live.generation += 1;
                live.evicted_from = Some(node);
                let generation = live.generation;
                self.fleet.set_terminating(pod);
                let grace = self
                    .settings
                    .drain_grace_period
                    .unwrap_or(self.input.objects.scheduling[pod as usize].grace);
                self.later(
                    self.now.saturating_add(ns(grace)),
                    Kind::Gone,
                    pod,
                    generation,
                );
                let now = self.now;
                let n = &mut self.nodes[node as usize];
                n.drain.terminating += 1;
                n.drain.evicted += 1;
                n.last_eviction = now;
                step!(
                    self,
                    "{}: evicts {}",
                    self.node_name(node),
                    self.pod_name(pod)
                );
                true
            }
            Verdict::Refused(b) => {
                if !live.waiting {
                    self.pods[pod as usize].waiting = true;
                    self.waiters[b as usize].push(pod);
                    self.nodes[node as usize].drain.waiting.push(pod);
                    step!(
                        self,
                        "{}: eviction of {} refused by {}: {}",
                        self.node_name(node),
                        self.pod_name(pod),
                        self.budgets.list[b as usize].reference,
                        self.budgets.list[b as usize].state()
                    );
                }
                false
            }
            Verdict::SeveralBudgets(list) => {
                self.nodes[node as usize].drain.several.push(pod);
                if self.input.trace {
                    let names: Vec<&str> = list
                        .iter()
                        .map(|b| self.budgets.list[*b as usize].reference.as_str())
                        .collect();
                    let line = format!(
                        "{}: eviction of {} refused for good: it is under {}",
                        self.node_name(node),
                        self.pod_name(pod),
                        names.join(" and ")
                    );
                    self.log(line);
                }
                false
            }
        }
    }

    fn check_drain(&mut self, node: u32) {
        let n = &self.nodes[node as usize];
        if n.phase != NodePhase::Draining || !n.drain.settled() {
            return;
        }
        if n.drain.several.is_empty() {
            self.drained(node);
        } else if self.settings.force_reboot {
            self.force(node, "the drain failed at once");
        } else {
            self.fail(node);
        }
    }

    fn drained(&mut self, node: u32) {
        self.draining.remove(&node);
        self.rebooting += 1;
        let n = &mut self.nodes[node as usize];
        n.phase = NodePhase::Rebooting;
        n.waited = n.last_eviction - n.drain.started;
        let attempt = n.attempt;
        step!(self, "{}: drained", self.node_name(node));
        let delay = ns(self.settings.reboot_delay);
        self.push(
            self.now.saturating_add(delay),
            Ev::RebootStart(node, attempt),
        );
    }

    fn deadline(&mut self, node: u32, attempt: u32) {
        let n = &self.nodes[node as usize];
        if n.phase != NodePhase::Draining || n.attempt != attempt {
            return;
        }
        if self.settings.force_reboot {
            let ended = format!("the drain timed out at {}", self.settings.drain_timeout);
            self.force(node, &ended);
        } else {
            self.fail(node);
        }
    }

    /// `--force-reboot`: kured ignores the failed drain and reboots with what is left.
    fn force(&mut self, node: u32, what: &str) {
        let failure = self.failure(node);
        step!(
            self,
            "{}: {what}; --force-reboot reboots it anyway ({})",
            self.node_name(node),
            self.explain(&failure).1
        );
        self.stop_waiting(node);
        self.draining.remove(&node);
        self.rebooting += 1;
        let n = &mut self.nodes[node as usize];
        n.forced = Some((failure, what.to_string()));
        n.phase = NodePhase::Rebooting;
        let attempt = n.attempt;
        let delay = ns(self.settings.reboot_delay);
        self.push(
            self.now.saturating_add(delay),
            Ev::RebootStart(node, attempt),
        );
    }

    fn stop_waiting(&mut self, node: u32) {
        let waiting = std::mem::take(&mut self.nodes[node as usize].drain.waiting);
        for pod in waiting {
            self.pods[pod as usize].waiting = false;
        }
    }

    /// The drain failed: release the lock, uncordon, try again at the next look.
    fn fail(&mut self, node: u32) {
        let failure = self.failure(node);
        self.stop_waiting(node);
        self.draining.remove(&node);
        self.release(node);
        self.fleet.set_cordoned(node, false);
        let period = self.period();
        let now = self.now;
        let n = &mut self.nodes[node as usize];
        n.phase = NodePhase::Idle;
        n.failures += 1;
        self.busy.push((n.drain.started, now));
        let repeated = n
            .last_failure
            .as_ref()
            .is_some_and(|f| f.signature() == failure.signature());
        // A budget that can never allow an eviction, or a pod under several budgets, fails
        // every attempt alike, whatever else moves.
        let permanent = (!failure.refused.is_empty() || !failure.several.is_empty())
            && failure
                .refused
                .iter()
                .all(|&(_, b, _)| self.budgets.list[b as usize].never_allows());
        n.settled = repeated || permanent || n.failures >= MAX_FAILURES;
        // Go's ticker keeps one tick that fell due during the drain: the loop reads it at
        // once.
        let missed_tick = now.div_euclid(period) > n.drain.started.div_euclid(period);
        self.order.insert((n.last_start, node));
        step!(
            self,
            "{}: drain failed ({}); kured releases the lock and uncordons",
            self.node_name(node),
            self.explain(&failure).1
        );
        self.nodes[node as usize].last_failure = Some(failure);
        self.retry_pending_on(node);
        if missed_tick {
            self.push(now, Ev::Pass(node));
        }
    }

    /// What holds the current drain of `node` up.
    fn failure(&self, node: u32) -> Failure {
        let drain = &self.nodes[node as usize].drain;
        let refused = drain
            .waiting
            .iter()
            .filter_map(|&pod| {
                let mut gating = self.budgets.gating(pod);
                let b = gating.next()?;
                Some((pod, b, self.budgets.list[b as usize].healthy))
            })
            .collect();
        Failure {
            refused,
            several: drain.several.clone(),
            terminating: drain.terminating,
        }
    }

    /// A failure in words: the `blocked_by` list and the clause for the reason.
    fn explain(&self, f: &Failure) -> (Vec<String>, String) {
        let mut blockers = BTreeSet::new();
        let mut parts = Vec::new();
        for &(pod, b, healthy) in &f.refused {
            let budget = &self.budgets.list[b as usize];
            blockers.insert(budget.reference.clone());
            parts.push(format!(
                "pod {} is held by budget {} ({}){}",
                self.pod_name(pod),
                budget.reference,
                budget.state_at(healthy),
                self.short_replica(b)
            ));
        }
        for &pod in &f.several {
            let names: Vec<&str> = self
                .budgets
                .gating(pod)
                .map(|b| self.budgets.list[b as usize].reference.as_str())
                .collect();
            blockers.insert(self.pod_name(pod));
            parts.push(format!(
                "pod {} is under budgets {}, and the eviction API refuses a pod under more than one",
                self.pod_name(pod),
                names.join(" and ")
            ));
        }
        if parts.is_empty() && f.terminating > 0 {
            parts.push(format!(
                "{} evicted pod(s) were still terminating",
                f.terminating
            ));
        }
        let shown = parts.len().min(3);
        let mut why = parts[..shown].join("; ");
        if parts.len() > shown {
            why.push_str(&format!("; and {} more", parts.len() - shown));
        }
        (blockers.into_iter().collect(), why)
    }

    /// `; its replica ns/p is Pending: ...` when a pod of the budget cannot be placed.
    fn short_replica(&self, budget: u32) -> String {
        self.pending
            .iter()
            .find(|&&p| self.budgets.of_pod(p).contains(&budget))
            .map(|&p| {
                format!(
                    "; its replica {} is Pending: {}",
                    self.pod_name(p),
                    self.pods[p as usize]
                        .pending_why
                        .as_deref()
                        .unwrap_or("it cannot be scheduled")
                )
            })
            .unwrap_or_default()
    }

    fn gone(&mut self, pod: u32, generation: u32) {
        let live = &self.pods[pod as usize];
        if live.generation != generation || live.phase != PodPhase::Terminating {
            return;
        }
        let (from, recreated) = (live.evicted_from, live.recreated);
        self.fleet.unbind(pod);
        if let Some(node) = from
            && self.nodes[node as usize].phase == NodePhase::Draining
        {
            let drain = &mut self.nodes[node as usize].drain;
            drain.terminating = drain.terminating.saturating_sub(1);
        }
        if recreated {
            self.schedule(pod);
        } else {
            self.pods[pod as usize].phase = PodPhase::Gone;
        }
        if let Some(node) = from {
            self.check_drain(node);
        }
    }

    fn schedule(&mut self, pod: u32) {
        match self.fleet.place(pod) {
            Ok(node) => self.start_pod(pod, node),
            Err(why) => {
                step!(self, "{} is Pending: {why}", self.pod_name(pod));
                let live = &mut self.pods[pod as usize];
                live.phase = PodPhase::Pending;
                live.pending_why = Some(why);
                self.pending.push(pod);
            }
        }
    }

    fn start_pod(&mut self, pod: u32, node: u32) {
        self.fleet.bind(pod, node);
        let live = &mut self.pods[pod as usize];
        live.phase = PodPhase::Starting;
        live.ready = false;
        live.bypass = false;
        live.pending_why = None;
        live.generation += 1;
        let generation = live.generation;
        let ready = self.now.saturating_add(ns(self.input.pod_ready));
        self.later(ready, Kind::Ready, pod, generation);
    }

    fn retry_pending_on(&mut self, node: u32) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        for pod in pending {
            if self.fleet.fits(pod, node) {
                step!(
                    self,
                    "{} is scheduled on {}",
                    self.pod_name(pod),
                    self.node_name(node)
                );
                self.start_pod(pod, node);
            } else {
                self.pending.push(pod);
            }
        }
    }

    fn ready(&mut self, pod: u32, generation: u32) {
        let live = &mut self.pods[pod as usize];
        if live.generation != generation || live.phase != PodPhase::Starting {
            return;
        }
        live.phase = PodPhase::Running;
        live.ready = true;
        self.budgets.regain(pod);
        // A budget with an allowance again lets refused evictions through, oldest first.
        for i in 0..self.budgets.of_pod(pod).len() {
            let b = self.budgets.of_pod(pod)[i];
            if self.waiters[b as usize].is_empty() {
                continue;
            }
            let waiting = std::mem::take(&mut self.waiters[b as usize]);
            let mut still = Vec::new();
            for w in waiting {
                if !self.pods[w as usize].waiting {
                    continue;
                }
                let Some(node) = self.fleet.node_of(w) else {
                    continue;
                };
                if self.nodes[node as usize].phase != NodePhase::Draining {
                    continue;
                }
                if self.evict(node, w) {
                    self.nodes[node as usize].drain.waiting.retain(|p| *p != w);
                    self.check_drain(node);
                } else {
                    still.push(w);
                }
            }
            self.waiters[b as usize].extend(still);
        }
    }

    fn reboot_start(&mut self, node: u32, attempt: u32) {
        if self.nodes[node as usize].attempt != attempt {
            return;
        }
        step!(self, "{}: reboots", self.node_name(node));
        self.fleet.set_down(node, true);
        for pod in self.fleet.slot(node).pods.clone() {
            let live = &self.pods[pod as usize];
            if !matches!(live.phase, PodPhase::Running | PodPhase::Starting) {
                continue;
            }
            if live.ready {
                self.budgets.lose(pod);
            }
            let live = &mut self.pods[pod as usize];
            live.ready = false;
            live.phase = PodPhase::Starting;
            live.generation += 1;
        }
        let back = self
            .now
            .saturating_add(ns(self.input.node_reboot))
            .saturating_add(ns(KURED_STARTUP));
        self.push(back, Ev::NodeBack(node));
    }

    fn node_back(&mut self, node: u32) {
        self.fleet.set_down(node, false);
        let holding = self
            .lock
            .iter()
            .find(|e| e.node == node && !self.expired(e))
            .map(|e| e.was_cordoned);
        let now = self.now;
        match holding {
            Some(was_cordoned) => {
                self.release(node);
                if !was_cordoned {
                    self.fleet.set_cordoned(node, false);
                }
            }
            // Not holding the lock (it expired): kured's start-up leaves the node alone.
            None => self.nodes[node as usize].stays_cordoned = self.fleet.slot(node).cordoned,
        }
        let n = &mut self.nodes[node as usize];
        n.phase = NodePhase::Done;
        n.back_at = Some(now);
        self.busy.push((n.drain.started, now));
        self.remaining = self.remaining.saturating_sub(1);
        self.rebooting = self.rebooting.saturating_sub(1);
        step!(self, "{}: back from its reboot", self.node_name(node));
        let ready = now.saturating_add(ns(self.input.pod_ready));
        for pod in self.fleet.slot(node).pods.clone() {
            let live = &mut self.pods[pod as usize];
            if live.phase == PodPhase::Starting {
                live.generation += 1;
                let generation = live.generation;
                self.later(ready, Kind::Ready, pod, generation);
            }
        }
        self.retry_pending_on(node);
    }

    fn denied(&self, n: &NodeLive) -> bool {
        n.denied || (n.phase == NodePhase::Idle && self.lock_full_at.is_some())
    }

    /// Whether nothing can change any more: every node still to reboot hangs, fails the
    /// same way each time, is blocked, or can never get the lock, and no event that
    /// changes the cluster is due. Pods that bounce between nodes whose drains keep
    /// failing would keep events coming for ever, so nodes past [`MAX_FAILURES`] count
    /// as settled whatever is due.
    fn frozen(&mut self) -> bool {
        if self.rebooting > 0 {
            return false;
        }
        let strict = self.progress_pending == 0;
        let capped = |n: &NodeLive| n.settled && (strict || n.failures >= MAX_FAILURES);
        for &node in &self.draining {
            let n = &self.nodes[node as usize];
            let ok = match n.drain.deadline {
                None => strict,
                Some(_) => capped(n),
            };
            if !ok {
                return false;
            }
        }
        let mut monopolized: Option<bool> = None;
        let mut stable = |sim: &Sim<'_>, node: u32| {
            let n = &sim.nodes[node as usize];
            n.phase != NodePhase::Idle
                || n.blocked.is_some()
                || capped(n)
                || (strict
                    && sim.denied(n)
                    && *monopolized.get_or_insert_with(|| sim.lock_monopolized()))
        };
        // The node that kept the last answer false usually still does: try it first, so
        // a long rollout does not rescan every node at every look.
        if let Some(hint) = self.unstable_hint
            && !stable(self, hint)
        {
            return false;
        }
        let found = self
            .order
            .iter()
            .map(|(_, n)| *n)
            .find(|&n| !stable(self, n));
        self.unstable_hint = found;
        found.is_none()
    }

    /// Every lock slot is held for good: by a node whose drain hangs, by one that fails
    /// the same way each time and, its drain being no shorter than the period, reads the
    /// tick that fell due and takes the lock straight back, or by one sitting blocked
    /// with it (kured 1.13).
    fn lock_monopolized(&self) -> bool {
        let max = self.settings.concurrency.max(1) as usize;
        let retakes = self.settings.drain_timeout >= self.settings.period;
        let held: Vec<&LockEntry> = self.lock.iter().filter(|e| !self.expired(e)).collect();
        held.len() >= max
            && held.iter().all(|e| {
                let n = &self.nodes[e.node as usize];
                match n.phase {
                    NodePhase::Draining => {
                        n.drain.deadline.is_none() && self.settings.lock_ttl.is_zero()
                            || n.settled && retakes
                    }
                    NodePhase::Idle => n.blocked.is_some() && self.settings.lock_ttl.is_zero(),
                    _ => false,
                }
            })
    }

    fn finish(mut self, stopped_early: Option<String>) -> Rollout {
        let timeout = self.settings.drain_timeout;
        let end = self
            .nodes
            .iter()
            .filter_map(|n| n.back_at)
            .max()
            .unwrap_or(0);
        let holders = self.describe_holders();
        let mut out = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.input.nodes.iter().enumerate() {
            let n = &self.nodes[i];
            let (outcome, blocked_by, text) = match n.phase {
                NodePhase::Ineligible => {
                    let (outcome, why) = self
                        .input
                        .ineligible
                        .get(node.name.as_str())
                        .cloned()
                        .unwrap_or((Outcome::NoKured, "kured does not run here".into()));
                    let text = match outcome {
                        Outcome::Ungated => reason::ungated(&why),
                        _ => reason::no_kured(&why),
                    };
                    (outcome, Vec::new(), text)
                }
                NodePhase::Done | NodePhase::Rebooting => match &n.forced {
                    Some((f, ended)) => {
                        let (blockers, why) = self.explain(f);
                        (Outcome::Forced, blockers, reason::forced(&why, ended))
                    }
                    None => (
                        Outcome::Reboots,
                        Vec::new(),
                        reason::reboots(
                            n.started_in_window,
                            GoDuration::from_nanos(n.back_at.unwrap_or(self.now)),
                            GoDuration::from_nanos(n.waited),
                            n.stays_cordoned,
                        ),
                    ),
                },
                NodePhase::Draining if n.drain.deadline.is_none() => {
                    let (blockers, why) = self.explain(&self.failure(idx(i)));
                    (Outcome::Hangs, blockers, reason::hangs(&why))
                }
                NodePhase::Draining | NodePhase::Idle => {
                    if let Some((pod, selector)) = n.blocked {
                        (
                            Outcome::Blocked,
                            vec![self.pod_name(pod)],
                            reason::blocked(
                                &self.pod_name(pod),
                                &self.settings.blocking_pod_selectors[selector].0,
                            ),
                        )
                    } else if let Some(f) = n
                        .last_failure
                        .as_ref()
                        .filter(|_| n.settled || !self.denied(n))
                    {
                        let (blockers, why) = self.explain(f);
                        (
                            Outcome::NeverReboots,
                            blockers,
                            reason::never_reboots(&why, timeout),
                        )
                    } else {
                        let (blockers, text) = holders.clone();
                        (Outcome::Waits, blockers, reason::waits(&text))
                    }
                }
            };
            out.push(NodeForecast {
                name: node.name.to_string(),
                outcome,
                blocked_by,
                reason: text,
                rebooted_at: n.back_at.map(GoDuration::from_nanos),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        let completes = stopped_early.is_none() && out.iter().all(|n| n.outcome.rebooted());
        let windows_needed = completes.then(|| {
            self.nodes
                .iter()
                .filter(|n| n.back_at.is_some())
                .map(|n| n.started_in_window)
                .max()
                .unwrap_or(1)
                .max(1)
        });
        let working_time = self.working_time(end);
        Rollout {
            nodes: out,
            completes,
            windows_needed,
            working_time: GoDuration::from_nanos(working_time),
            elapsed: GoDuration::from_nanos(end),
            steps: std::mem::take(&mut self.steps),
            stopped_early,
            unknown_nodes: std::mem::take(&mut self.unknown),
            events: self.events,
        }
    }

    /// Who holds the lock for good and why, for the nodes that wait.
    fn describe_holders(&self) -> (Vec<String>, String) {
        let mut blockers = BTreeSet::new();
        let mut parts = Vec::new();
        for e in self.lock.iter().filter(|e| !self.expired(e)) {
            let n = &self.nodes[e.node as usize];
            let name = self.node_name(e.node);
            match n.phase {
                NodePhase::Draining if n.drain.deadline.is_none() => {
                    let (held, why) = self.explain(&self.failure(e.node));
                    blockers.extend(held);
                    parts.push(format!("{name} holds it while its drain hangs ({why})"));
                }
                NodePhase::Draining => {
                    let (held, why) = self.explain(&self.failure(e.node));
                    blockers.extend(held);
                    parts.push(format!(
                        "{name} takes it back at once after each failed drain, because a look falls due while its drain runs (--drain-timeout {} is not shorter than --period {}), and its drain fails each time ({why})",
                        self.settings.drain_timeout, self.settings.period
                    ));
                }
                NodePhase::Idle => {
                    if let Some((pod, _)) = n.blocked {
                        blockers.insert(self.pod_name(pod));
                        parts.push(format!(
                            "{name} holds it while blocked by pod {} (kured 1.13 takes the lock before asking its blockers)",
                            self.pod_name(pod)
                        ));
                    }
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            parts.push("other nodes keep the lock".to_string());
        }
        let mut text = parts.join("; ");
        text.push_str(&format!(
            " (--concurrency {}{})",
            self.settings.concurrency.max(1),
            if self.settings.lock_ttl.is_zero() {
                ", no --lock-ttl"
            } else {
                ""
            }
        ));
        (blockers.into_iter().collect(), text)
    }

    /// The union of the window's openings and every drain or reboot, up to `end`.
    fn working_time(&self, end: i64) -> i64 {
        if end <= 0 {
            return 0;
        }
        if self.openings.always_open() {
            return end;
        }
        let mut spans: Vec<(i64, i64)> = self
            .busy
            .iter()
            .map(|&(s, e)| (s.max(0), e.min(end)))
            .filter(|(s, e)| s < e)
            .collect();
        for (s, e) in self.openings.iter() {
            if s >= end {
                break;
            }
            spans.push((s, e.min(end)));
        }
        spans.sort_unstable();
        let mut total = 0i64;
        let mut current: Option<(i64, i64)> = None;
        for (s, e) in spans {
            current = match current {
                Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
                Some((cs, ce)) => {
                    total += ce - cs;
                    Some((s, e))
                }
                None => Some((s, e)),
            };
        }
        if let Some((cs, ce)) = current {
            total += ce - cs;
        }
        total
    }
}
