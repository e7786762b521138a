"""Indicators (指标): each defined once, with its formula, computed by SQL aggregates."""
