"""Domain services: the only place that commits."""
