"""The reminder function's own code: pure logic, and its one adapter.

items parses a stream image, schedules names and times the one-time schedules, lifecycle says
what a stream record means for them: no AWS calls, no clock, no randomness of their own.
scheduler_writer puts and deletes the schedules (EventBridge Scheduler). The plumbing it shares
with the pipeline's functions (settings, clients, dead letters) is in leda_lambda.
"""
