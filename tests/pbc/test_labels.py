"""Codes read with their names: treatment functions from the shipped NHS Data Dictionary list, providers
from their imported names."""

import pytest
from django.template import Context, Template

from pbc.labels import provider_label, treatment_function_label, treatment_function_name, treatment_functions
from pbc.selectors import provider_names


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("100", "100 General Surgery"),
        ("101", "101 Urology"),
        ("110", "110 Trauma and Orthopaedics"),
        ("130", "130 Ophthalmology"),
        ("300", "300 General Internal Medicine"),
        (" 330 ", "330 Dermatology"),
        ("420", "420 Paediatrics"),
        ("501", "501 Obstetrics"),
        ("502", "502 Gynaecology"),
        ("800", "800 Clinical Oncology"),
        ("998", "998"),  # not on the list: the code alone
        ("", ""),
        (None, ""),
    ],
)
def test_treatment_function_label(code, label):
    assert treatment_function_label(code) == label


def test_the_shipped_list_is_three_digit_codes_with_names():
    listed = treatment_functions()
    assert len(listed) > 150
    assert all(len(code) == 3 and code.isdigit() and name for code, name in listed.items())
    assert treatment_function_name("999") == ""


def test_template_filters():
    out = Template(
        "{% load pbc_tags %}{{ one|treatment_function }}|{{ many|treatment_function }}|"
        "{{ p|provider_label:names }}|{{ q|provider_label:names }}"
    ).render(
        Context(
            {"one": "120", "many": ["300", "330"], "p": "RD1", "q": "RA7", "names": {"RD1": "Royal Devon"}}
        )
    )
    assert out == "120 Ear Nose and Throat|300 General Internal Medicine, 330 Dermatology|RD1 Royal Devon|RA7"


def test_provider_names_reads_the_named_providers_in_one_query(db, django_assert_num_queries):
    from tests.factories.pbc import ProviderFactory

    ProviderFactory(code="RD1", name="Royal Devon and Exeter NHS Foundation Trust")
    ProviderFactory(code="RA7", name="University Hospitals Bristol NHS Foundation Trust")
    with django_assert_num_queries(1):
        names = provider_names(codes=["rd1", "RA7", "", "ALL"])
    assert provider_label("RD1", names) == "RD1 Royal Devon and Exeter NHS Foundation Trust"
    assert provider_label("RTH", names) == "RTH"
    with django_assert_num_queries(0):
        assert provider_names(codes=[""]) == {}
