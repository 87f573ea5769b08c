// Português (Brasil): a group's page, the joint school-route inspection section. A draft not
// yet checked by a native speaker; set reviewed: true once one has.
export const meta = { reviewed: false };

export default {
  "srg.heading": "Inspeção conjunta das rotas escolares",
  "srg.intro":
    "Lugares perigosos nas rotas escolares que a escola, o responsável pelas vias e a polícia inspecionaram juntos, e o que cada um vai fazer.",
  "srg.count": "Lugares: {n}",
  "srg.caption": "Lugares inspecionados e medidas",
  "srg.col_number": "Nº",
  "srg.col_place": "Lugar",
  "srg.col_reasons": "Por que foi escolhido",
  "srg.col_measures": "Medidas",
  "srg.party.school": "Escola / secretaria de educação",
  "srg.party.road": "Responsável pelas vias",
  "srg.party.police": "Polícia",
  "srg.status.planned": "Planejado",
  "srg.status.in_progress": "Em andamento",
  "srg.status.done": "Concluído",
  "srg.status.not_done": "Não será feito",
  "srg.reason.speed": "Os carros correm",
  "srg.reason.heavy_vehicles": "Passam veículos pesados",
  "srg.reason.near_miss": "Quase acidentes",
  "srg.reason.poor_visibility": "Pouca visibilidade",
  "srg.reason.no_sidewalk": "Sem calçada",
  "srg.reason.residents_request": "Pedido dos moradores",
  "srg.reason.other": "Outro",
};
