// The exam form (templates/exams/manage_form.html): each question type's 限定章 list shows the chapters of the
// chosen policy document. The chapters of every 现行 document come with the page (data-document-chapters:
// {document id: [[number, "第X章 title"], ...]}). Without this script the lists keep the chapters of the
// document the page was loaded with, and the server refuses a chapter the chosen document does not have.
(function () {
  const holder = document.querySelector("[data-document-chapters]");
  const select = document.getElementById("document");
  if (!holder || !select) { return; }
  const chapters = JSON.parse(holder.dataset.documentChapters);
  const lists = Array.from(holder.querySelectorAll(".blueprint-table [data-checklist]"));
  // The ticks made for each document, so that choosing a document again gives its ticks back.
  const ticked = {};
  let showing = select.value;
  // Items the page came with that the document's chapter list lacks (a chapter its revision removed, kept ticked
  // so that saving refuses it): offered again whenever that document is chosen again.
  const loaded = showing;
  const known = (chapters[loaded] || []).map(function (chapter) { return String(chapter[0]); });
  const extras = {};
  lists.forEach(function (list) {
    extras[list.id] = Array.from(list.querySelectorAll(".checklist-item input"))
      .filter(function (box) { return !known.includes(box.value); })
      .map(function (box) { return [box.value, list.querySelector("label[for='" + box.id + "']").textContent]; });
  });

  function remember() {
    ticked[showing] = {};
    lists.forEach(function (list) {
      ticked[showing][list.id] = Array.from(list.querySelectorAll(".checklist-item input:checked"))
        .map(function (box) { return box.value; });
    });
  }

  function item(list, number, label, index, checked) {
    const row = document.createElement("div");
    row.className = "form-check checklist-item";
    const box = document.createElement("input");
    box.className = "form-check-input";
    box.type = "checkbox";
    box.name = list.dataset.name;
    box.value = String(number);
    box.id = list.id + "-" + index;
    box.checked = checked;
    const text = document.createElement("label");
    text.className = "form-check-label";
    text.htmlFor = box.id;
    text.textContent = label;
    row.append(box, text);
    return row;
  }

  function show(list, documentId) {
    const box = list.querySelector(".checklist-items");
    const before = box.querySelector(".checklist-none");
    box.querySelectorAll(".checklist-item, .checklist-empty").forEach(function (node) { node.remove(); });
    const wanted = (ticked[documentId] || {})[list.id] || [];
    const rows = (chapters[documentId] || []).concat(documentId === loaded ? extras[list.id] : []);
    rows.forEach(function (chapter, index) {
      box.insertBefore(item(list, chapter[0], chapter[1], index + 1, wanted.includes(String(chapter[0]))), before);
    });
    if (!rows.length) {
      const empty = document.createElement("div");
      empty.className = "text-muted small checklist-empty";
      empty.textContent = "（该文件不分章）";
      box.insertBefore(empty, before);
    }
    const filter = list.querySelector(".checklist-filter");
    if (filter) { filter.dispatchEvent(new Event("input")); }   // app.js re-applies the filter and the count
    list.querySelectorAll(".invalid-feedback").forEach(function (node) { node.remove(); });   // about the old list
  }

  const chosen = document.querySelector("[data-document-chosen]");
  function name() {
    if (!chosen) { return; }
    chosen.textContent = "已选：" + select.options[select.selectedIndex].text;
    chosen.hidden = false;
  }
  name();

  select.addEventListener("change", function () {
    name();
    remember();
    showing = select.value;
    lists.forEach(function (list) { show(list, showing); });
  });
}());
