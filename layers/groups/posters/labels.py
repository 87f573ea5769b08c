"""The names a poster prints for the kinds of place: the same words as the web map's
catalogue (web/src/messages/map.js, value.safety_map_feature.kind.*), Japanese first."""

from __future__ import annotations

from layers.groups.model import SafetyFeatureKind

KIND_LABELS: dict[str, tuple[str, str]] = {
    SafetyFeatureKind.easy_to_enter: ("入りやすい場所", "Easy to enter"),
    SafetyFeatureKind.hard_to_see: ("見えにくい場所", "Hard to see"),
    SafetyFeatureKind.easy_to_enter_hard_to_see: (
        "入りやすく見えにくい場所",
        "Easy to enter, hard to see",
    ),
    SafetyFeatureKind.safe_haven: ("子どもを守る家", "Child safe house"),
    SafetyFeatureKind.help_place: ("助けを求められる場所", "Place to ask for help"),
    SafetyFeatureKind.school_route: ("通学路", "School route"),
    SafetyFeatureKind.lone_stretch: ("ひとりになる区間", "Stretch walked alone"),
    SafetyFeatureKind.note: ("メモ", "Note"),
}


def kind_label(kind: str) -> tuple[str, str]:
    return KIND_LABELS.get(kind, (kind, kind))
