"""The review page: ``runnotes serve`` — server-rendered pages over the store, plus a JSON API.

The pages and the API are thin layers over :mod:`runnotes.store.queries` and
:mod:`runnotes.store.review`; team mode (:mod:`runnotes.backend.remote`) writes to its API.
"""
