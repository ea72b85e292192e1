terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

# Where does chart 5.11.0's kured look with these values? The chart mounts
# dir(rebootSentinel) from the node, so the answer is the node's own path.
output "kured_watches" {
  value = provider::kured::sentinel_host_path("5.11.0", [
    yamlencode({ configuration = { rebootSentinel = "/var/run/gated-reboot-required" } }),
  ])
}
