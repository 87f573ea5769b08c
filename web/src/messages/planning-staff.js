// The staff's renewal planning (/staff#/planning): the menu entry and the section's tabs.
// Each tab keeps its own strings beside it (planning-projection.js, planning-priority.js,
// planning-coverage.js, planning-hotspots.js).
export default {
  ja: {
    "plan.nav": "施設計画",
    "plan.heading": "公共施設の更新計画",
    "plan.tabs": "施設計画の表示",
    "plan.tab.projection": "更新費用の試算",
    "plan.tab.priority": "優先順位",
    "plan.tab.coverage": "利用圏と統廃合",
    "plan.tab.hotspots": "危険・通報の集中箇所",
  },
  en: {
    "plan.nav": "Planning",
    "plan.heading": "Facility renewal planning",
    "plan.tabs": "Planning views",
    "plan.tab.projection": "Renewal cost projection",
    "plan.tab.priority": "Priorities",
    "plan.tab.coverage": "Coverage and mergers",
    "plan.tab.hotspots": "Hotspots",
  },
};
