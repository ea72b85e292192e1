terraform {
  required_providers {
    kured = {
      source = "rebootgate/kured"
    }
  }
}

# Every argument is optional. Stacks that check chart values or manifests never need a
# cluster; the kubeconfig settings are used only by reads that name a live DaemonSet.
provider "kured" {
  # Node paths that are the same directory on your nodes. This replaces the default,
  # which treats /var/run as /run and /var/lock as /run/lock.
  host_path_aliases = {
    "/var/run"  = "/run"
    "/var/lock" = "/run/lock"
  }
}
