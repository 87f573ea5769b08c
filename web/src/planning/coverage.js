// /staff#/planning/coverage (built by the coverage part of the planning issue).
export async function render(container) {
  container.append(document.createTextNode(""));
}
