from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    """FHIR R4 read facade at /fhir/: organisations, their affiliations and monthly budget reports.

    Named ``fhir_api`` so it never shadows the ``fhir`` namespace of the ``fhir.resources`` models the tests
    validate against."""

    name = "fhir_api"
    verbose_name = "FHIR facade"
