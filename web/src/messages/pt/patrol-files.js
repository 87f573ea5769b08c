// Português: patrols as GPX files on a group's page (importing a GPS logger's file, or a zip
// of several, and downloading a patrol as GPX). A draft
// not yet checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "gpx.heading": "Importar de um arquivo GPX",
  "gpx.intro":
    "Importe como rondas um arquivo GPX gravado com um aparelho de GPS ou um aplicativo de celular (vários arquivos num único ZIP): cada trilha vira uma ronda, com todos os pontos e horários como foram gravados.",
  "gpx.file": "Arquivo GPX (.gpx ou .zip)",
  "gpx.file_hint": "Horários sem fuso horário são lidos como horário do Japão.",
  "gpx.kind": "Tipo de atividade",
  "gpx.kind_file": "Como está no arquivo",
  "gpx.kind.patrol": "Ronda de prevenção ao crime",
  "gpx.kind.safety_walk": "Caminhada de segurança no bairro",
  "gpx.kind.school_watch": "Acompanhamento do caminho da escola",
  "gpx.participants": "Número de participantes",
  "gpx.submit": "Importar",
  "gpx.sending": "Importando…",
  "gpx.imported": { one: "{n} ronda importada.", other: "{n} rondas importadas." },
  "gpx.download": "GPX",
  "gpx.download_label": "Baixar “{title}” em GPX",
};
