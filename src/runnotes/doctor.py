"""``runnotes doctor``: is the store sound? The database's pages, the media files, who can read
them, runs left ``running`` by a process that died, watched output still being read (a reader
that died is started again), and the drafts.

Each check is cheap enough to run by hand and too slow to run on every open (``PRAGMA
quick_check`` reads every page; media are re-hashed), which is why it is a command.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path

from runnotes.reports import drafts
from runnotes.store.db import Store, store_folders
from runnotes.store.health import media_sizes, quick_check, running_runs
from runnotes.store.runs import owner_alive

OK, WARN, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class Finding:
    level: str  # ok, warning, error
    check: str  # database, media, permissions, runs, watch, drafts, speech
    message: str


def examine(store: Store) -> list[Finding]:
    """Every check, in order; a check that finds nothing wrong says so once. With damaged
    pages, the checks that read the tables are skipped (they would stop on the damage)."""
    database = _database(store)
    if any(f.level == ERROR for f in database):
        skipped = Finding(WARN, "database", "media, runs and drafts not checked: restore a backup")
        return [*database, skipped, *_permissions(store)]
    checks = [*_media(store), *_permissions(store), *_stale_runs(store), *_output(store)]
    checks += _drafts(store)
    return [*database, *checks, *_speech(store)]


def _database(store: Store) -> list[Finding]:
    checked, rows = quick_check(store)
    if rows == ["ok"]:
        ok = checked if not store.is_sqlite else f"{checked}: ok"
        return [Finding(OK, "database", ok)]
    shown = "; ".join(rows[:5]) + (f" (and {len(rows) - 5} more)" if len(rows) > 5 else "")
    return [Finding(ERROR, "database", f"{checked}: {shown}")]


def _media(store: Store) -> list[Finding]:
    with store.read() as session:
        rows = media_sizes(session)
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
    """Paths of the store that others can read: said, with the ``chmod`` to run, never changed
    (the folders may be the user's own, shared on purpose)."""
    home = store.settings.home
    groups: dict[Path, list[Path]] = {}  # each store folder, with its paths others can read
    for root, _ in store_folders(store.settings):
        if root.is_dir():
            groups[root] = [p for p in [root, *root.rglob("*")] if _readable_by_others(p)]
    if store.is_sqlite and store.engine.url.database:
        db = Path(store.engine.url.database)
        groups.setdefault(db, [db] if _readable_by_others(db) else [])
    open_to_others = list(dict.fromkeys(p for found in groups.values() for p in found))
    if not open_to_others:
        return [Finding(OK, "permissions", f"{home} and its files are readable by you only")]
    shown = ", ".join(str(p) for p in open_to_others[:5])
    more = f" (and {len(open_to_others) - 5} more)" if len(open_to_others) > 5 else ""
    fix = " ".join(str(root) for root, found in groups.items() if found)
    return [
        Finding(
            WARN,
            "permissions",
            f"readable by other users: {shown}{more}; runnotes leaves modes as they are: "
            f"`chmod -R go-rwx {fix}` makes them private",
        )
    ]


def _readable_by_others(path: Path) -> bool:
    """Links are not followed: a link's own mode means nothing, its target is checked where it
    lies inside a store folder."""
    return not path.is_symlink() and bool(stat.S_IMODE(path.lstat().st_mode) & 0o077)


def _stale_runs(store: Store) -> list[Finding]:
    with store.read() as session:
        running = running_runs(session)
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


def _output(store: Store) -> list[Finding]:
    """Output of watched commands still being read for metrics (``watch`` stopped waiting for
    its reader); a spool whose reader died is read on from where it stopped."""
    from runnotes.capture.spool import progress
    from runnotes.watch.reader import resume

    resumed = set(resume(store.settings.home))
    found = []
    for spool in progress(store.settings.home):
        left = f"{(spool.size - spool.read) / 2**20:.1f} of {spool.size / 2**20:.1f} MB left"
        if spool.spool in resumed:
            how = "its reader had stopped: read on now"
        elif spool.reading:
            how = "being read" + (f" (process {spool.pid})" if spool.pid else "")
        else:
            how = "waiting for its reader"
        found.append(Finding(OK, "watch", f"run {spool.run_id}: output {how}; {left}"))
    return found or [Finding(OK, "watch", "every watched command's output is read")]


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
