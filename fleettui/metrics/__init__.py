"""Fleet metrics and cost, headless: usage next to requests (from each cluster's
Prometheus and the cache), the global view's top-N and ad-hoc queries, cost as OpenCost
allocates it, and where an application fits. Every view is a pure function over data
(store rows, Prometheus answers), so the panes and the CLI show the same numbers.

Sits at the alerts level: imports store, prom, sync and config; never textual.
"""
