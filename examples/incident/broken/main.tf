# The incident, as it was deployed: kured's chart mounts dir(rebootSentinel) from the node,
# so kured watches the node's /sentinel/ while the gate writes into the node's /var/run/.
# Both log success and no node ever reboots. `terraform plan` must refuse this stack.
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
      rebootSentinel: /sentinel/gated-reboot-required
      period: 1h
  YAML
}

resource "kured_gated_reboot_policy" "nodes" {
  kured {
    chart_version = "5.11.0"
    values        = [local.kured_values]
  }

  # The gate touches gated-reboot-required in /host/var-run, a hostPath mount of /var/run.
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}
