export default {
  ja: { "report.title": "通報する — machimap" },
  en: { "report.title": "Report a problem — machimap" },
};
