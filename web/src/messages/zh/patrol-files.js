// 简体中文: patrols as GPX files on a group's page (importing a GPS logger's file, or a zip
// of several, and downloading a patrol as GPX). A draft
// not yet checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "gpx.heading": "从GPX文件导入",
  "gpx.intro":
    "将用GPS记录仪或手机应用记录的GPX文件（多个文件请打包成一个ZIP）导入为巡逻记录：每条轨迹成为一条记录，所有的点和时间都按原样保留。",
  "gpx.file": "GPX文件（.gpx 或 .zip）",
  "gpx.file_hint": "没有时区信息的时间按日本时间读取。",
  "gpx.kind": "活动类型",
  "gpx.kind_file": "按文件中的类型",
  "gpx.kind.patrol": "防范犯罪巡逻",
  "gpx.kind.safety_walk": "社区安全检查・街区步行",
  "gpx.kind.school_watch": "上下学守护",
  "gpx.participants": "参加人数",
  "gpx.submit": "导入",
  "gpx.sending": "正在导入…",
  "gpx.imported": { other: "已导入{n}条巡逻记录。" },
  "gpx.download": "GPX",
  "gpx.download_label": "将“{title}”下载为GPX",
};
