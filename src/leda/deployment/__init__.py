"""The offline deployment of one stack: its plan read from the Pulumi program, brought to life."""
