"""Failures a participant can provoke offline (`leda local up --inject`), each one a flaw the
workshop's answer still has and the hardened stage fixes."""
