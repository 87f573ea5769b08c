// /staff#/planning/hotspots (built by the hotspots part of the planning issue).
export async function render(container) {
  container.append(document.createTextNode(""));
}
