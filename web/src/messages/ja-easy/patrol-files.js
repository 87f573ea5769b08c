// やさしい日本語: patrols as GPX files on a group's page (importing a GPS logger's file, or a
// zip of several, and downloading a patrol as GPX). Short sentences, common words, readings as
// {漢字|かんじ}. A draft not yet checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "gpx.heading": "GPXファイルから {取|と}り{込|こ}む",
  "gpx.intro":
    "GPSの {機械|きかい}や スマートフォンの アプリで {記録|きろく}した GPXファイルを、パトロールの {記録|きろく}に します。ファイルが たくさん ある ときは、ZIPに まとめて ください。{線|せん}（トラック）1つが {記録|きろく}1つに なります。{点|てん}と {時刻|じこく}は ぜんぶ そのまま のこります。",
  "gpx.file": "GPXファイル（.gpx か .zip）",
  "gpx.file_hint": "{時差|じさ}が {書|か}いて いない {時刻|じこく}は、{日本|にほん}の {時間|じかん}だと {考|かんが}えます。",
  "gpx.kind": "{活動|かつどう}の {種類|しゅるい}",
  "gpx.kind_file": "ファイルの とおり",
  "gpx.kind.patrol": "{防犯|ぼうはん}パトロール",
  "gpx.kind.safety_walk": "{町|まち}を {歩|ある}いて {安全|あんぜん}を しらべる",
  "gpx.kind.school_watch": "{子|こ}どもの {登校|とうこう}・{下校|げこう}を {見守|みまも}る",
  "gpx.participants": "{歩|ある}いた {人|ひと}の {数|かず}",
  "gpx.submit": "{取|と}り{込|こ}む",
  "gpx.sending": "{取|と}り{込|こ}んで います…",
  "gpx.imported": { other: "パトロールの {記録|きろく}を {n}つ {取|と}り{込|こ}みました。" },
  "gpx.download": "GPX",
  "gpx.download_label": "「{title}」を GPXで ダウンロードする",
};
