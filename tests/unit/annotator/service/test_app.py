"""The annotator app: ready only with a loadable reference, and not while stopping."""

from __future__ import annotations

from pathlib import Path

import pytest
from gas_annotator import create_app
from gas_annotator.reference.custom import build_custom
from gas_common.service import EXTENSION

from tests.factories import settings_with

GTF = Path(__file__).resolve().parents[3] / "data" / "annotator" / "reference.gtf"


@pytest.fixture
def app_for(aws_mock):
    made = []

    def make(**changes):
        app = create_app(settings_with(aws_mock, **changes))
        made.append(app)
        return app
    yield make
    for app in made:
        app.extensions[EXTENSION].stop()


def test_not_ready_without_the_reference_bundle(app_for, tmp_path):
    app = app_for(reference="grch38", reference_dir=str(tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "not installed" in response.json["failed"]["reference"]


def test_ready_with_a_bundle_and_not_while_stopping(app_for, tmp_path):
    bundle = build_custom(GTF, "gtf", tmp_path / "b", "b")
    app = app_for(reference=str(bundle))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    app.extensions[EXTENSION].stop()
    response = client.get("/readyz")
    assert response.status_code == 503 and "accepting" in response.json["failed"]
