"""Pure logic of the reminder function: no AWS calls, no clock, no randomness of its own.

items parses a stream image, schedules names and times the one-time schedules, lifecycle says
what a stream record means for them.
"""
