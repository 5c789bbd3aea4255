-- A member's registration on the hub (OCM ManagedCluster): state, accepted, joined,
-- available, taints, clusterset and its agents' CSRs, as JSON (NULL: not registered in OCM).
-- The clusters pane's registration column and `pending_joins()` read it.
ALTER TABLE clusters ADD COLUMN hub_state TEXT;
