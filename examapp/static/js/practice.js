// Practice, 每日一练 and 错题本: each answer goes to the server, which grades it and returns the key, the
// explanation and the article text (the page never has the key before answering). A retry after a
// network error reuses the answer's client id, so the server records it once.
(function () {
  "use strict";
  const app = document.getElementById("practice-app");
  if (!app) { return; }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const url = app.dataset.answerUrl;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (key === "text") { node.textContent = value; } else { node.setAttribute(key, value); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function newClientId() {
    return Math.floor(Math.random() * (Math.pow(2, 52) - 1)) + 1;
  }

  // A card's answer shape (data-shape, from the question-type registry) decides how it is read and shown.
  function readAnswer(card) {
    const shape = card.dataset.shape;
    if (shape === "choice_one" || shape === "true_false") {
      const checked = card.querySelector("input:checked");
      if (!checked) { return null; }
      return shape === "true_false" ? checked.value === "true" : checked.value;
    }
    if (shape === "choice_many") {
      const keys = Array.from(card.querySelectorAll("input:checked")).map(function (i) { return i.value; });
      return keys.length ? keys : null;
    }
    const blanks = Array.from(card.querySelectorAll(".practice-blank")).map(function (i) { return i.value.trim(); });
    return blanks.some(function (v) { return v; }) ? blanks : null;
  }

  function describe(shape, correct) {
    if (shape === "true_false") { return correct ? "正确" : "错误"; }
    if (shape === "choice_many") { return correct.join(""); }
    if (shape === "blanks") { return correct.map(function (alts) { return alts.join(" 或 "); }).join("；"); }
    return correct;
  }

  function setLocked(card, locked) {
    card.querySelectorAll("input").forEach(function (input) { input.disabled = locked; });
    card.querySelector(".practice-submit").classList.toggle("d-none", locked);
    card.querySelector(".practice-again").classList.toggle("d-none", !locked);
  }

  function markOptions(card, data) {
    const shape = card.dataset.shape;
    card.querySelectorAll(".option").forEach(function (label) {
      const input = label.querySelector("input");
      let isRight;
      if (shape === "true_false") { isRight = (input.value === "true") === data.correct; }
      else if (shape === "choice_many") { isRight = data.correct.includes(input.value); }
      else { isRight = input.value === data.correct; }
      label.classList.toggle("right", isRight);
      label.classList.toggle("wrong", !isRight && input.checked);
    });
  }

  function showFeedback(card, data) {
    const box = card.querySelector(".practice-feedback");
    box.replaceChildren();
    box.className = "practice-feedback mt-2 " + (data.right ? "is-right" : "is-wrong");
    const verdict = data.right ? "✓ 回答正确" : (data.earned > 0 ? "△ 部分正确" : "✗ 回答错误");
    box.appendChild(el("div", { class: "verdict", text: verdict }));
    box.appendChild(el("div", { text: "正确答案：" + describe(card.dataset.shape, data.correct) }));
    if (data.explanation) { box.appendChild(el("div", { class: "mt-1", text: "解析：" + data.explanation })); }
    if (data.article_text) {
      // The card names another document's article (《示例办法》第三条); the answer only knows the number.
      const label = card.dataset.articleLabel || data.article_label;
      const details = el("details", { class: "mt-1" }, [el("summary", { text: label + " 原文" }),
        el("div", { class: "article-text mt-2", text: data.article_text })]);
      box.appendChild(details);
    }
    if (!data.right) { box.appendChild(el("div", { class: "small text-muted mt-1", text: "此题已记入错题本。" })); }
    markOptions(card, data);
    card.classList.add("answered");
  }

  function showError(card, message) {
    const box = card.querySelector(".practice-feedback");
    box.className = "practice-feedback mt-2 is-wrong";
    box.replaceChildren(el("div", { text: message }));
  }

  function updateDrill(data) {
    const counter = document.getElementById("drill-answered");
    if (counter) {
      counter.textContent = String(app.querySelectorAll(".practice-card.answered").length);
    }
    if (data.drill_completed) {
      const done = document.getElementById("drill-done");
      if (done) { done.classList.remove("d-none"); }
      if (typeof data.streak === "number") {
        document.querySelectorAll(".streak").forEach(function (node) { node.textContent = String(data.streak); });
      }
    }
  }

  async function submit(card) {
    const answer = readAnswer(card);
    if (answer === null) { showError(card, "请先作答再提交。"); return; }
    const button = card.querySelector(".practice-submit");
    if (!card.dataset.clientId) { card.dataset.clientId = String(newClientId()); }
    button.disabled = true;
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({ question: Number(card.dataset.question), answer: answer, mode: card.dataset.mode,
                               client_id: Number(card.dataset.clientId) }),
      });
      let data = {};
      try { data = await response.json(); } catch (e) { data = {}; }
      if (!response.ok) {
        showError(card, data.error || "提交失败（" + response.status + "），请稍后重试。");
        if (response.status >= 400 && response.status < 500) { delete card.dataset.clientId; }
        return;
      }
      delete card.dataset.clientId;
      setLocked(card, true);
      showFeedback(card, data);
      updateDrill(data);
    } catch (e) {
      showError(card, "网络异常，答案未提交，请再点一次“提交答案”。");
    } finally {
      button.disabled = false;
    }
  }

  app.addEventListener("click", function (event) {
    const card = event.target.closest(".practice-card");
    if (!card) { return; }
    if (event.target.closest(".practice-submit")) { submit(card); return; }
    if (event.target.closest(".practice-again")) {
      setLocked(card, false);
      card.querySelectorAll(".option").forEach(function (l) { l.classList.remove("right", "wrong"); });
      card.querySelector(".practice-feedback").className = "practice-feedback mt-2 d-none";
    }
  });
  app.addEventListener("change", function (event) {
    const card = event.target.closest(".practice-card");
    if (!card || !event.target.matches("input[type=radio], input[type=checkbox]")) { return; }
    card.querySelectorAll(".option").forEach(function (label) {
      label.classList.toggle("selected", label.querySelector("input").checked);
    });
  });
})();
