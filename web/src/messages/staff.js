export default {
  ja: { "staff.title": "通報の処理（職員） — machimap" },
  en: { "staff.title": "Report triage (staff) — machimap" },
};
