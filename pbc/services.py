"""Writes to the organisation core. Each function is one business operation, atomic, validated,
with history recorded against the acting user."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pbc import imports, queue
from pbc.choices import ApiTokenScope, ImportKind, ImportStatus, Role
from pbc.exceptions import ApplicationError, Conflict, ImportRejected, ServiceUnavailable
from pbc.models import ApiToken, Gp, ImportRun, ListSize, Locality, Membership, Pct, Practice, Provider
from pbc.roles import group_name

logger = logging.getLogger(__name__)
User = get_user_model()


def _save(obj, *, actor, update_fields: list[str] | None = None):
    obj.full_clean()
    if actor is not None:
        obj._history_user = actor
    obj.save(update_fields=update_fields)
    return obj


@transaction.atomic
def pct_create(*, code: str, name: str, actor=None) -> Pct:
    return _save(Pct(code=code, name=name), actor=actor)


@transaction.atomic
def locality_create(*, pct: Pct, code: str, name: str, kind: str = "locality", actor=None) -> Locality:
    return _save(Locality(pct=pct, code=code.strip().upper(), name=name, kind=kind), actor=actor)


@transaction.atomic
def practice_create(
    *,
    pct: Pct,
    code: str,
    name: str,
    locality: Locality | None = None,
    postcode: str = "",
    open_date: date | None = None,
    close_date: date | None = None,
    actor=None,
) -> Practice:
    practice = Practice(
        pct=pct,
        code=code.strip().upper(),
        name=name,
        locality=locality,
        postcode=postcode,
        open_date=open_date,
        close_date=close_date,
    )
    return _save(practice, actor=actor)


PRACTICE_EDITABLE = ("name", "locality", "postcode", "open_date", "close_date")


@transaction.atomic
def practice_update(*, practice: Practice, data: dict, actor) -> Practice:
    fields = [f for f in PRACTICE_EDITABLE if f in data]
    for name in fields:
        setattr(practice, name, data[name])
    return _save(practice, actor=actor, update_fields=fields or None)


@transaction.atomic
def list_size_record(*, practice: Practice, extract_date: date, patients: int, actor=None) -> ListSize:
    existing = ListSize.objects.filter(practice=practice, extract_date=extract_date).first()
    if existing:
        existing.patients = patients
        return _save(existing, actor=actor, update_fields=["patients"])
    return _save(ListSize(practice=practice, extract_date=extract_date, patients=patients), actor=actor)


@transaction.atomic
def gp_create(
    *, practice: Practice, name: str, gmc_number: str = "", role: str = "partner", actor=None
) -> Gp:
    return _save(Gp(practice=practice, name=name, gmc_number=gmc_number, role=role), actor=actor)


@transaction.atomic
def provider_create(*, code: str, name: str, actor=None) -> Provider:
    return _save(Provider(code=code.strip().upper(), name=name), actor=actor)


@transaction.atomic
def membership_create(*, user, role: str, pct: Pct, locality=None, practice=None, actor=None) -> Membership:
    """Give ``user`` a role in an organisation; the role's group carries its capabilities."""
    membership = Membership(user=user, role=role, pct=pct, locality=locality, practice=practice)
    _save(membership, actor=actor)
    group, _ = Group.objects.get_or_create(name=group_name(role))
    user.groups.add(group)
    return membership


def _new_key() -> str:
    """A random key whose prefix starts with a letter or digit: a prefix starting with "-" would be read as
    an option by ``issue_api_token --revoke``."""
    while True:
        key = secrets.token_urlsafe(32)
        if key[0].isalnum():
            return key


def _token_refusal(user, scope: str) -> str | None:
    """Why ``user`` may not hold a token of ``scope`` (``None`` when they may)."""
    roles = set(user.memberships.values_list("role", flat=True))
    if not roles & {Role.API_CLIENT, Role.API_CLIENT_WRITE}:
        return f"{user.username} is not an API client: give them an API client role first."
    if scope == ApiTokenScope.READ_WRITE and Role.API_CLIENT_WRITE not in roles:
        return (
            f"{user.username} may only read through the API: issue a read token, "
            "or give them the read-and-write API client role first."
        )
    return None


def _new_token(*, user, name: str, scope: str, actor) -> tuple[ApiToken, str]:
    """A token with a new key and a full lifetime (the model's default expiry)."""
    key = _new_key()
    token = ApiToken(user=user, name=name, scope=scope, prefix=key[:8], key_hash=ApiToken.hash_key(key))
    _save(token, actor=actor)
    return token, key


@transaction.atomic
def api_token_issue(*, user, name: str, scope: str = ApiTokenScope.READ, actor=None) -> tuple[ApiToken, str]:
    """Issue a token for an API client, valid for ``PBC_API_TOKEN_LIFETIME_DAYS``; the key is returned once
    and only its hash is kept."""
    refusal = _token_refusal(user, scope)
    if refusal:
        raise ApplicationError(refusal)
    return _new_token(user=user, name=name, scope=scope, actor=actor)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        _save(token, actor=actor, update_fields=["revoked_at"])
    return token


