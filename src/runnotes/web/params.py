"""Query parameters of the pages and the API, bounded by what the store can hold.

A number a database column cannot take (``2**70`` as an offset, a page, a run id to filter by) is
refused here with a 422, before any query: SQLite raises OverflowError for it and PostgreSQL
"bigint out of range", 500s both (issue 31). An id in the path is simply not found (``get_row``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from runnotes.store.runs import INT64

MAX_OFFSET = 10**12  # rows to skip: beyond any store, well inside what OFFSET takes
MAX_PAGE = 10**9

RowIdQuery = Annotated[int | None, Query(ge=INT64[0], le=INT64[1])]
After = Annotated[int, Query(ge=0, le=INT64[1])]  # a capture id to continue after
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
