"""Taking in a resident's report: checked whole before anything is stored, photos stripped
of their metadata, retries answered with the first result, and nothing half-stored."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from email_validator import EmailNotValidError, validate_email
from shapely import wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.geometry import GeometryError, validate_lonlat
from layers.city.geometry_input import geometry_input, geometry_refused
from layers.media.attachments import Attachment
from layers.media.photos import CleanPhoto, clean_photo, photo_gps
from layers.media.storage import MediaStore, media_store
from layers.media.stored import StoredPhoto, attach, put_files
from layers.reports import notifications as report_notifications
from layers.reports.model import (
    LocationSource,
    Report,
    ReportCategory,
    ReportContact,
    ReportSource,
    ReportStatus,
    ReportStatusChange,
)
from layers.reports.tracking import check_photo_room, token_hash, tracking_token
from layers.store.audited import AuditActor
from layers.store.base import POINT_LINE_AREA, TEXT_MAX
from layers.store.db import session_scope
from layers.store.idempotency import key_hash, key_reused
from layers.store.refusals import Refused
from layers.store.settings import get_settings

# Unambiguous on a phone call or a paper form: no 0/O, 1/I/L.
_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Contact:
    """Seen by the city's staff only; the form says so."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    notify: bool = False  # tell me by e-mail when the status changes

    @property
    def empty(self) -> bool:
        return not (self.name or self.email or self.phone)


@dataclass(frozen=True)
class NewReport:
    category: str  # the category's code
    description: str
    geometry: BaseGeometry  # longitude/latitude (EPSG:4326)
    location_source: LocationSource = LocationSource.other
    accuracy_m: float | None = None
    contact: Contact = field(default_factory=Contact)
    consent_publish: bool = False
    photos: Sequence[bytes] = ()
    source: ReportSource = ReportSource.api
    reporter_user_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Submitted:
    report_id: int
    public_id: str
    tracking_token: str
    photo_ids: tuple[int, ...]
    replayed: bool  # an earlier submission with the same Idempotency-Key


def new_public_id() -> str:
    return "R" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def _checked_text(value: str, what_ja: str, what_en: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise Refused(f"{what_ja}を入力してください。", f"{what_en} is empty")
    if len(value) > limit:
        raise Refused(
            f"{what_ja}は{limit}文字以内にしてください（{len(value)}文字）。",
            f"{what_en} is longer than {limit} characters ({len(value)})",
        )
    return value


def checked_contact(contact: Contact) -> Contact:
    name = (contact.name or "").strip() or None
    phone = (contact.phone or "").strip() or None
    email = (contact.email or "").strip() or None
    if name is not None and len(name) > 100:
        raise Refused("お名前は100文字以内にしてください。", "contact_name is over 100 characters")
    if phone is not None and (
        len(phone) > 40 or not all(c.isdigit() or c in "+-() " for c in phone)
    ):
        raise Refused(
            "電話番号は数字と「+-()」で入力してください。",
            "contact_phone may contain digits, spaces and + - ( ) only",
        )
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise Refused(
                "メールアドレスの形式が正しくありません。", f"contact_email: {exc}"
            ) from None
    if contact.notify and email is None:
        raise Refused(
            "通知を受け取るにはメールアドレスを入力してください。",
            "notify needs contact_email",
        )
    return Contact(name, email, phone, contact.notify)


def checked_geometry(geometry: BaseGeometry) -> BaseGeometry:
    """The project's geometry rules (geo/geometry.py), without repair: a report's place is
    what the resident drew, or it is refused."""
    try:
        return validate_lonlat(geometry, allowed=set(POINT_LINE_AREA), repair=False)
    except GeometryError as exc:
        raise geometry_refused(exc) from None


def active_category(session: Session, code: str) -> ReportCategory:
    category = session.scalar(
        select(ReportCategory).where(ReportCategory.code == code, ReportCategory.active)
    )
    if category is None:
        raise Refused(
            f"通報の種類「{code}」はありません。一覧は /api/report-categories にあります。",
            f"unknown report category {code!r}; see /api/report-categories",
        )
    return category


def checked_photos(photos: Sequence[bytes], allowed: int) -> list[CleanPhoto]:
    if len(photos) > allowed:
        raise Refused(
            f"写真は{allowed}枚までです（{len(photos)}枚あります）。",
            f"at most {allowed} photos ({len(photos)} given)",
            status=413,
        )
    return [clean_photo(raw) for raw in photos]


def _fingerprint(new: NewReport, contact: Contact, photos: Sequence[CleanPhoto]) -> str:
    what = {
        "category": new.category,
        "description": new.description.strip(),
        "geometry": wkb.dumps(new.geometry, hex=True, srid=4326),
        "accuracy_m": new.accuracy_m,
        "contact": [contact.name, contact.email, contact.phone, contact.notify],
        "consent": new.consent_publish,
        "photos": [p.source_sha256 for p in photos],
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def attach_photos(
    session: Session, report_id: int, photos: Sequence[StoredPhoto], uploaded_by: int | None
) -> tuple[int, ...]:
    return tuple(a.id for a in attach(session, "report", report_id, photos, uploaded_by))


def _photo_ids(session: Session, report_id: int) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(Attachment.id)
            .where(Attachment.subject_layer == "report", Attachment.subject_id == report_id)
            .order_by(Attachment.id)
        )
    )


INSERT = text(
    """INSERT INTO report (public_id, tracking_token_hash, category_id, description,
        location_accuracy_m, location_source, consent_publish, department_id,
        reporter_user_id, source, idempotency_key, idempotency_fingerprint, geom)
    VALUES (:public_id, :token_hash, :category_id, :description, :accuracy, :location_source,
        :consent, :department_id, :reporter, :source, :key, :fingerprint,
        ST_GeomFromWKB(:geom, 4326))
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id"""
)


