// 简体中文: a group's page, the joint school-route inspection section. A draft not yet
// checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "srg.heading": "上学路线联合检查",
  "srg.intro": "学校、道路管理者和警察共同检查的上学路线危险地点，以及各方采取的对策。",
  "srg.count": "共 {n} 处",
  "srg.caption": "检查地点与对策",
  "srg.col_number": "编号",
  "srg.col_place": "地点",
  "srg.col_reasons": "选定理由",
  "srg.col_measures": "对策",
  "srg.party.school": "学校・教育委员会",
  "srg.party.road": "道路管理者",
  "srg.party.police": "警察",
  "srg.status.planned": "计划中",
  "srg.status.in_progress": "实施中",
  "srg.status.done": "已完成",
  "srg.status.not_done": "不实施",
  "srg.reason.speed": "车速容易变快",
  "srg.reason.heavy_vehicles": "有大型车辆通行",
  "srg.reason.near_miss": "险些发生事故",
  "srg.reason.poor_visibility": "视线不好",
  "srg.reason.no_sidewalk": "没有人行道",
  "srg.reason.residents_request": "居民的要求",
  "srg.reason.other": "其他",
};
