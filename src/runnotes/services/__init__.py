"""The library API over the store: what the CLI, the SDK, the web app, reports and Jupyter call.

Layers import downward only: ``store`` (tables, migrations, queries) → ``services`` → ``capture``,
``voice``, ``reports``, ``interop`` → the thin shells (CLI, SDK, web, agent, Jupyter).
"""
