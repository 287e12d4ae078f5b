"""The Pulumi program of the LEDA workshop: one definition, three lab stages, and the reminders
scheduled from table writes (the same in every stage).

`pulumi up` runs it through `__main__.py`; the offline runtime and `leda stage ...` run the same
program under Pulumi's mocks through `mock_run`.
"""
