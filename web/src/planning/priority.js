// /staff#/planning/priority (built by the priority part of the planning issue).
export async function render(container) {
  container.append(document.createTextNode(""));
}
