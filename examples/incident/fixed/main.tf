# The incident, repaired: the gated node file is declared once, kured's rebootSentinel
# names it, and drains are bounded so a blocking PodDisruptionBudget cannot hang a reboot.
terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

provider "kured" {}

locals {
  kured_values = <<-YAML
    configuration:
      rebootSentinel: /var/run/gated-reboot-required
      period: 1h
      drainTimeout: 30m
  YAML
}

resource "kured_gated_reboot_policy" "nodes" {
  sentinel_host_path = "/var/run/gated-reboot-required"

  kured {
    chart_version = "5.11.0"
    values        = [local.kured_values]
  }

  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}

output "kured_sentinel_host_path" {
  value = kured_gated_reboot_policy.nodes.kured_sentinel_host_path
}

output "gate_sentinel_host_path" {
  value = kured_gated_reboot_policy.nodes.gate_sentinel_host_path
}

output "drain_timeout" {
  value = kured_gated_reboot_policy.nodes.drain_timeout
}
