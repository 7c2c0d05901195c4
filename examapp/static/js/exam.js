// The exam page: renders the paper, saves every change at once, keeps unsent changes in
// localStorage until the server confirms them, and counts down from the server's clock.
(function () {
  "use strict";
  const app = document.getElementById("exam-app");
  if (!app) { return; }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const attemptId = app.dataset.attempt;
  const pendingKey = "examapp-pending-" + attemptId;
  const flagKey = "examapp-flags-" + attemptId;
  const leftKey = "examapp-left-" + attemptId;
  // Each question type's label and answer shape, from the registry (bank/qtypes.py) via data-qtypes.
  const QTYPES = JSON.parse(app.dataset.qtypes);
  function shapeOf(item) { return QTYPES[item.type].shape; }
  const SECTION_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八"];

  const els = {
    questions: document.getElementById("questions"),
    grid: document.getElementById("sheet-grid"),
    summary: document.getElementById("sheet-summary"),
    clock: document.getElementById("clock"),
    status: document.getElementById("save-status"),
    warning: document.getElementById("time-warning"),
    focusWarning: document.getElementById("focus-warning"),
    fatal: document.getElementById("fatal"),
    submit: document.getElementById("submit-button"),
    sheet: document.getElementById("answer-sheet"),
    sheetToggle: document.getElementById("sheet-toggle"),
  };

  let items = [];
  const answers = {};      // item id -> answer confirmed by the server or typed here
  const seqs = {};         // item id -> highest sequence number used for that item
  let pending = loadJSON(pendingKey, {});   // item id -> {answer, seq} not yet confirmed
  const flags = loadJSON(flagKey, {});
  let clockBase = null;    // {secondsLeft, at: performance.now()}
  let finished = false;
  let sending = false;
  let retryDelay = 1000;
  let retryTimer = null;
  const warned = {};

  function loadJSON(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function storePending() {
    try { localStorage.setItem(pendingKey, JSON.stringify(pending)); } catch (e) { /* storage full: still retrying */ }
  }

  async function api(url, body, method) {
    const response = await fetch(url, {
      method: method || "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  // --- the clock: server seconds, counted with the monotonic performance clock -------------------
  function syncClock(data) {
    if (data.deadline && data.server_time) {
      const left = (Date.parse(data.deadline) - Date.parse(data.server_time)) / 1000;
      clockBase = { secondsLeft: Math.max(0, left), at: performance.now() };
    } else if (typeof data.seconds_left === "number") {
      clockBase = { secondsLeft: data.seconds_left, at: performance.now() };
    }
  }
  function secondsLeft() {
    if (!clockBase) { return null; }
    return Math.max(0, clockBase.secondsLeft - (performance.now() - clockBase.at) / 1000);
  }
  function tick() {
    const left = secondsLeft();
    if (left === null || finished) { return; }
    const whole = Math.ceil(left);
    const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    els.clock.textContent = (h ? h + ":" + String(m).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(s).padStart(2, "0");
    els.clock.classList.toggle("clock-warning", whole <= 300);
    els.clock.classList.toggle("clock-danger", whole <= 60);
    if (whole <= 300 && whole > 60 && !warned.five) { warned.five = true; showWarning("距离考试结束还有 5 分钟，请抓紧检查并交卷。"); }
    if (whole <= 60 && whole > 0 && !warned.one) { warned.one = true; showWarning("距离考试结束还有 1 分钟！时间到将自动交卷。"); }
    if (whole <= 0) { submit("timeout"); }
  }
  function showWarning(text) {
    els.warning.textContent = text;
    els.warning.classList.remove("d-none");
  }

  // --- rendering -------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([k, v]) {
      if (k === "text") { node.textContent = v; } else if (k === "class") { node.className = v; } else { node.setAttribute(k, v); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function render() {
    els.questions.textContent = "";
    let lastSection = -1, sectionIndex = -1;
    items.forEach(function (item, index) {
      if (item.section !== lastSection) {
        lastSection = item.section;
        sectionIndex += 1;
        const same = items.filter(function (i) { return i.section === item.section; });
        els.questions.appendChild(el("h2", { class: "h5 section-title", text:
          SECTION_NUMERALS[sectionIndex] + "、" + QTYPES[item.type].label + "（共 " + same.length + " 题，每题 " + item.points + " 分）" }));
      }
      els.questions.appendChild(renderItem(item, index + 1));
    });
    renderSheet();
  }

  function renderItem(item, number) {
    const card = el("section", { class: "card question-card", id: "q-" + item.item, "data-item": item.item });
    const body = el("div", { class: "card-body" });
    const head = el("div", { class: "d-flex justify-content-between align-items-start gap-2 mb-2" }, [
      el("div", { class: "question-stem no-copy" }, [el("span", { class: "question-number", text: number + ". " }), document.createTextNode(item.stem)]),
      el("button", { type: "button", class: "btn btn-sm text-nowrap flex-shrink-0 flag-button " + (flags[item.item] ? "btn-warning" : "btn-outline-warning"),
        "aria-pressed": flags[item.item] ? "true" : "false", text: flags[item.item] ? "已标记" : "标记" }),
    ]);
    head.querySelector(".flag-button").addEventListener("click", function (event) {
      flags[item.item] = !flags[item.item];
      try { localStorage.setItem(flagKey, JSON.stringify(flags)); } catch (e) { /* ignore */ }
      event.target.textContent = flags[item.item] ? "已标记" : "标记";
      event.target.className = "btn btn-sm text-nowrap flex-shrink-0 flag-button " + (flags[item.item] ? "btn-warning" : "btn-outline-warning");
      renderSheet();
    });
    body.appendChild(head);
    const current = answers[item.item];
    const name = "answer-" + item.item;
    const shape = shapeOf(item);
    if (shape === "choice_one" || shape === "choice_many") {
      const one = shape === "choice_one";
      const list = el("div", { class: "options", role: one ? "radiogroup" : "group" });
      item.options.forEach(function (option) {
        const checked = one ? current === option.key : Array.isArray(current) && current.includes(option.key);
        const input = el("input", { type: one ? "radio" : "checkbox", name: name, value: option.key, class: "form-check-input" });
        input.checked = checked;
        input.addEventListener("change", function () { changed(item); });
        list.appendChild(el("label", { class: "option no-copy" + (checked ? " selected" : "") }, [
          input, el("span", { class: "option-key", text: option.key + "." }), el("span", { text: option.text })]));
      });
      body.appendChild(list);
    } else if (shape === "true_false") {
      const list = el("div", { class: "options options-inline", role: "radiogroup" });
      [[true, "正确 √"], [false, "错误 ×"]].forEach(function ([value, label]) {
        const input = el("input", { type: "radio", name: name, value: String(value), class: "form-check-input" });
        input.checked = current === value;
        input.addEventListener("change", function () { changed(item); });
        list.appendChild(el("label", { class: "option" + (current === value ? " selected" : "") }, [input, el("span", { text: label })]));
      });
      body.appendChild(list);
    } else {
      const list = el("div", { class: "blanks" });
      for (let i = 0; i < (item.blanks || 1); i += 1) {
        const input = el("input", { type: "text", class: "form-control form-control-lg", maxlength: "200", autocomplete: "off",
          "aria-label": "第 " + (i + 1) + " 空", placeholder: "第 " + (i + 1) + " 空" });
        input.value = Array.isArray(current) ? (current[i] || "") : "";
        let timer = null;
        input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { changed(item); }, 600); });
        input.addEventListener("change", function () { clearTimeout(timer); changed(item); });
        list.appendChild(el("div", { class: "blank-row" }, [el("span", { class: "blank-label", text: "第 " + (i + 1) + " 空" }), input]));
      }
      body.appendChild(list);
    }
    card.appendChild(body);
    return card;
  }

  function readAnswer(item) {
    const card = document.getElementById("q-" + item.item);
    const shape = shapeOf(item);
    if (shape === "choice_one") {
      const chosen = card.querySelector("input:checked");
      return chosen ? chosen.value : null;
    }
    if (shape === "choice_many") {
      const keys = Array.from(card.querySelectorAll("input:checked")).map(function (i) { return i.value; }).sort();
      return keys.length ? keys : null;
    }
    if (shape === "true_false") {
      const chosen = card.querySelector("input:checked");
      return chosen ? chosen.value === "true" : null;
    }
    // A blank is one line: a pasted tab or line break is sent as a space (the server refuses control characters).
    const values = Array.from(card.querySelectorAll(".blanks input")).map(function (i) { return i.value.replace(/[\t\n\r\v\f]+/g, " ").trim(); });
    return values.some(function (v) { return v; }) ? values : null;
  }

  function isAnswered(value) {
    if (value === null || value === undefined) { return false; }
    if (Array.isArray(value)) { return value.some(function (v) { return v !== ""; }); }
    return true;
  }

  function renderSheet() {
    els.grid.textContent = "";
    let answered = 0, flagged = 0;
    items.forEach(function (item, index) {
      const done = isAnswered(answers[item.item]);
      if (done) { answered += 1; }
      if (flags[item.item]) { flagged += 1; }
      const link = el("a", { href: "#q-" + item.item, class: "sheet-cell" + (done ? " answered" : "") + (flags[item.item] ? " flagged" : ""),
        text: String(index + 1), "aria-label": "第 " + (index + 1) + " 题" + (done ? "（已答）" : "（未答）") });
      link.addEventListener("click", function () { if (window.innerWidth < 992) { toggleSheet(false); } });
      els.grid.appendChild(link);
    });
    els.summary.textContent = "已答 " + answered + " / " + items.length + " 题" + (flagged ? "，标记 " + flagged + " 题" : "");
  }

  function toggleSheet(show) {
    const open = show === undefined ? !els.sheet.classList.contains("open") : show;
    els.sheet.classList.toggle("open", open);
    els.sheetToggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // --- saving ------------------------------------------------------------------------------------
  function changed(item) {
    if (finished) { return; }
    const value = readAnswer(item);
    answers[item.item] = value;
    seqs[item.item] = (seqs[item.item] || 0) + 1;
    pending[item.item] = { answer: value, seq: seqs[item.item] };
    storePending();
    const card = document.getElementById("q-" + item.item);
    const note = card.querySelector(".stored-elsewhere");
    if (note) { note.remove(); }
    card.querySelectorAll(".option").forEach(function (label) {
      label.classList.toggle("selected", label.querySelector("input").checked);
    });
    renderSheet();
    flush();
  }

  function setStatus(kind, text) {
    els.status.className = "exam-save save-" + kind;
    els.status.textContent = text;
  }

  function updateStatus() {
    const count = Object.keys(pending).length;
    if (!count) { setStatus("ok", "✓ 已保存"); }
  }

  async function flush(force) {
    if (sending || (finished && !force)) { return; }
    const ids = Object.keys(pending);
    if (!ids.length) { updateStatus(); return; }
    sending = true;
    setStatus("busy", "保存中…");
    let failed = false, loggedOut = false, busy = false, refused = null;
    for (const id of ids) {
      const entry = pending[id];
      let result;
      try {
        result = await api(app.dataset.saveUrl, { item: Number(id), answer: entry.answer, seq: entry.seq });
      } catch (e) {
        failed = true;
        break;
      }
      if (result.ok) {
        if (result.data.saved === false && result.data.stored) {
          adoptStored(id, result.data.stored, entry);
        } else if (pending[id] && pending[id].seq === entry.seq) {
          delete pending[id];
        }
        showSaveProblem(id, null);
        syncClock(result.data);
      } else if (result.status === 401) {
        fatal(result.data.error || "登录已失效，请重新登录后继续作答（已保存的答案不会丢失）。");
        failed = true;
        loggedOut = true;
        break;
      } else if (result.status === 409) {
        delete pending[id];
        storePending();
        fatal(result.data.error || "考试已结束。");
        window.setTimeout(function () { window.location.href = app.dataset.resultUrl; }, 2500);
        break;
      } else if (result.status >= 500 || result.status === 429 || result.status === 0) {
        // Not refused: the server is busy (503, 429) or unreachable; the answer stays queued and is sent again.
        failed = true;
        busy = result.status !== 0;
        break;
      } else {
        // A request the server will never accept (e.g. malformed): do not retry it forever, and say so
        // (not "已保存"): briefly in the header, the reason under the question itself.
        delete pending[id];
        const number = items.findIndex(function (i) { return String(i.item) === String(id); }) + 1;
        refused = (number ? "第" + number + "题" : "") + "未保存";
        showSaveProblem(id, "此题未保存：" + (result.data.error || "答案格式不正确") + "。请重新作答此题。");
      }
      storePending();
    }
    sending = false;
    if (failed) {
      setStatus("error", loggedOut ? "未保存（登录已失效，请重新登录）" :
        busy ? "未保存（服务器繁忙，正在重试）" : "未保存（网络异常，正在重试）");
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    } else {
      retryDelay = 1000;
      if (Object.keys(pending).length) { flush(); } else if (refused) { setStatus("error", refused); } else { updateStatus(); }
    }
  }

  // --- another page of this attempt (a second tab, another device) -------------------------------------
  function sameAnswer(a, b) {
    return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
  }

  // The server kept an equal or newer save of this item from another page: what it stores is graded.
  function adoptStored(id, stored, sent) {
    seqs[id] = Math.max(seqs[id] || 0, stored.seq);
    const newer = pending[id] && pending[id].seq !== sent.seq;
    if (newer) {
      // Changed here again since: that latest choice is sent after the stored one (not lost, not silent:
      // the other page learns it at its next save or sync).
      seqs[id] += 1;
      pending[id].seq = seqs[id];
      return;
    }
    delete pending[id];
    showStored(id, stored.answer);
  }

  // Show the stored answer in this question and say so, unless it is what this page shows anyway.
  function showStored(id, value) {
    if (sameAnswer(answers[id], value)) { return; }
    answers[id] = value;
    const index = items.findIndex(function (i) { return String(i.item) === String(id); });
    const card = document.getElementById("q-" + id);
    if (index < 0 || !card) { return; }
    const fresh = renderItem(items[index], index + 1);
    card.replaceWith(fresh);
    // Between the question and its options: where the candidate just clicked, also on a phone.
    const body = fresh.querySelector(".card-body");
    body.insertBefore(el("div", {
      class: "alert alert-warning py-1 px-2 mb-2 small stored-elsewhere", role: "alert",
      text: "此题已在另一页面作答，已显示保存的答案。如需修改，请在此重新作答。" }), body.children[1] || null);
    renderSheet();
  }

  // The periodic sync's answers: anything stored by another page with a newer seq is shown here too.
  function reconcile(saved) {
    (saved || []).forEach(function (a) {
      if (pending[a.item] || a.seq <= (seqs[a.item] || 0)) { return; }
      const card = document.getElementById("q-" + a.item);
      if (card && card.contains(document.activeElement) && document.activeElement.tagName === "INPUT"
          && document.activeElement.type === "text") { return; }   // being typed in: its own save reconciles
      seqs[a.item] = a.seq;
      showStored(a.item, a.answer);
    });
  }

  function showSaveProblem(id, text) {
    const card = document.getElementById("q-" + id);
    if (!card) { return; }
    let note = card.querySelector(".save-problem");
    if (!text) { if (note) { note.remove(); } return; }
    if (!note) {
      note = el("div", { class: "alert alert-danger py-1 px-2 mt-2 mb-0 small save-problem", role: "alert" });
      card.querySelector(".card-body").appendChild(note);
    }
    note.textContent = text;
  }

  function fatal(text) {
    els.fatal.textContent = text;
    els.fatal.classList.remove("d-none");
  }

  // --- submit ------------------------------------------------------------------------------------
  let submitting = false;
  async function submit(reason) {
    if (submitting) { return; }
    submitting = true;
    els.submit.disabled = true;
    setStatus("busy", reason === "timeout" ? "时间到，正在交卷…" : "正在交卷…");
    // Send what is still pending first; the server accepts saves within a short grace after time is up.
    for (let i = 0; i < 50 && sending; i += 1) { await new Promise(function (r) { setTimeout(r, 100); }); }
    await flush();
    finished = true;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      // Answers still unsent (network down at the first try) go first, or the submit would drop them.
      if (Object.keys(pending).length) { await flush(true); }
      try {
        const result = await api(app.dataset.submitUrl, { reason: reason || "candidate" });
        if (result.ok || result.status === 409) {
          localStorage.removeItem(pendingKey);
          window.location.href = app.dataset.resultUrl;
          return;
        }
        if (result.status === 401) { fatal(result.data.error || "登录已失效，请重新登录。"); return; }
      } catch (e) { /* network: retry below */ }
      setStatus("error", "交卷未成功（网络异常，正在重试）");
      await new Promise(function (resolve) { setTimeout(resolve, Math.min(1000 * 2 ** attempt, 15000)); });
    }
  }

  function askSubmit() {
    const unanswered = items.filter(function (item) { return !isAnswered(answers[item.item]); }).length;
    const body = document.getElementById("confirm-body");
    body.textContent = unanswered
      ? "还有 " + unanswered + " 道题未作答。交卷后不能再修改答案，确定交卷吗？"
      : "全部题目均已作答。交卷后不能再修改答案，确定交卷吗？";
    const modal = window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-submit")) : null;
    if (modal) { modal.show(); } else if (window.confirm(body.textContent)) { submit("candidate"); }
  }

  // --- start ---------------------------------------------------------------------------------------
  async function load() {
    let result;
    try {
      result = await api(app.dataset.startUrl, {});
    } catch (e) {
      setStatus("error", "网络异常，正在重试载入试卷…");
      setTimeout(load, 3000);
      return;
    }
    if (!result.ok) {
      if (result.status === 409) { window.location.href = app.dataset.resultUrl; return; }
      fatal(result.data.error || "试卷载入失败，请刷新页面重试。");
      return;
    }
    if (String(result.data.attempt) !== String(attemptId)) { window.location.href = app.dataset.resultUrl; return; }
    items = result.data.items;
    (result.data.answers || []).forEach(function (a) { answers[a.item] = a.answer; seqs[a.item] = a.seq; });
    // Unsent changes kept in this browser win over older server copies.
    Object.entries(pending).forEach(function ([id, entry]) {
      if (entry.seq > (seqs[id] || 0)) { answers[id] = entry.answer; seqs[id] = entry.seq; } else { delete pending[id]; }
    });
    storePending();
    syncClock(result.data);
    render();
    if (result.data.focus_warning) { showFocusWarning(result.data.focus_losses, result.data.focus_limit); }
    els.submit.disabled = false;
    setInterval(tick, 250);
    setInterval(resync, 60000);
    flush();
    let discardedAt = null;
    try { discardedAt = Number(sessionStorage.getItem(leftKey)) || null; } catch (e) { /* ignore */ }
    if (discardedAt) { cameBack(discardedAt); }
  }

  async function resync() {
    if (finished) { return; }
    try {
      const result = await api(app.dataset.stateUrl, undefined, "GET");
      if (result.ok) {
        if (result.data.status !== "in_progress") { finished = true; window.location.href = app.dataset.resultUrl; return; }
        syncClock(result.data);
        reconcile(result.data.answers);
      } else if (result.status === 401) {
        fatal(result.data.error || "登录已失效，请重新登录后继续作答。");
      }
    } catch (e) { /* offline: the next save or resync catches up */ }
    if (Object.keys(pending).length) { flush(); }
  }

  // --- leaving the page (切屏) ---------------------------------------------------------------------
  // Counted once when the candidate comes back to this page, with the time away. A reload, a link,
  // closing the page: the page is hidden too, but after "pagehide", and never comes back — not counted.
  // The moment of leaving is also kept in sessionStorage: a phone that discards a background tab reloads
  // it on return without any "pagehide", and that return still counts.
  let leftAt = null;
  let unloading = false;
  function leftPage() {
    if (unloading || finished || !items.length || leftAt !== null) { return; }
    leftAt = Date.now();
    try { sessionStorage.setItem(leftKey, String(leftAt)); } catch (e) { /* private mode: memory only */ }
  }
  function cameBack(since) {
    try { sessionStorage.removeItem(leftKey); } catch (e) { /* ignore */ }
    leftAt = null;
    if (finished) { return; }
    reportReturn(Math.max(0, Math.round((Date.now() - since) / 1000)));
    resync();
  }
  async function reportReturn(awaySeconds) {
    // Answers changed just before leaving go first: a limit reached here submits the paper.
    for (let i = 0; i < 50 && sending; i += 1) { await new Promise(function (r) { setTimeout(r, 100); }); }
    if (Object.keys(pending).length) { await flush(); }
    for (let attempt = 0; attempt < 5 && !finished; attempt += 1) {
      try {
        const result = await api(app.dataset.eventUrl, { kind: "focus_loss", away_seconds: awaySeconds });
        if (result.ok && result.data.action === "submitted") {
          finished = true;
          fatal("您已切屏 " + result.data.focus_losses + " 次，达到本场考试的上限，系统已自动交卷。");
          window.setTimeout(function () { window.location.href = app.dataset.resultUrl; }, 2500);
        } else if (result.ok && result.data.action === "warn") {
          showFocusWarning(result.data.focus_losses, result.data.focus_limit, awaySeconds);
        }
        return;
      } catch (e) {
        await new Promise(function (r) { setTimeout(r, 2000 * (attempt + 1)); });   // offline: try again
      }
    }
  }
  function showFocusWarning(count, limit, awaySeconds) {
    let text = "您已离开考试页面（切屏）" + count + " 次";
    if (typeof awaySeconds === "number") { text += "，本次离开约 " + durationText(awaySeconds); }
    text += "。";
    if (limit) { text += "切屏满 " + limit + " 次系统将自动交卷，还剩 " + Math.max(0, limit - count) + " 次。"; }
    text += "请留在本页面作答。";
    els.focusWarning.textContent = text;
    els.focusWarning.classList.remove("d-none");
  }
  function durationText(seconds) {
    if (seconds < 60) { return seconds + " 秒"; }
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m + " 分" + (s ? " " + s + " 秒" : "钟");
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { leftPage(); } else if (leftAt !== null) { cameBack(leftAt); }
  });
  window.addEventListener("pagehide", function () {
    unloading = true;
    leftAt = null;
    try { sessionStorage.removeItem(leftKey); } catch (e) { /* ignore */ }
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { unloading = false; } });
  window.addEventListener("online", flush);
  document.addEventListener("copy", function (event) { if (event.target.closest && event.target.closest(".no-copy")) { event.preventDefault(); } });
  document.addEventListener("contextmenu", function (event) { if (event.target.closest && event.target.closest(".no-copy")) { event.preventDefault(); } });
  window.addEventListener("beforeunload", function (event) { if (Object.keys(pending).length && !finished) { event.preventDefault(); } });
  els.submit.addEventListener("click", askSubmit);
  els.sheetToggle.addEventListener("click", function () { toggleSheet(); });
  document.getElementById("confirm-submit-button").addEventListener("click", function () {
    const modal = window.bootstrap && window.bootstrap.Modal.getInstance(document.getElementById("confirm-submit"));
    if (modal) { modal.hide(); }
    submit("candidate");
  });
  load();
}());
