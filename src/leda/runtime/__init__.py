"""The offline runtime: the workshop's resources brought to life on local emulators.

Layers, data flowing one way: `leda.emulators` (processes) <- `runtime.functions` (isolated
function workers) <- `runtime.triggers` (event source mappings) <- `runtime.plan` (what the
Pulumi graph declares) <- `runtime.session` (one run) <- the CLI.
"""
