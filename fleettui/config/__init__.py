"""Configuration: XDG paths, kubeconfig merging, the fleet file."""
