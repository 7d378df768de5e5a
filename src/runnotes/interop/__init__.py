"""Meeting runs where they already are: imports from MLflow, TensorBoard, CSV and Parquet sheets
and runnotes' own JSON Lines, exports back out (JSON Lines, CSV, Parquet, MLflow), Jupyter magics.

Every importer only *reads* its source into :class:`runnotes.interop.bulk.ImportedRun` values;
:func:`runnotes.interop.bulk.write_runs` stores them all in one transaction, keyed by
``Run.source_id``, so a failed import leaves nothing behind and a repeated one updates in place.
"""
