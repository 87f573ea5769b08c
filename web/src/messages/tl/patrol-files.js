// Tagalog: patrols as GPX files on a group's page (importing a GPS logger's file, or a zip
// of several, and downloading a patrol as GPX). A draft
// not yet checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "gpx.heading": "Mag-import mula sa GPX file",
  "gpx.intro":
    "I-import bilang mga ronda ang GPX file na itinala ng GPS logger o ng app sa telepono (kung marami, pagsamahin sa isang ZIP): bawat track ay magiging isang ronda, at mananatili ang lahat ng punto at oras gaya ng pagkakatala.",
  "gpx.file": "GPX file (.gpx o .zip)",
  "gpx.file_hint": "Ang mga oras na walang time zone ay babasahin bilang oras sa Japan.",
  "gpx.kind": "Uri ng gawain",
  "gpx.kind_file": "Ayon sa file",
  "gpx.kind.patrol": "Ronda laban sa krimen",
  "gpx.kind.safety_walk": "Paglalakad para suriin ang kaligtasan ng lugar",
  "gpx.kind.school_watch": "Pagbabantay sa pagpasok at pag-uwi ng mga bata",
  "gpx.participants": "Bilang ng kalahok",
  "gpx.submit": "I-import",
  "gpx.sending": "Ini-import…",
  "gpx.imported": { one: "Na-import ang {n} ronda.", other: "Na-import ang {n} na ronda." },
  "gpx.download": "GPX",
  "gpx.download_label": "I-download ang “{title}” bilang GPX",
};
