"""PostgreSQL: a review of many metric values moves their run's ``series_version`` once per
statement, not once per value

The trigger of 0008 (columns of 0011) ran ``UPDATE run SET series_version = series_version + 1``
for every updated metric capture: approving 20 000 spoken values of one run updated one run row
20 000 times in one transaction, and PostgreSQL walks the chain of that row's versions at each
update, so the time grew with the square of the count (figures: ``docs/reliability.md``). The
trigger is now per statement, with the statement's old and new rows as transition tables
(PostgreSQL refuses those on a trigger with a column list, and a statement trigger has no per-row
``WHEN``): it compares them, joined on id, over the columns 0011 watched, and moves each run whose
metric values changed once. Any process and any SQL path still moves the version.

SQLite keeps its trigger per row: each update of the run row is a B-tree write, linear in the
count (100 000 values: measured in ``benchmarks/review.py``).

Revision ID: 0022_series_version_statement
Revises: 0020_points_unchecked
"""

from alembic import op

revision = "0022_series_version_statement"
down_revision = "0020_points_unchecked"
branch_labels = None
depends_on = None

COLUMNS = ("value", "step", "review", "name", "kind", "run_id", "logged_id")
WATCHED = ", ".join(COLUMNS)
BEFORE = ", ".join(f"o.{column}" for column in COLUMNS)
AFTER = ", ".join(f"n.{column}" for column in COLUMNS)
PER_STATEMENT = f"""
CREATE OR REPLACE FUNCTION capture_series_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE run SET series_version = series_version + 1 WHERE id IN (
    SELECT unnest(ARRAY[o.run_id, n.run_id])
    FROM changed_old AS o FULL JOIN changed_new AS n ON n.id = o.id
    WHERE (o.kind = 'metric' OR n.kind = 'metric')
      AND ROW({BEFORE}) IS DISTINCT FROM ROW({AFTER})
  );
  RETURN NULL;
END $$
"""
PER_ROW = (
    "CREATE OR REPLACE FUNCTION capture_series_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE run SET series_version = series_version + 1 "
    "WHERE id IN (OLD.run_id, NEW.run_id); RETURN NULL; END $$"
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER capture_series_changed ON capture")
    op.execute(PER_STATEMENT)
    op.execute(
        "CREATE TRIGGER capture_series_changed AFTER UPDATE ON capture "
        "REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new "
        "FOR EACH STATEMENT EXECUTE FUNCTION capture_series_changed()"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER capture_series_changed ON capture")
    op.execute(PER_ROW)
    op.execute(
        f"CREATE TRIGGER capture_series_changed AFTER UPDATE OF {WATCHED} ON capture "
        "FOR EACH ROW WHEN (OLD.kind = 'metric' OR NEW.kind = 'metric') "
        "EXECUTE FUNCTION capture_series_changed()"
    )
