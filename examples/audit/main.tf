# The audit the incident review asked for: which PodDisruptionBudgets would make a kured
# drain wait forever? This one reads manifests, so it runs without a cluster; leave
# `manifests` out to audit the live cluster of the provider's kubeconfig instead.
terraform {
  required_providers {
    kured = { source = "rebootgate/kured" }
  }
}

locals {
  # Eight services ran one replica each behind a `minAvailable: 1` budget: no drain can
  # ever evict them.
  single_replica = ["cart", "checkout", "images", "mailer", "payments", "reviews", "search", "sessions"]

  single_replica_manifests = flatten([for name in local.single_replica : [
    yamlencode({
      apiVersion = "apps/v1"
      kind       = "Deployment"
      metadata   = { name = name, namespace = "shop" }
      spec = {
        replicas = 1
        selector = { matchLabels = { app = name } }
        template = { metadata = { labels = { app = name } } }
      }
    }),
    yamlencode({
      apiVersion = "policy/v1"
      kind       = "PodDisruptionBudget"
      metadata   = { name = name, namespace = "shop" }
      spec       = { minAvailable = 1, selector = { matchLabels = { app = name } } }
    }),
  ]])
}

data "kured_pdb_coverage" "incident" {
  # cluster.yaml: the budget whose selector needs a label the pods lack, the pods under
  # two budgets, and the PostgreSQL cluster of 2 (which is fine).
  manifests = concat([file("${path.module}/cluster.yaml")], local.single_replica_manifests)
}

output "drain_blockers" {
  description = "Budgets that block every drain; pass them to kured_gated_reboot_policy.known_drain_blockers."
  value       = data.kured_pdb_coverage.incident.drain_blockers
}

output "orphaned_budgets" {
  value = data.kured_pdb_coverage.incident.orphaned_budgets
}

output "multiply_covered_pods" {
  value = data.kured_pdb_coverage.incident.multiply_covered_pods
}

output "unprotected_workloads" {
  value = data.kured_pdb_coverage.incident.unprotected_workloads
}

output "postgres" {
  value = one([for b in data.kured_pdb_coverage.incident.budgets : b if b.name == "postgres"])
}
