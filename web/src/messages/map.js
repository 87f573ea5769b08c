export default {
  ja: { "map.title": "焼津市 まちの地図 — machimap" },
  en: { "map.title": "Yaizu community map — machimap" },
};
