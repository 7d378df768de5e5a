"""Sample data and a small real training job, used by ``scripts/demo`` and the tests."""
