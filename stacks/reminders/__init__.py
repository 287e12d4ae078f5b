"""The reminders scheduled from table writes, the same in every stage: `component.py` declares
them, `model.py` holds their settings, `policies.py` their two roles' policies."""
