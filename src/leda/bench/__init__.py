"""Benchmark of the offline pipeline: speed, the limit it runs against, and what it costs.

`meter` turns each AWS call into billing units, `prices` holds the one price table, and `cost`
turns units into dollars per million messages. All three are pure: no AWS calls, no emulators.
"""
