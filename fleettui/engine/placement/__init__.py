"""fleettui's placement extensions to KubeVela's deploy step: waves of clusters
(`batches` on a deploy step), capacity-aware cluster choice (policy `placement`)
and replica splitting (policy `replica-split`).

The decisions are pure functions of rendered placements and a capacity snapshot
(waves.py, capacity.py, split.py); schedule.py applies them to a step's
placements; room.py reads the snapshot from the store. KubeVela has none of
these, so a Kubernetes hub refuses them (extensions.py) instead of letting a
real KubeVela drop or misread them.
"""