@dataclass(frozen=True)
class Prepared:
    """A report checked and its photos cleaned and written, ready for one short transaction."""

    new: NewReport
    description: str
    geometry: BaseGeometry
    contact: Contact
    photos: tuple[StoredPhoto, ...]
    fingerprint: str
    key: str | None  # SHA-256 of the Idempotency-Key


def prepare(new: NewReport, store: MediaStore) -> Prepared:
    """Everything that needs no database, done before a connection is taken: checking the
    text, place and contact, and decoding, stripping and writing the photos."""
    description = _checked_text(new.description, "通報内容", "description", TEXT_MAX)
    geometry = checked_geometry(new.geometry)
    contact = checked_contact(new.contact)
    if new.accuracy_m is not None and not 0 <= new.accuracy_m <= 100_000:
        raise Refused("位置の精度の値が正しくありません。", "accuracy_m must be 0–100000 metres")
    photos = checked_photos(new.photos, get_settings().photo_max_count)
    key = key_hash(new.idempotency_key)
    return Prepared(
        new,
        description,
        geometry,
        contact,
        put_files(store, photos),
        _fingerprint(new, contact, photos),
        key,
    )


def submit(session: Session, ready: Prepared) -> Submitted:
    """One short transaction. A retry with the same Idempotency-Key, even one racing the
    first, gets the first submission's result and writes nothing."""
    new, contact = ready.new, ready.contact
    # Looked up first, so a plain retry does not even touch the table (and its layer
    # version); ON CONFLICT below still settles two requests racing each other.
    first = earlier(session, ready)
    if first is not None:
        return first
    category = active_category(session, new.category)
    public_id = new_public_id()
    token = tracking_token(session, public_id)
    report_id = session.execute(
        INSERT,
        {
            "public_id": public_id,
            "token_hash": token_hash(token),
            "category_id": category.id,
            "description": ready.description,
            "accuracy": new.accuracy_m,
            "location_source": str(new.location_source),
            "consent": new.consent_publish,
            "department_id": category.department_id,
            "reporter": new.reporter_user_id,
            "source": str(new.source),
            "key": ready.key,
            "fingerprint": ready.fingerprint,
            "geom": wkb.dumps(ready.geometry),
        },
    ).scalar()
    if report_id is None:  # a request with the same key committed while we checked
        raced = earlier(session, ready)
        if raced is None:  # cannot happen: ON CONFLICT saw a committed row with this key
            raise RuntimeError("idempotency conflict without a row")
        return raced
    if not contact.empty:
        session.add(
            ReportContact(
                report_id=report_id,
                name=contact.name,
                email=contact.email,
                phone=contact.phone,
                notify=contact.notify,
            )
        )
    session.add(
        ReportStatusChange(
            report_id=report_id,
            from_status=None,
            to_status=ReportStatus.submitted,
            actor_user_id=new.reporter_user_id,
        )
    )
    photo_ids = attach_photos(session, report_id, ready.photos, new.reporter_user_id)
    if contact.notify and contact.email:
        report_notifications.received(session, public_id, token, contact.email, category)
    return Submitted(report_id, public_id, token, photo_ids, replayed=False)


def earlier(session: Session, ready: Prepared) -> Submitted | None:
    """The first submission's result when this one repeats its Idempotency-Key."""
    if ready.key is None:
        return None
    first = session.scalar(select(Report).where(Report.idempotency_key == ready.key))
    return _replay(session, first, ready.fingerprint) if first is not None else None


def _replay(session: Session, first: Report, fingerprint: str) -> Submitted:
    if first.idempotency_fingerprint != fingerprint:
        raise key_reused("通報", "report")
    return Submitted(
        first.id,
        first.public_id,
        tracking_token(session, first.public_id),
        _photo_ids(session, first.id),
        replayed=True,
    )


def receive(new: NewReport, audit: AuditActor | None) -> Submitted:
    """A submission from the web form, the API or Open311 alike: the photos are decoded and
    written before a connection is taken, then one short transaction."""
    ready = prepare(new, media_store())
    with session_scope(audit) as db:
        return submit(db, ready)


def place_of(
    geometry: dict[str, Any] | None,
    lat: float | None,
    lon: float | None,
    source: LocationSource,
    use_photo_location: bool,
    photos: Sequence[bytes],
) -> tuple[BaseGeometry, LocationSource]:
    """Where the report is: a drawn line or area (GeoJSON), a point, or, with no pin yet,
    the first photo's GPS position (read before the photo is stripped)."""
    if geometry is not None:
        # A report's place is what the resident drew, or it is refused: never repaired.
        return geometry_input(geometry, POINT_LINE_AREA, repair=False), source
    if lat is not None and lon is not None:
        return shapely.Point(lon, lat), source
    if use_photo_location and photos:
        found = photo_gps(photos[0])
        if found is not None:
            return shapely.Point(*found), LocationSource.photo
        raise Refused(
            "写真に位置情報がありません。地図で場所を指定してください。",
            "the photo carries no GPS position; place the report on the map",
            status=422,
        )
    raise Refused(
        "場所を指定してください（lat と lon、または geometry）。",
        "give the location: lat and lon, or a GeoJSON geometry",
        status=400,
    )


def stored_photos(raw: Sequence[bytes]) -> tuple[StoredPhoto, ...]:
    """Photos the reporter adds later, cleaned and written before their transaction."""
    return put_files(media_store(), checked_photos(raw, get_settings().photo_max_count))


def add_photos(
    session: Session, report: Report, stored: Sequence[StoredPhoto], uploaded_by: int | None
) -> tuple[int, ...]:
    check_photo_room(session, report, len(stored))
    return attach_photos(session, report.id, stored, uploaded_by)
