"""fleettui: a terminal control plane for fleets of Kubernetes clusters."""
__version__ = "0.1.0"
