// /staff#/planning/projection (built by the projection part of the planning issue).
export async function render(container) {
  container.append(document.createTextNode(""));
}
