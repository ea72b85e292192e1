//! The pure model behind terraform-provider-kured: what kured and its Helm chart do with
//! values, where container paths land on the node, what PodDisruptionBudgets allow, and how
//! a rollout of reboots proceeds. Nothing here knows Terraform, gRPC or HTTP: inputs are
//! strings and JSON-shaped documents, outputs are typed results and findings.
//!
//! The modules, from the bottom up:
//!
//! | module | what it models |
//! | --- | --- |
//! | [`base`] | Go durations and `path` rules, versions, YAML read as JSON |
//! | [`k8s`] | pod templates, DaemonSet manifests, volume mounts, label selectors, pod placement |
//! | [`kured`] | kured's flags and environment, its sentinel, its reboot window |
//! | [`chart`] | the kured Helm chart: releases, values, rendering, recommended values |
//! | [`policy`] | a gated reboot policy: kured and the gate resolved to node files, and the findings |
//! | [`pdb`] | PodDisruptionBudget coverage, as the disruption controller computes it |
//! | [`forecast`] | one kured rollout over a cluster: which nodes reboot, which never do, and when |
//!
//! Dependencies point down the table: `policy` uses `chart`, `kured`, `k8s` and `base`;
//! `forecast` uses `pdb`, `kured`, `k8s` and `base`; nothing uses what is below it in the
//! table.

pub mod base;
pub mod chart;
pub mod forecast;
pub mod k8s;
pub mod kured;
pub mod pdb;
pub mod policy;
