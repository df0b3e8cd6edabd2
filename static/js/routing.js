// 采用: copies a suggested category into the intake form's category select. The suggestions are
// swapped in by htmx, so the click is handled on the document.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-routing-category]");
  if (!button) {
    return;
  }
  const select = document.getElementById(button.dataset.routingTarget || "id_category");
  if (!select) {
    return;
  }
  const wanted = [button.dataset.routingCategory, button.dataset.routingCategoryCode];
  const option = Array.from(select.options).find((candidate) => wanted.includes(candidate.value));
  if (!option) {
    return;
  }
  select.value = option.value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  document.querySelectorAll("[data-routing-category]").forEach((other) => {
    other.setAttribute("aria-pressed", other === button ? "true" : "false");
  });
});
