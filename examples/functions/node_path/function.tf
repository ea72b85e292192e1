terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

locals {
  gate_manifest = yamlencode({
    apiVersion = "apps/v1"
    kind       = "DaemonSet"
    metadata   = { name = "sentinel-gate", namespace = "kube-system" }
    spec = {
      template = {
        spec = {
          containers = [{
            name         = "gate"
            image        = "registry.example/gate:1"
            volumeMounts = [{ name = "var-run", mountPath = "/host/var-run" }]
          }]
          volumes = [{ name = "var-run", hostPath = { path = "/var/run" } }]
        }
      }
    }
  })
}

# The node file the gate's container writes at /host/var-run/gated-reboot-required.
output "gate_writes" {
  value = provider::kured::node_path(local.gate_manifest, "gate", "/host/var-run/gated-reboot-required")
}
