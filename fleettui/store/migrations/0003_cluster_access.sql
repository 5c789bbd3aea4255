-- How each member is reached: 'direct' (its own kubeconfig context) or 'gateway'
-- (through the hub's Cluster Gateway proxy). Shown per cluster and in the status bar.
ALTER TABLE clusters ADD COLUMN access TEXT NOT NULL DEFAULT 'direct';
