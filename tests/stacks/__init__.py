"""The Pulumi program, run under Pulumi's mocks (no CLI, no cloud)."""
