"""Redrive: deliver again what a stream trigger gave up on, from its on-failure queue."""
