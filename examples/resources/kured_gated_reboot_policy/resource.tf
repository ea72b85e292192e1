# kured installed from its Helm chart, behind a gate DaemonSet that writes the gated
# sentinel through a hostPath mount of the node's /var/run.
terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

locals {
  kured_values = <<-YAML
    configuration:
      rebootSentinel: /var/run/gated-reboot-required
      drainTimeout: 30m
      rebootDays: [mo, tu, we, th]
      startTime: "02:00"
      endTime: "05:00"
      timeZone: Europe/Berlin
  YAML
}

resource "kured_gated_reboot_policy" "nodes" {
  # The node file that gates reboots: kured and the gate must both resolve to it.
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

output "kured_watches" {
  value = kured_gated_reboot_policy.nodes.kured_sentinel_host_path
}

output "reboot_window" {
  value = kured_gated_reboot_policy.nodes.reboot_window
}
