// Small page behaviours that must not be inline scripts (the CSP forbids those).
document.addEventListener("click", function (event) {
  if (event.target.closest(".js-print")) { window.print(); }
  const confirmButton = event.target.closest("[data-confirm]");
  if (confirmButton && !window.confirm(confirmButton.dataset.confirm)) { event.preventDefault(); }
});
// Tables marked .table-stack turn into cards on a phone (see app.css): label each cell from its column header.
document.querySelectorAll("table.table-stack").forEach(function (table) {
  const heads = Array.from(table.querySelectorAll(":scope > thead > tr:first-child > th"));
  const labels = heads.map(function (th) {
    if (th.dataset.label !== undefined) { return th.dataset.label; }
    const copy = th.cloneNode(true);
    copy.querySelectorAll(".small, .visually-hidden").forEach(function (node) { node.remove(); });
    return copy.textContent.trim();
  });
  const marks = heads.map(function (th) {
    return ["stack-title", "stack-wide", "stack-hide"].filter(function (name) { return th.classList.contains(name); });
  });
  table.querySelectorAll(":scope > tbody > tr").forEach(function (tr) {
    Array.from(tr.children).forEach(function (td, index) {
      if (td.hasAttribute("colspan") || index >= labels.length) { return; }
      if (!td.hasAttribute("data-label")) { td.setAttribute("data-label", marks[index].includes("stack-title") ? "" : labels[index]); }
      marks[index].forEach(function (name) { td.classList.add(name); });
    });
  });
  table.classList.add("is-stacked");
});
