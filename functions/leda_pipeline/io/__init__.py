"""AWS adapters of the pipeline: each module wraps the calls against one resource."""
