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
// Long checkbox lists (templates/checklist.html): filter box, 全选/全不选 of the items shown, and a count.
document.querySelectorAll("[data-checklist]").forEach(function (list) {
  const tools = list.querySelector("[data-checklist-tools]");
  if (!tools) { return; }
  // Read at each use: the exam form's script replaces a 限定章 list's items when the document changes.
  function items() { return Array.from(list.querySelectorAll(".checklist-item")); }
  const filter = tools.querySelector(".checklist-filter");
  const count = tools.querySelector(".checklist-count");
  const none = list.querySelector(".checklist-none");
  function shown() { return items().filter(function (item) { return !item.hidden; }); }
  function update() {
    const all = items();
    const checked = list.querySelectorAll(".checklist-item input[type=checkbox]:checked").length;
    const visible = shown().length;
    count.textContent = "已选 " + checked + " / " + all.length + (visible < all.length ? "（筛出 " + visible + " 项）" : "");
    none.hidden = visible > 0 || all.length === 0;
  }
  filter.addEventListener("input", function () {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    items().forEach(function (item) {
      const text = item.textContent.toLowerCase();
      item.hidden = !words.every(function (word) { return text.includes(word); });
    });
    update();
  });
  filter.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
  tools.addEventListener("click", function (event) {
    const button = event.target.closest("[data-check]");
    if (!button) { return; }
    const state = button.dataset.check === "all";
    shown().forEach(function (item) { item.querySelector("input[type=checkbox]").checked = state; });
    update();
  });
  list.addEventListener("change", update);
  tools.hidden = false;
  update();
});
// A table wider than the screen scrolls inside .table-responsive: let the keyboard reach and scroll it
// (WCAG 2.1.1), named after its caption or the heading above it for screen readers.
document.querySelectorAll(".table-responsive").forEach(function (box) {
  if (box.hasAttribute("tabindex")) { return; }
  box.setAttribute("tabindex", "0");
  box.setAttribute("role", "region");
  const caption = box.querySelector("caption");
  let heading = box.previousElementSibling;
  while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
  const name = caption ? caption.textContent : heading ? heading.textContent : "表格";
  box.setAttribute("aria-label", name.trim() + "（可左右滚动）");
});
