"""Permission-matrix entries for tariffs, uploads and activity."""

from pbc.choices import Role
from tests.mixins.matrix import ALL_ROLES, PCT_STAFF, Route

# Capabilities are the same for pages and API: a read-write API client may upload either way.
UPLOAD_VIEWERS = PCT_STAFF | {Role.AUDITOR, Role.API_CLIENT_WRITE}
UPLOADERS = {Role.PCT_FINANCE, Role.PCT_INFORMATION, Role.API_CLIENT_WRITE}
TARIFF_IMPORTERS = {Role.PCT_FINANCE, Role.PCT_INFORMATION}


def _year():
    from pbc.models import FinancialYear

    return FinancialYear.objects.get_or_create(start_year=2007)[0]


def tariff_pk(world, role, in_scope):
    from budgets.models import TariffVersion

    return {"pk": TariffVersion.objects.get_or_create(year=_year(), version=1)[0].pk}


def upload_pk(world, role, in_scope):
    from budgets.models import ExtractUpload

    pct = world.pct if in_scope else world.other_pct
    upload = ExtractUpload.objects.create(
        pct=pct, dataset="APC", year=_year(), filename="x.csv", checksum="x", status="succeeded"
    )
    return {"pk": upload.pk}


ROUTES = [
    Route("budgets:activity_list", ALL_ROLES),
    Route("budgets:tariff_list", ALL_ROLES),
    Route("budgets:tariff_import", TARIFF_IMPORTERS),
    # Tariffs are national prices: no out-of-scope case.
    Route("budgets:tariff_detail", ALL_ROLES, kwargs=tariff_pk, scoped_roles=set()),
    Route("budgets:upload_list", UPLOAD_VIEWERS),
    Route("budgets:upload_create", UPLOADERS),
    Route("budgets:upload_detail", UPLOAD_VIEWERS, kwargs=upload_pk),
    Route("budgets:upload_problems_csv", UPLOAD_VIEWERS, kwargs=upload_pk),
    Route("budgets:upload_retry", UPLOADERS, kwargs=upload_pk, method="post", ok_status=302),
    Route("tariff-list", ALL_ROLES, api=True),
    Route("tariff-detail", ALL_ROLES, api=True, kwargs=tariff_pk, scoped_roles=set()),
    Route("upload-list", UPLOAD_VIEWERS, api=True),
    Route("upload-detail", UPLOAD_VIEWERS, api=True, kwargs=upload_pk),
    # Retrying a published upload is refused as a conflict: the matrix checks who gets that far.
    Route("upload-retry", UPLOADERS, api=True, kwargs=upload_pk, method="post", ok_status=409),
    Route("activity-list", ALL_ROLES, api=True),
]
