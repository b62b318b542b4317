"""OCDS packages from the demo data and from a full procedure validate with libcoveocds, offline,
with zero schema errors and zero closed-codelist violations, at every stage of the procedure.
A release, once published, never changes."""

from __future__ import annotations

import pytest

from ggzy.core import demo
from ggzy.opendata import ocds
from ggzy.tendering import services as tendering_services

from .helpers import BASE_URL, packages, procedure, validate

pytestmark = pytest.mark.django_db


def test_demo_data_validates(tmp_path):
    demo.load()
    release_package, record_package = packages()
    assert len(record_package["records"]) == 4  # the two demo projects this platform tenders, two lots each
    assert {release["tag"][0] for release in release_package["releases"]} == {"planning"}
    validate(release_package, tmp_path, "demo-releases")
    validate(record_package, tmp_path, "demo-records")


def test_every_stage_of_a_procedure_validates_and_releases_never_change(tmp_path):
    published: dict[str, str] = {}
    tags: set[str] = set()
    for stage in procedure(tmp_path):
        release_package, record_package = packages()
        validate(release_package, tmp_path, f"{stage.stage}-releases")
        validate(record_package, tmp_path, f"{stage.stage}-records")
        for release in release_package["releases"]:
            text = ocds.dumps(release)
            assert published.setdefault(release["id"], text) == text, f"{release['id']} changed at {stage.stage}"
            tags.update(release["tag"])
        ids = [release["id"] for release in release_package["releases"]]
        assert len(ids) == len(set(ids))
    assert tags == {"planning", "tender", "tenderAmendment", "tenderUpdate", "award", "contract"}
    assert BASE_URL


def test_a_terminated_tender_validates(tmp_path):
    stages = procedure(tmp_path)
    for stage in stages:
        if stage.stage == "opened":
            break
    try:
        tendering_services.tender_cancel(actor=stage.agent, tender=stage.tender, reason="项目资金调整，终止招标")
        release_package, record_package = packages()
    finally:
        stages.close()
    tags = [release["tag"][0] for release in release_package["releases"]]
    assert tags.count("tenderCancellation") == 1  # lot 1; lot 2 had already failed and stays so
    compiled = {record["ocid"]: record["compiledRelease"] for record in record_package["records"]}
    assert compiled[stage.first_ocid]["tender"]["status"] == "cancelled"
    assert compiled[stage.first_ocid.replace("-001", "-002")]["tender"]["status"] == "unsuccessful"
    validate(release_package, tmp_path, "cancelled-releases")
    validate(record_package, tmp_path, "cancelled-records")
