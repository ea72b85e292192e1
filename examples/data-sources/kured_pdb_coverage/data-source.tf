# Audit the budgets a stack is about to create: no cluster is contacted when manifests
# are given, and without Pods each workload stands for its replicas.
terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

data "kured_pdb_coverage" "planned" {
  manifests = [
    yamlencode({
      apiVersion = "apps/v1"
      kind       = "Deployment"
      metadata   = { name = "web", namespace = "shop" }
      spec = {
        replicas = 1
        selector = { matchLabels = { app = "web" } }
        template = { metadata = { labels = { app = "web" } } }
      }
    }),
    yamlencode({
      apiVersion = "policy/v1"
      kind       = "PodDisruptionBudget"
      metadata   = { name = "web", namespace = "shop" }
      spec = {
        minAvailable = 1
        selector     = { matchLabels = { app = "web" } }
      }
    }),
  ]
}

# ["shop/web"]: one replica with minAvailable 1 can never be evicted.
output "drain_blockers" {
  value = data.kured_pdb_coverage.planned.drain_blockers
}
