"""The training frameworks' own hooks, each in its module and imported only when asked for.

- :mod:`runnotes.integrations.lightning` — ``RunnotesLogger`` for ``Trainer(logger=…)``
- :mod:`runnotes.integrations.transformers` — ``RunnotesCallback`` for ``Trainer(callbacks=[…])``
  (and ``report_to="runnotes"`` after ``register()``)
- :mod:`runnotes.integrations.keras` — ``RunnotesCallback`` for ``model.fit(callbacks=[…])``
- :mod:`runnotes.integrations.xgboost` — ``RunnotesCallback`` for ``xgb.train(callbacks=[…])``
- :mod:`runnotes.integrations.lightgbm` — ``runnotes_callback()`` for ``lgb.train(callbacks=[…])``

Each records the framework's hyper-parameters as params, metric values with their step (and the
epoch where the framework has one) and the final status. None of the frameworks is a dependency
of runnotes: each module imports its framework, and the extras (``runnotes[lightning]``…) name
them for whoever wants them installed together.
"""
