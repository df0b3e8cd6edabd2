// 采用: copies a suggested category into the intake form's category select. The suggestions are
// swapped in by htmx as the clerk types, so clicks are handled on the document.
function routingMark(pressed) {
  document.querySelectorAll("[data-routing-category]").forEach((button) => {
    const on = button === pressed;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "已采用" : "采用";
  });
}

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
  routingMark(button);
});

// A category picked by hand (or a new set of suggestions) shows which suggestion, if any, is in use.
function routingSync() {
  const buttons = document.querySelectorAll("[data-routing-category]");
  if (!buttons.length) {
    return;
  }
  const select = document.getElementById(buttons[0].dataset.routingTarget || "id_category");
  const chosen = select ? select.value : "";
  routingMark(Array.from(buttons).find((button) => chosen && button.dataset.routingCategory === chosen) || null);
}

document.addEventListener("change", (event) => {
  if (event.target.id === "id_category") {
    routingSync();
  }
});
document.addEventListener("htmx:afterSettle", routingSync);
