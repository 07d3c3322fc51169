"""Attachments: type by content, size limit, private storage, served only in scope."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from applications.models import Attachment
from pbc.choices import Role
from tests.factories.applications import application_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


def docx() -> bytes:
    buf = io.BytesIO()
    # Fixed timestamps: the bytes (and so the test ids) are the same in every pytest-xdist worker.
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2008, 4, 1, 0, 0, 0)), text)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "private")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def application(world):
    return application_for(world.practice)


@pytest.fixture
def pm(world):
    return world.users[Role.PRACTICE_MANAGER]


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("business-case.pdf", PDF, "application/pdf"),
        ("costs.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("site-plan.png", PNG, "image/png"),
    ],
    ids=["pdf", "docx", "png"],
)
def test_accepted_by_content_and_stored_privately(application, pm, private_media, name, content, mime):
    attachment = services.attachment_add(
        application=application, actor=pm, upload=SimpleUploadedFile(name, content)
    )
    assert (attachment.content_type, attachment.size, attachment.original_name) == (mime, len(content), name)
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(private_media) and stored.read_bytes() == content
    assert name not in stored.name  # stored under a random name
    assert attachment.history.get().history_user == pm


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("business-case.pdf", EXE, "EXE file"),
        ("business-case.pdf", b"just some text, not a document", "not a recognised document"),
        ("costs.docx", PDF, "its content is PDF"),
        ("empty.pdf", b"", "empty"),
    ],
    ids=["exe-as-pdf", "text-as-pdf", "pdf-as-docx", "empty"],
)
def test_disguised_unknown_or_empty_files_are_refused(application, pm, private_media, name, content, message):
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(application=application, actor=pm, upload=SimpleUploadedFile(name, content))
    assert not Attachment.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*.*"))


def test_oversized_files_are_refused(application, pm, settings):
    settings.PBC_APPLICATION_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="may be up to"):
        services.attachment_add(
            application=application, actor=pm, upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
        )
    assert not Attachment.objects.exists()


def test_only_roles_that_attach_and_only_in_scope(world):
    from django.core.exceptions import PermissionDenied

    other = application_for(world.neighbour)
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            application=other,
            actor=world.users[Role.PRACTICE_MANAGER],
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            application=other, actor=world.users[Role.AUDITOR], upload=SimpleUploadedFile("a.pdf", PDF)
        )


def test_upload_page_refuses_an_exe_named_pdf(client, application, pm):
    client.force_login(pm)
    url = reverse("applications:attachment_create", kwargs={"pk": application.pk})
    response = client.post(url, {"file": SimpleUploadedFile("plan.pdf", EXE), "description": "Plan"})
    assert response.status_code == 200
    assert "EXE file" in response.content.decode()
    assert not Attachment.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("plan.pdf", PDF), "description": "Plan"})
    assert response.status_code == 302
    assert Attachment.objects.get().description == "Plan"


def test_download_is_served_only_in_scope(client, world, application, pm):
    attachment = services.attachment_add(
        application=application, actor=pm, upload=SimpleUploadedFile("p.pdf", PDF)
    )
    url = reverse("applications:attachment_download", kwargs={"pk": attachment.pk})
    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(pm)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(world.users[Role.LOCALITY_LEAD])
    assert client.get(url).status_code == 200  # the practice is in the lead's locality
    outsider = application_for(world.neighbour)
    hidden = services.attachment_add(
        application=outsider, actor=world.users[Role.LOCALITY_LEAD], upload=SimpleUploadedFile("q.pdf", PDF)
    )
    client.force_login(pm)
    assert (
        client.get(reverse("applications:attachment_download", kwargs={"pk": hidden.pk})).status_code == 404
    )


def test_media_is_not_served_by_url(client, application, pm):
    attachment = services.attachment_add(
        application=application, actor=pm, upload=SimpleUploadedFile("p.pdf", PDF)
    )
    client.force_login(pm)
    assert client.get("/" + attachment.file.name).status_code == 404
    assert client.get("/media/" + attachment.file.name).status_code == 404
