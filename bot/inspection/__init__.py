"""Field inspection (实地督察): inspection groups score each unit beside its self-score, and
their findings, once released (反馈), become the unit's rectification items.

Core only: nothing here imports telegram. ``InspectionService`` (service.py) is the one
entry point the shells (handlers/inspect.py, the terminal, the CLI) call.
"""
