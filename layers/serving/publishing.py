"""What each layer publishes: its curated metadata row and what anonymous users may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from layers.registry import LAYERS, NO_PUBLIC_ROWS, Layer
from layers.serving.layer_metadata import LayerMetadata
from layers.store.sql import identifier


def sync_layer_metadata(session: Session) -> None:
    """Give every registry layer a metadata row; curated values already there are kept."""
    for layer in LAYERS:
        session.execute(
            insert(LayerMetadata)
            .values(
                layer_id=layer.id,
                title_ja=layer.title_ja,
                title_en=layer.title_en,
                description=layer.description,
                owner_department=layer.owner_department,
                licence=layer.licence,
                attribution=layer.attribution,
                update_cycle=layer.update_cycle,
                is_public=layer.access == "public"
                or layer.public_filter not in (None, NO_PUBLIC_ROWS),
            )
            .on_conflict_do_nothing(index_elements=["layer_id"])
        )


def public_count(session: Session, layer: Layer) -> int:
    """Rows an anonymous user sees. Exact: our layers are city-sized (PostGIS counts a
    million rows in well under a second); the OGC API estimates for paging."""
    where = f" WHERE {layer.public_filter}" if layer.public_filter else ""
    count = f"SELECT count(*) FROM {identifier(layer.table)}{where}"
    return int(session.execute(text(count)).scalar_one())


def metadata_by_layer(session: Session) -> dict[str, LayerMetadata]:
    """Each layer's curated metadata row (title, licence, whether staff published it,
    version), by layer id."""
    return {m.layer_id: m for m in session.scalars(select(LayerMetadata))}


def layer_summaries(session: Session) -> list[dict[str, Any]]:
    meta = metadata_by_layer(session)
    summaries = []
    for layer in LAYERS:
        m = meta.get(layer.id)
        if m is not None and not m.is_public:
            continue
        summaries.append(
            {
                "id": layer.id,
                "title": {
                    "ja": m.title_ja if m else layer.title_ja,
                    "en": m.title_en if m else layer.title_en,
                },
                "description": m.description if m else layer.description,
                "geometry_type": layer.geometry_type,
                "feature_count": public_count(session, layer),
                "properties": [
                    {
                        "name": f.name,
                        "type": f.type,
                        "title": {"ja": f.title_ja, "en": f.title_en},
                        "resident": f.resident,
                    }
                    for f in layer.public_fields
                ],
                "style": layer.style,
                "licence": m.licence if m else layer.licence,
                "attribution": m.attribution if m else layer.attribution,
                "owner_department": m.owner_department if m else layer.owner_department,
                "update_cycle": m.update_cycle if m else layer.update_cycle,
                "version": m.version if m else 0,
                "updated_at": m.data_updated_at.isoformat() if m and m.data_updated_at else None,
            }
        )
    return summaries
