"""The aggregation pipeline, one participant's: `component.py` declares it from the stage model
(`stacks/stage_model.py`), `policies.py` turns the model's grants into its roles' policies."""
