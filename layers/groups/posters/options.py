"""What a poster is printed on, and whether an atlas of districts follows the overview."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Paper(enum.StrEnum):
    A4 = "A4"
    A3 = "A3"


class Orientation(enum.StrEnum):
    portrait = "portrait"
    landscape = "landscape"


class Atlas(enum.StrEnum):
    """One page per district the places fall in, after the overview. The values are the
    district levels of layers/city/districts.py (a city loads its 自治会 as ``area`` or as
    ``neighbourhood``, whichever its data is) and the elementary school districts."""

    area = "area"  # 地区・自治会
    neighbourhood = "neighbourhood"  # 自治会・町内会・自主防災会
    school_district = "school_district"  # 小学校区


# The sheet in millimetres, portrait (ISO 216).
SHEETS_MM: dict[Paper, tuple[float, float]] = {
    Paper.A4: (210.0, 297.0),
    Paper.A3: (297.0, 420.0),
}
MARGIN_MM = 10.0


@dataclass(frozen=True)
class PosterOptions:
    paper: Paper = Paper.A4
    orientation: Orientation = Orientation.portrait
    atlas: Atlas | None = None

    @property
    def sheet_mm(self) -> tuple[float, float]:
        short, long = SHEETS_MM[self.paper]
        return (short, long) if self.orientation == Orientation.portrait else (long, short)

    @property
    def landscape(self) -> bool:
        return self.orientation == Orientation.landscape

    @property
    def scale_up(self) -> float:
        """A3 is A4 enlarged by √2: markers and type grow with it, so the poster reads the
        same from the same distance as from close by."""
        return 1.0 if self.paper == Paper.A4 else 1.25