@transaction.atomic
def api_token_rotate(*, token: ApiToken, actor) -> tuple[ApiToken, str]:
    """Replace a token by a new one (same user, name and scope, a full lifetime). The old key keeps working
    until ``PBC_API_TOKEN_ROTATION_GRACE_HOURS`` have passed (or its own expiry, if sooner), so the system
    using it can switch without a gap. Refused for a revoked, expired or already rotated token (409), and
    for a user who may no longer hold such a token (403)."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    now = timezone.now()
    if token.revoked_at is not None:
        raise Conflict("The token has been revoked: ask for a new one instead.")
    if token.replaced_by_id is not None:
        raise Conflict(
            "The token has already been rotated: use its replacement.",
            {"replaced_by": token.replaced_by_id},
        )
    if token.is_expired(now):
        raise Conflict("The token has expired: ask for a new one instead.", {"expired_at": token.expires_at})
    refusal = _token_refusal(token.user, token.scope)
    if refusal:
        raise PermissionDenied(refusal)
    new, key = _new_token(user=token.user, name=token.name, scope=token.scope, actor=actor)
    token.replaced_by = new
    token.expires_at = min(
        token.expires_at, now + timedelta(hours=settings.PBC_API_TOKEN_ROTATION_GRACE_HOURS)
    )
    _save(token, actor=actor, update_fields=["replaced_by", "expires_at"])
    return new, key


# A token's last use is bookkeeping, not a change: recorded at most this often, by one UPDATE, no history.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_token_record_use(*, token: ApiToken, now=None) -> None:
    """Note that ``token`` was used now, unless that was already noted within the last minute."""
    now = now or timezone.now()
    stale = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk).update(
        last_used_at=now
    )
    token.last_used_at = now


# --- imports ------------------------------------------------------------------------------------

_PARSERS = {
    ImportKind.LIST_SIZES: imports.parse_list_sizes,
    ImportKind.PRACTICES: imports.parse_practices,
    ImportKind.PROVIDERS: imports.parse_providers,
}


@transaction.atomic
def import_run_create(
    *, kind: str, pct: Pct, filename: str, data: bytes, actor, dry_run: bool = False
) -> ImportRun:
    """Record an uploaded file and queue its import (run by :func:`import_run_process`)."""
    if not data:
        raise ValidationError({"file": "The file is empty."})
    run = ImportRun(
        kind=kind,
        pct=pct,
        filename=filename[:255],
        checksum=hashlib.sha256(data).hexdigest(),
        actor=actor,
        dry_run=dry_run,
    )
    run.full_clean(exclude=["file"])
    run.file.save(filename, ContentFile(data), save=False)
    run.save()
    try:
        queue.enqueue_on_commit(
            "pbc.tasks.import_run_process_task",
            run.pk,
            on_failure=lambda exc: _import_not_queued(run.pk, exc),
        )
    except ServiceUnavailable:
        run.file.delete(save=False)  # the run itself is rolled back with the transaction
        raise
    return run


def _import_not_queued(run_id: int, exc: ServiceUnavailable) -> None:
    ImportRun.objects.filter(pk=run_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.FAILED, finished=timezone.now(), errors=[{"row": None, "message": exc.message}]
    )


def import_run_process(*, run_id: int) -> ImportRun:
    """Parse and apply an import run. Any bad row fails the whole run: nothing is imported."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run_id)
        if run.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return run  # a task delivered twice does the work once
        run.status, run.started = ImportStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started"])
    try:
        with run.file.open("rb") as handle:
            data = handle.read()
        with transaction.atomic():
            summary = _apply_import(run, data)
    except ImportRejected as exc:
        return _finish(
            run,
            ImportStatus.FAILED,
            errors=exc.extra.get("errors") or [{"row": None, "message": exc.message}],
        )
    except ValueError as exc:
        return _finish(run, ImportStatus.FAILED, errors=[{"row": None, "column": None, "message": str(exc)}])
    return _finish(run, ImportStatus.SUCCEEDED, **summary)


def import_file(
    *, kind: str, pct: Pct, filename: str, data: bytes, actor, dry_run: bool = False
) -> ImportRun:
    """Create and run an import at once (management commands, tests)."""
    run = import_run_create(kind=kind, pct=pct, filename=filename, data=data, actor=actor, dry_run=dry_run)
    run.refresh_from_db()
    if run.status == ImportStatus.PENDING:  # no eager task ran it (e.g. a broker is configured)
        run = import_run_process(run_id=run.pk)
    return run


def _finish(
    run: ImportRun, status: str, *, errors=None, rows_read=0, imported=0, skipped=0, summary=None
) -> ImportRun:
    run.status = status
    run.finished = timezone.now()
    run.errors = errors or []
    run.rows_read, run.rows_imported, run.rows_skipped = rows_read, imported, skipped
    run.summary = summary or {}
    run.save(
        update_fields=[
            "status",
            "finished",
            "errors",
            "rows_read",
            "rows_imported",
            "rows_skipped",
            "summary",
        ]
    )
    logger.info(
        "import finished", extra={"run": run.pk, "kind": run.kind, "status": status, "rows": rows_read}
    )
    return run


