# kured installed by a helm_release that overrides values with `set` entries: the policy
# takes the same entries, so the release and the checks cannot drift apart.
#
# The `kured` block takes `set`, `set_list` and `set_sensitive` blocks shaped like
# `helm_release`'s. Helm provider 2.x writes them as blocks, which paste unchanged. Helm
# provider 3.x takes lists (`set = [...]`): keep the list in a local, hand it to the
# release, and pass it to the policy with a `dynamic` block, as here. The entries sit in
# locals and the release is commented out, so the example plans without a cluster.
terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

variable "slack_hook_url" {
  description = "Where kured posts its reboot messages."
  type        = string
  sensitive   = true
  default     = "https://hooks.slack.example/services/T000/B000/XXXX"
}

locals {
  # What `helm_release.kured.set` holds, read with Helm's --set rules: dots between keys,
  # "\\." in HCL for a dot inside a key, `name[0]` for a list element, "\\," for a comma.
  kured_set = [
    { name = "configuration.rebootSentinel", value = "/var/run/gated-reboot-required" },
    { name = "configuration.drainTimeout", value = "30m" },
    { name = "configuration.timeZone", value = "Europe/Berlin" },
    { name = "configuration.startTime", value = "02:00", type = "string" },
    { name = "configuration.endTime", value = "05:00", type = "string" },
    { name = "podAnnotations.example\\.com/team", value = "platform" },
  ]
  kured_set_list = [
    { name = "configuration.rebootDays", value = ["mo", "tu", "we", "th"] },
  ]
}

# resource "helm_release" "kured" {
#   name       = "kured"
#   repository = "https://kubereboot.github.io/charts"
#   chart      = "kured"
#   version    = "5.11.0"
#   set           = local.kured_set
#   set_list      = local.kured_set_list
#   set_sensitive = [{ name = "configuration.slackHookUrl", value = var.slack_hook_url }]
# }

resource "kured_gated_reboot_policy" "nodes" {
  sentinel_host_path = "/var/run/gated-reboot-required"

  kured {
    chart_version = "5.11.0"

    dynamic "set" {
      for_each = local.kured_set
      content {
        name  = set.value.name
        value = set.value.value
        type  = lookup(set.value, "type", null)
      }
    }

    dynamic "set_list" {
      for_each = local.kured_set_list
      content {
        name  = set_list.value.name
        value = set_list.value.value
      }
    }

    # As a helm provider 2.x release writes it.
    set_sensitive {
      name  = "configuration.slackHookUrl"
      value = var.slack_hook_url
    }
  }

  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}

output "reboot_window" {
  value = kured_gated_reboot_policy.nodes.reboot_window
}
