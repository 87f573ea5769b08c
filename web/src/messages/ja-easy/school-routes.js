// やさしい日本語: a group's page, the 通学路合同点検 section. A draft not yet checked by
// someone trained in やさしい日本語.
export const meta = { reviewed: false };

export default {
  "srg.heading": "{通学路|つうがくろ}の {点検|てんけん}",
  "srg.intro":
    "{学校|がっこう}と {道路|どうろ}の {係|かかり}と {警察|けいさつ}が いっしょに {見|み}た、{通学路|つうがくろ}の {危|あぶ}ない {場所|ばしょ}です。それぞれが する ことも {書|か}いて います。",
  "srg.count": "{n}か{所|しょ}",
  "srg.caption": "{点検|てんけん}した {場所|ばしょ}と する こと",
  "srg.col_number": "{番号|ばんごう}",
  "srg.col_place": "{場所|ばしょ}",
  "srg.col_reasons": "{危|あぶ}ない わけ",
  "srg.col_measures": "する こと",
  "srg.party.school": "{学校|がっこう}",
  "srg.party.road": "{道路|どうろ}の {係|かかり}",
  "srg.party.police": "{警察|けいさつ}",
  "srg.status.planned": "これから",
  "srg.status.in_progress": "いま して いる",
  "srg.status.done": "おわった",
  "srg.status.not_done": "しない",
  "srg.reason.speed": "{車|くるま}が はやく なる",
  "srg.reason.heavy_vehicles": "{大|おお}きい {車|くるま}が {通|とお}る",
  "srg.reason.near_miss": "ぶつかりそうに なった",
  "srg.reason.poor_visibility": "{前|まえ}が よく {見|み}えない",
  "srg.reason.no_sidewalk": "{歩道|ほどう}が ない",
  "srg.reason.residents_request": "{住|す}んで いる {人|ひと}が たのんだ",
  "srg.reason.other": "そのほか",
};
