"""Long lists in drafts: the latest few items, and how many more are on the runs page.

An experiment with 10 000 notes made a 1.3 MB README of 20 000 list items and a progress .docx
that took a minute, refreshed after every run end, like and review (issue 31). A draft is a
summary: each list keeps its latest :data:`MAX_ITEMS` items and says how many it left out, with
a link to the experiment's runs on the web page (``runnotes serve``), where all of them are.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

MAX_ITEMS = 50  # items per list of a draft (decisions, next steps, blockers, ...)
# Where ``runnotes serve`` listens by default: the link in "and N more".
WEB_URL = "http://127.0.0.1:8765"
LISTS = ("decisions", "next_steps", "blockers", "observations", "screenshots", "changes")


class Capped(list):
    """A list as a template shows it: ``more`` items left out, all of them at ``page``."""

    more: int = 0
    page: Markup = Markup("")


def runs_page(project: str, experiment: str) -> Markup:
    """The web page of the experiment's runs (percent-encoded: safe as a Markdown link)."""
    return Markup(f"{WEB_URL}/runs?{urlencode({'project': project, 'experiment': experiment})}")


def cap_lists(data: Any, limit: int = MAX_ITEMS) -> None:
    """Keep the latest ``limit`` items of each of ``data``'s lists (they are in time order)."""
    page = runs_page(data.project, data.name)
    for name in LISTS:
        items = getattr(data, name)
        capped = Capped(items[-limit:] if len(items) > limit else items)
        capped.more, capped.page = len(items) - len(capped), page
        setattr(data, name, capped)