def _apply_import(run: ImportRun, data: bytes) -> dict:
    parsed = _PARSERS[ImportKind(run.kind)](data)
    if parsed.errors:
        raise ImportRejected(
            f"{len(parsed.errors)} row(s) have errors; nothing was imported.", {"errors": parsed.errors[:500]}
        )
    if run.kind == ImportKind.LIST_SIZES:
        imported, skipped = _apply_list_sizes(run, parsed)
    elif run.kind == ImportKind.PROVIDERS:
        imported, skipped = _apply_providers(run, parsed)
    else:
        imported, skipped = _apply_practices(run, parsed)
    if run.dry_run:
        transaction.set_rollback(True)
    return {
        "rows_read": parsed.rows_read,
        "imported": imported,
        "skipped": sum(skipped.values()),
        "summary": {"skipped": skipped, "dry_run": run.dry_run},
    }


def _apply_list_sizes(run: ImportRun, parsed: imports.ParseResult) -> tuple[int, dict[str, int]]:
    skipped = dict(parsed.skipped)
    practices = dict(Practice.objects.filter(pct=run.pct).values_list("code", "pk"))
    wanted = [r for r in parsed.rows if r["code"] in practices]
    outside = len(parsed.rows) - len(wanted)
    if outside:
        skipped["practices not in this PCT"] = outside
    existing = {
        (ls.practice_id, ls.extract_date): ls
        for ls in ListSize.objects.filter(
            practice_id__in={practices[r["code"]] for r in wanted},
            extract_date__in={r["extract_date"] for r in wanted},
        )
    }
    to_create, to_update = [], []
    for r in wanted:
        key = (practices[r["code"]], r["extract_date"])
        if key in existing:
            obj = existing[key]
            if obj.patients != r["patients"]:
                obj.patients, obj.import_run = r["patients"], run
                to_update.append(obj)
        else:
            to_create.append(
                ListSize(practice_id=key[0], extract_date=key[1], patients=r["patients"], import_run=run)
            )
    unchanged = len(wanted) - len(to_create) - len(to_update)
    if unchanged:
        skipped["unchanged"] = unchanged
    if to_create:
        bulk_create_with_history(to_create, ListSize, batch_size=1000, default_user=run.actor)
    if to_update:
        bulk_update_with_history(
            to_update, ListSize, ["patients", "import_run"], batch_size=1000, default_user=run.actor
        )
    return len(to_create) + len(to_update), skipped


def _apply_practices(run: ImportRun, parsed: imports.ParseResult) -> tuple[int, dict[str, int]]:
    localities = dict(Locality.objects.filter(pct=run.pct).values_list("code", "pk"))
    existing = {p.code: p for p in Practice.objects.filter(code__in=[r["code"] for r in parsed.rows])}
    errors = []
    for r in parsed.rows:
        if r["locality"] and r["locality"] not in localities:
            errors.append(
                {
                    "row": r["row"],
                    "column": "LOCALITY",
                    "message": f"No locality {r['locality']} in {run.pct.code}.",
                }
            )
        other = existing.get(r["code"])
        if other is not None and other.pct_id != run.pct_id:
            errors.append(
                {"row": r["row"], "column": "CODE", "message": f"{r['code']} belongs to another PCT."}
            )
    if errors:
        raise ImportRejected(f"{len(errors)} row(s) have errors; nothing was imported.", {"errors": errors})
    count, skipped = 0, {}
    for r in parsed.rows:
        data = {
            "name": r["name"],
            "locality_id": localities.get(r["locality"]) if r["locality"] else None,
            "postcode": r["postcode"],
            "open_date": r["open_date"],
            "close_date": r["close_date"],
        }
        practice = existing.get(r["code"]) or Practice(pct=run.pct, code=r["code"])
        count += _save_imported(practice, data, r, run, skipped)
    return count, skipped


def _apply_providers(run: ImportRun, parsed: imports.ParseResult) -> tuple[int, dict[str, int]]:
    """Providers are national reference data: a row creates the provider or brings its name and dates up to
    date, whichever PCT imports it."""
    existing = {p.code: p for p in Provider.objects.filter(code__in=[r["code"] for r in parsed.rows])}
    count, skipped = 0, {}
    for r in parsed.rows:
        data = {"name": r["name"], "open_date": r["open_date"], "close_date": r["close_date"]}
        count += _save_imported(existing.get(r["code"]) or Provider(code=r["code"]), data, r, run, skipped)
    return count, skipped


def _save_imported(obj, data: dict, row: dict, run: ImportRun, skipped: dict[str, int]) -> int:
    """Save one imported organisation with ``data``: 0 when nothing changed (counted as skipped), else 1."""
    if obj.pk and all(getattr(obj, k) == v for k, v in data.items()):
        skipped["unchanged"] = skipped.get("unchanged", 0) + 1
        return 0
    for k, v in data.items():
        setattr(obj, k, v)
    try:
        _save(obj, actor=run.actor)
    except ValidationError as exc:
        raise ImportRejected(
            "A row has errors; nothing was imported.",
            {"errors": [{"row": row["row"], "column": None, "message": "; ".join(exc.messages)}]},
        ) from exc
    return 1
