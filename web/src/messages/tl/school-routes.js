// Tagalog: a group's page, the joint school-route inspection section. A draft not yet checked
// by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "srg.heading": "Sabayang inspeksyon ng daan papuntang paaralan",
  "srg.intro":
    "Mga delikadong lugar sa daan papuntang paaralan na sabay na sinuri ng paaralan, ng tagapamahala ng kalsada at ng pulis, at ang gagawin ng bawat isa.",
  "srg.count": "Mga lugar: {n}",
  "srg.caption": "Mga sinuring lugar at hakbang",
  "srg.col_number": "Blg.",
  "srg.col_place": "Lugar",
  "srg.col_reasons": "Bakit pinili",
  "srg.col_measures": "Mga hakbang",
  "srg.party.school": "Paaralan / lupon ng edukasyon",
  "srg.party.road": "Tagapamahala ng kalsada",
  "srg.party.police": "Pulis",
  "srg.status.planned": "Nakaplano",
  "srg.status.in_progress": "Ginagawa",
  "srg.status.done": "Tapos na",
  "srg.status.not_done": "Hindi gagawin",
  "srg.reason.speed": "Bumibilis ang mga sasakyan",
  "srg.reason.heavy_vehicles": "Dumadaan ang malalaking sasakyan",
  "srg.reason.near_miss": "Muntik nang maaksidente",
  "srg.reason.poor_visibility": "Mahirap makita ang unahan",
  "srg.reason.no_sidewalk": "Walang bangketa",
  "srg.reason.residents_request": "Hiling ng mga residente",
  "srg.reason.other": "Iba pa",
};
