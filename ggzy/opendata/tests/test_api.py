"""The OCDS API and the bulk JSON-lines downloads: public, no sign-in, the same packages as the builder."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from ggzy.opendata import ocds, selectors

from .helpers import BASE_URL, procedure, validate

pytestmark = pytest.mark.django_db


def _until(tmp_path, stage_name):
    stages = procedure(tmp_path)
    for stage in stages:
        if stage.stage == stage_name:
            return stages, stage
    raise AssertionError(stage_name)


def test_packages_of_a_process_are_served_to_anyone(tmp_path):
    stages, stage = _until(tmp_path, "awarded")
    try:
        client = Client()
        ocid = stage.first_ocid
        response = client.get(f"/api/v1/ocds/releases/{ocid}")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
        package = response.json()
        assert package["uri"] == f"{BASE_URL}/api/v1/ocds/releases/{ocid}"
        assert [release["tag"][0] for release in package["releases"]] == [
            "planning",
            "tender",
            "tenderAmendment",
            "tenderUpdate",
            "award",
        ]
        built = ocds.release_package(
            [selectors.process_state(selectors.process_get(ocid))],
            uri=package["uri"],
            base_url=BASE_URL,
        )
        assert package == json.loads(ocds.dumps(built))
        assert package["publishedDate"] == package["releases"][-1]["date"]
        validate(package, tmp_path, "api-releases")

        record_package = client.get(f"/api/v1/ocds/records/{ocid}").json()
        (record,) = record_package["records"]
        assert record["ocid"] == ocid and len(record["releases"]) == 5
        assert record["compiledRelease"]["tag"] == ["compiled"]
        assert record["compiledRelease"]["awards"][0]["status"] == "active"
        validate(record_package, tmp_path, "api-records")

        for unknown in (ocid + "9", "ocds-xxxxxx-1-001", ocid.replace("-001", "-T09-001"), "nonsense"):
            assert client.get(f"/api/v1/ocds/releases/{unknown}").status_code == 404
            assert client.get(f"/api/v1/ocds/records/{unknown}").status_code == 404

        listing = client.get("/api/v1/ocds/processes").json()
        assert listing["count"] == 3
        assert [item["ocid"] for item in listing["items"]] == [
            ocid,
            ocid.replace("-001", "-002"),
            ocid.replace("-001", "-T02-002"),
        ]
        assert listing["items"][2]["previous_ocid"] == ocid.replace("-001", "-002")
        assert listing["items"][2]["tender_code"].endswith("-T02")
    finally:
        stages.close()


def test_bulk_downloads_stream_one_package_per_process_and_line(tmp_path):
    stages, stage = _until(tmp_path, "contract")
    try:
        client = Client()
        for name, key in (("opendata:release_packages", "releases"), ("opendata:record_packages", "records")):
            response = client.get(reverse(name))
            assert response.status_code == 200 and response.streaming
            assert response["Content-Type"].startswith("application/x-ndjson")
            assert "attachment" in response["Content-Disposition"]
            lines = b"".join(response.streaming_content).decode().splitlines()
            packages = [json.loads(line) for line in lines]
            assert len(packages) == 3 and all(len(package[key]) >= 1 for package in packages)
            validate(packages[0], tmp_path, f"bulk-{key}")
        page = client.get(reverse("opendata:index"))
        assert page.status_code == 200 and "ocds-records.jsonl" in page.content.decode()
    finally:
        stages.close()
    assert stage.stage == "contract"


def test_a_process_before_any_tender_is_its_planning_stage(tmp_path):
    stages, stage = _until(tmp_path, "registered")
    try:
        package = Client().get(f"/api/v1/ocds/records/{stage.first_ocid}").json()
        (record,) = package["records"]
        assert [release["tag"] for release in record["releases"]] == [["planning"]]
        assert record["compiledRelease"]["tender"]["status"] == "planning"
        assert "amount" not in record["compiledRelease"]["planning"]["budget"]  # a works estimate is not public
    finally:
        stages.close()
