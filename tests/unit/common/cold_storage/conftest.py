"""Archive and restore fixtures: in-process moto with both cold-storage back ends."""

from tests.archive_fixtures import backend, settings  # noqa: F401  (pytest fixtures)
