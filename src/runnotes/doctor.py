"""``runnotes doctor``: is the store sound? The database's pages, the media files, who can read
them, runs left ``running`` by a process that died, and the drafts.

Each check is cheap enough to run by hand and too slow to run on every open (``PRAGMA
quick_check`` reads every page; media are re-hashed), which is why it is a command.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from runnotes.reports import drafts
from runnotes.store.db import Store
from runnotes.store.models import MediaFile, Run
from runnotes.store.runs import owner_alive

OK, WARN, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class Finding:
    level: str  # ok, warning, error
    check: str  # database, media, permissions, runs, drafts, speech
    message: str


def examine(store: Store) -> list[Finding]:
    """Every check, in order; a check that finds nothing wrong says so once. With damaged
    pages, the checks that read the tables are skipped (they would stop on the damage)."""
    database = _database(store)
    if any(f.level == ERROR for f in database):
        skipped = Finding(WARN, "database", "media, runs and drafts not checked: restore a backup")
        return [*database, skipped, *_permissions(store)]
    checks = [*_media(store), *_permissions(store), *_stale_runs(store), *_drafts(store)]
    return [*database, *checks, *_speech(store)]


def _database(store: Store) -> list[Finding]:
    try:
        with store.engine.connect() as conn:
            if not store.is_sqlite:
                conn.execute(text("SELECT 1"))
                return [Finding(OK, "database", f"{store.engine.dialect.name} answers")]
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    except DBAPIError as exc:  # damage bad enough that the check itself cannot read on
        rows = [str(exc.orig).splitlines()[0] if exc.orig else str(exc)]
    if rows == ["ok"]:
        return [Finding(OK, "database", "PRAGMA quick_check: ok")]
    shown = "; ".join(rows[:5]) + (f" (and {len(rows) - 5} more)" if len(rows) > 5 else "")
    return [Finding(ERROR, "database", f"PRAGMA quick_check: {shown}")]


def _media(store: Store) -> list[Finding]:
    with store.read() as session:
        rows = session.exec(select(MediaFile.sha256, MediaFile.size)).all()
    found = []
    for sha, size in rows:
        path = store.media.path(sha)
        if not path.is_file():
            found.append(Finding(ERROR, "media", f"{sha[:12]}… is missing ({path})"))
            continue
        data = path.read_bytes()
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            found.append(Finding(ERROR, "media", f"{path} is damaged (its content changed)"))
    return found or [Finding(OK, "media", f"{len(rows)} files present and intact")]


def _permissions(store: Store) -> list[Finding]:
    home = store.settings.home
    roots = [home, store.settings.media_dir, drafts.DraftSettings.of(store).root]
    paths: list[Path] = []
    for root in dict.fromkeys(roots):
        if root.exists():
            paths += [root, *root.rglob("*")]
    if store.is_sqlite and store.engine.url.database:
        paths.append(Path(store.engine.url.database))
    open_to_others = [p for p in dict.fromkeys(paths) if p.exists() and _readable_by_others(p)]
    if not open_to_others:
        return [Finding(OK, "permissions", f"{home} and its files are readable by you only")]
    shown = ", ".join(str(p) for p in open_to_others[:5])
    more = f" (and {len(open_to_others) - 5} more)" if len(open_to_others) > 5 else ""
    return [
        Finding(
            WARN,
            "permissions",
            f"readable by other users: {shown}{more}; fix with `chmod -R go-rwx {home}`",
        )
    ]


def _readable_by_others(path: Path) -> bool:
    return bool(stat.S_IMODE(path.lstat().st_mode) & 0o077)


def _stale_runs(store: Store) -> list[Finding]:
    with store.read() as session:
        running = session.exec(select(Run).where(Run.status == "running")).all()
    dead = [r for r in running if owner_alive(r) is False]
    if not dead:
        return [Finding(OK, "runs", f"{len(running)} running, none left by a dead process")]
    ids = ", ".join(str(r.id) for r in dead[:10])
    return [
        Finding(
            WARN,
            "runs",
            f"{len(dead)} runs marked running whose process is gone ({ids}): "
            "`runnotes runs close-stale` ends them as crashed",
        )
    ]


def _drafts(store: Store) -> list[Finding]:
    found = []
    for draft in drafts.list_drafts(store):
        if draft.error:
            found.append(
                Finding(WARN, "drafts", f"{draft.path}: last refresh failed: {draft.error}")
            )
        elif draft.edited:
            found.append(
                Finding(
                    OK, "drafts", f"{draft.path} was edited by hand; new version: {draft.written}"
                )
            )
    if not drafts.idle(store):
        found.append(Finding(OK, "drafts", "a refresh is under way or queued"))
    return found or [Finding(OK, "drafts", "every draft refreshed without error")]


def _speech(store: Store) -> list[Finding]:
    """The voice of the spoken summaries (``runnotes listen``): a warning when there is none."""
    from runnotes.reports.speech import voice_status

    usable, what = voice_status(store.settings)
    return [Finding(OK if usable else WARN, "speech", what)]
