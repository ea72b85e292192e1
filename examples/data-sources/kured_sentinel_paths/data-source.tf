# Where do kured and the gate really look? A report that never fails on a mismatch.
terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

data "kured_sentinel_paths" "current" {
  kured {
    chart_version = "5.11.0"
    values = [yamlencode({
      configuration = { rebootSentinel = "/sentinel/gated-reboot-required" }
    })]
  }
  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}

output "aligned" {
  value = data.kured_sentinel_paths.current.aligned
}

output "kured_chain" {
  value = data.kured_sentinel_paths.current.kured_sentinel_chain
}

# Values that make this chart version's kured watch the gate's file; apply them last.
output "recommended_values" {
  value = data.kured_sentinel_paths.current.recommended_values
}
