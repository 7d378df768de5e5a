"""The review page: ``runnotes serve`` — server-rendered pages over the store, plus a JSON API.

The pages and the API are thin layers over :mod:`runnotes.store.queries` and
:mod:`runnotes.store.review`; the SDK's team mode (:mod:`runnotes.sdk.remote`) writes to its API.
"""
