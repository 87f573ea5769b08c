"""The names a poster prints for the kinds of place: the same words as the web map's
catalogue (web/src/messages/map.js, value.safety_map_feature.kind.*), Japanese first."""

from __future__ import annotations

from layers.groups.model import SafetyFeatureDetail, SafetyFeatureKind

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


# The method's sub-items (DOMAIN.md §4), as the editor offers them.
DETAIL_LABELS: dict[str, tuple[str, str]] = {
    SafetyFeatureDetail.high_wall: ("高い塀・生け垣", "High wall or hedge"),
    SafetyFeatureDetail.quiet_road: ("人通りの少ない道", "Quiet road"),
    SafetyFeatureDetail.dark_road: ("街灯が少ない・暗い道", "Dark road"),
    SafetyFeatureDetail.blind_park: (
        "見通しの悪い公園・駐車場",
        "Park or car park hard to see into",
    ),
    SafetyFeatureDetail.gap_between_houses: ("家と家のすき間", "Gap between houses"),
    SafetyFeatureDetail.graffiti_litter: ("落書き・ポイ捨て", "Graffiti and litter"),
    SafetyFeatureDetail.abandoned_bicycles: ("放置自転車", "Abandoned bicycles"),
    SafetyFeatureDetail.vacant_house: ("空き家", "Vacant house"),
    SafetyFeatureDetail.other: ("その他", "Other"),
    SafetyFeatureDetail.child_safe_house: ("こども110番の家", "Child safe house"),
    SafetyFeatureDetail.police_box: ("交番", "Police box"),
    SafetyFeatureDetail.convenience_store: ("コンビニ", "Convenience store"),
    SafetyFeatureDetail.school: ("学校・園", "School or kindergarten"),
    SafetyFeatureDetail.shop: ("店", "Shop"),
    SafetyFeatureDetail.hospital: ("病院", "Hospital"),
    SafetyFeatureDetail.aed: ("AED", "AED"),
}
