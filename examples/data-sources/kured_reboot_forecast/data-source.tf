terraform {
  required_providers {
    kured = { source = "rebootgate/kured" }
  }
}

# The incident in small: three nodes, each running the single replica of a blog whose
# budget insists on that replica (minAvailable: 1), and kured with a 30m drain timeout
# in a Monday-to-Friday window. No cluster is contacted: the objects are manifests.
locals {
  blogs = { "blog-1" = "node-1", "blog-2" = "node-2", "blog-3" = "node-3" }
}

data "kured_reboot_forecast" "incident" {
  kured {
    chart_version = "5.11.0"
    values = [yamlencode({
      configuration = {
        drainTimeout = "30m"
        rebootDays   = ["mo", "tu", "we", "th", "fr"]
        startTime    = "09:00"
        endTime      = "17:00"
        timeZone     = "Europe/Berlin"
      }
    })]
  }

  node_names = values(local.blogs)
  manifests = [for blog, node in local.blogs : join("---\n", [
    yamlencode({
      apiVersion = "apps/v1"
      kind       = "StatefulSet"
      metadata   = { name = blog, namespace = "web" }
      spec = {
        replicas = 1
        selector = { matchLabels = { app = blog } }
        template = { metadata = { labels = { app = blog } } }
      }
    }),
    yamlencode({
      apiVersion = "v1"
      kind       = "Pod"
      metadata = {
        name            = "${blog}-0"
        namespace       = "web"
        labels          = { app = blog }
        ownerReferences = [{ apiVersion = "apps/v1", kind = "StatefulSet", name = blog, controller = true }]
      }
      spec   = { nodeName = node, containers = [{ name = "blog", image = "ghcr.io/example/blog:1" }] }
      status = { phase = "Running", conditions = [{ type = "Ready", status = "True" }] }
    }),
    yamlencode({
      apiVersion = "policy/v1"
      kind       = "PodDisruptionBudget"
      metadata   = { name = blog, namespace = "web" }
      spec       = { minAvailable = 1, selector = { matchLabels = { app = blog } } }
    }),
  ])]
}

# ["node-1", "node-2", "node-3"]: every drain times out on its blog's budget.
output "never_rebooting" {
  value = data.kured_reboot_forecast.incident.nodes_never_rebooting
}

# node name => one sentence saying which pod, which budget, and why it cannot move.
output "why" {
  value = { for n in data.kured_reboot_forecast.incident.nodes : n.name => n.reason }
}

# A PrometheusRule whose KuredRebootBacklog alert waits out the weekend.
output "backlog_alert" {
  value = data.kured_reboot_forecast.incident.backlog_alert
}
