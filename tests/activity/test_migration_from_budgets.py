"""A database migrated on the layout where tariffs and activity lived in budgets/ moves forward with every
row, history record, content type and permission kept."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD = [("budgets", "0007_tariff_rows_national_first"), ("activity", None)]
MOVED = ["tariffversion", "historicaltariffversion", "admittedtariff", "extractupload", "activityaggregate"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_tables_and_permissions_follow_the_models():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(OLD)
    try:
        year = old.get_model("pbc", "FinancialYear").objects.create(start_year=2007)
        pct = old.get_model("pbc", "Pct").objects.create(code="5WV", name="Wessex Vale PCT")
        version = old.get_model("budgets", "TariffVersion").objects.create(year=year, version=1)
        old.get_model("budgets", "HistoricalTariffVersion").objects.create(
            id=version.pk, year=year, version=1, is_current=True, created=version.created,
            history_date=version.created, history_type="+", files={}, counts={},
        )  # fmt: skip
        old.get_model("budgets", "AdmittedTariff").objects.create(
            tariff=version, row=2, hrg="HA11A", elective_pence=500_000, non_elective_pence=200_000
        )
        upload = old.get_model("budgets", "ExtractUpload").objects.create(
            pct=pct, dataset="APC", year=year, filename="apc.csv", checksum="x" * 64, status="succeeded"
        )
        old.get_model("budgets", "ActivityAggregate").objects.create(
            upload=upload, pct=pct, dataset="APC", outcome="costed", activity=3, cost_pence=315_000,
            is_current=True,
        )  # fmt: skip
        # As on a database migrated on the old layout: the permission hangs on a budgets content type.
        ContentType.objects.filter(app_label="activity").delete()
        ct = ContentType.objects.get_or_create(app_label="budgets", model="extractupload")[0]
        perm = Permission.objects.get_or_create(
            content_type=ct, codename="upload_extract", defaults={"name": "Can upload activity extracts"}
        )[0]
        Group.objects.create(name="moved-permission-holder").permissions.add(perm)
    finally:
        new = _migrate(latest)

    assert new.get_model("activity", "TariffVersion").objects.get().version == 1
    assert new.get_model("activity", "HistoricalTariffVersion").objects.count() == 1
    assert new.get_model("activity", "AdmittedTariff").objects.get().elective_pence == 500_000
    aggregate = new.get_model("activity", "ActivityAggregate").objects.get()
    assert (aggregate.cost_pence, aggregate.upload.filename) == (315_000, "apc.csv")
    tables = set(connection.introspection.table_names())
    assert {f"activity_{m}" for m in MOVED} <= tables
    assert not {f"budgets_{m}" for m in MOVED} & tables
    ContentType.objects.clear_cache()
    moved_perm = Permission.objects.get(codename="upload_extract")
    assert moved_perm.content_type.app_label == "activity"
    assert Group.objects.get(name="moved-permission-holder").permissions.filter(pk=moved_perm.pk).exists()
