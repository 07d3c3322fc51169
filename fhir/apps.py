"""FHIR R4 read facade at /fhir/: organisations, their affiliations and monthly budget reports.

``fhir`` is deliberately a namespace package (no ``__init__.py``): the ``fhir.resources`` library lives in the
same ``fhir`` namespace, and a regular package here would hide it. Django is told the app's folder below.
"""

from pathlib import Path

from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir"
    verbose_name = "FHIR facade"
    path = str(Path(__file__).resolve().parent)
