"""Warehouses: the sample one metricc ships, and running SQL on engines."""
