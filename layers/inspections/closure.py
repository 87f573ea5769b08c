"""The rule that protects children: play equipment that fails its inspection (grade D, JPFA
hazard level 3, or the inspector closing it) is 使用禁止 on the public map at once, in the
same transaction as the inspection, until a later inspection clears it.

Inspections arrive late (a paper form typed in next week): what counts is the date
inspected, not the order recorded. So an inspection dated before the one that closed the
equipment changes nothing, and neither does a failing one dated before the latest
inspection that found it fine."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from layers.city.facilities import Facility, FacilityKind, UseStatus
from layers.inspections.model import FollowUp, Grade, Inspection

# Inspections of the equipment dated after this one (a later finding stands over it).
LATER = text(
    """SELECT EXISTS (SELECT FROM inspection
        WHERE subject_layer = 'facility' AND subject_id = :facility AND id <> :id
          AND inspected_on > :on)"""
)


def closes(inspection: Inspection) -> bool:
    return (
        inspection.overall_grade == Grade.D
        or inspection.hazard_level == 3
        or inspection.follow_up_action == FollowUp.close
    )


def apply(session: Session, inspection: Inspection) -> bool:
    """Close or reopen the inspected play equipment as this inspection says; True when its
    use_status changed. The facility row is locked FOR UPDATE, so two inspections of one
    swing recorded at once decide in turn."""
    if inspection.subject_layer != "facility":
        return False
    facility = session.scalar(
        select(Facility).where(Facility.id == inspection.subject_id).with_for_update()
    )
    if facility is None or facility.kind != FacilityKind.play_equipment:
        return False
    closed = facility.use_status == UseStatus.closed
    since = facility.closed_on
    if closes(inspection):
        if closed and since is not None and inspection.inspected_on < since:
            return False
        if session.execute(
            LATER,
            {"facility": facility.id, "id": inspection.id, "on": inspection.inspected_on},
        ).scalar_one():
            return False
        changed = not closed or facility.closed_by_inspection_id != inspection.id
        facility.use_status = UseStatus.closed
        facility.closed_on = inspection.inspected_on
        facility.closed_by_inspection_id = inspection.id
    else:
        if not closed or (since is not None and inspection.inspected_on < since):
            return False
        changed = True
        facility.use_status = UseStatus.open
        facility.closed_on = None
        facility.closed_by_inspection_id = None
    session.flush()
    return changed
