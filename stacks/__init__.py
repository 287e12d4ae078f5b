"""The Pulumi program of the LEDA workshop: one definition, three lab stages, and the reminders
scheduled from table writes (the same in every stage).

`pulumi up` runs it through `__main__.py`; the offline runtime and `leda stage ...` run the same
program under Pulumi's mocks through `mocks/run.py`.

    __main__.py, program.py  the entry point; config checked, both components declared, exports
    config.py, naming.py     stack config; physical names and stack outputs
    stage_model.py           every fact that differs between lab stages
    tables.py                every table's shape (keys, stream, TTL)
    parts.py, iam.py         what both components declare alike: a table, a queue, a function
                             with its role; the statements every role has
    artifacts.py             the `sam build` folders the functions are deployed from
    project.py               where the project is, for every part of Leda
    pipeline/                the aggregation pipeline: component, its roles' policies
    reminders/               the reminders: component, settings, its roles' policies
    mocks/                   the second interpreter: run under Pulumi's mocks (run.py), AWS's
                             answers (cloud.py), what a stage change must not replace
                             (stateful.py)
"""
