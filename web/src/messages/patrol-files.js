// Patrols as GPX files on a group's page (web/src/groups/group/patrol_files.js): importing a
// GPS logger's file, or a zip of several, and downloading a patrol as GPX.
export default {
  ja: {
    "gpx.heading": "GPXファイルから取り込む",
    "gpx.intro":
      "GPSロガーやスマートフォンのアプリで記録したGPXファイル（複数ならZIPにまとめて）を、パトロール記録として取り込みます。トラックごとに1件の記録になり、すべての点と時刻がそのまま残ります。",
    "gpx.file": "GPXファイル（.gpx または .zip）",
    "gpx.file_hint": "時差のない時刻は日本時間として読みます。",
    "gpx.kind": "活動の種類",
    "gpx.kind_file": "ファイルのとおり",
    "gpx.kind.patrol": "防犯パトロール",
    "gpx.kind.safety_walk": "地域安全診断・まち歩き",
    "gpx.kind.school_watch": "登下校の見守り",
    "gpx.participants": "参加人数",
    "gpx.submit": "取り込む",
    "gpx.sending": "取り込んでいます…",
    "gpx.imported": { other: "{n}件のパトロール記録を取り込みました。" },
    "gpx.download": "GPX",
    "gpx.download_label": "「{title}」をGPXでダウンロード",
  },
  en: {
    "gpx.heading": "Import from a GPX file",
    "gpx.intro":
      "Import a GPX file recorded with a GPS logger or a phone app (several as one ZIP) as patrols: one patrol per track, every point and time kept as recorded.",
    "gpx.file": "GPX file (.gpx or .zip)",
    "gpx.file_hint": "Times without an offset are read as Japan time.",
    "gpx.kind": "Kind of activity",
    "gpx.kind_file": "As in the file",
    "gpx.kind.patrol": "Crime-prevention patrol",
    "gpx.kind.safety_walk": "Safety walk",
    "gpx.kind.school_watch": "School-route watch",
    "gpx.participants": "Participants",
    "gpx.submit": "Import",
    "gpx.sending": "Importing…",
    "gpx.imported": { one: "Imported {n} patrol.", other: "Imported {n} patrols." },
    "gpx.download": "GPX",
    "gpx.download_label": "Download “{title}” as GPX",
  },
};
