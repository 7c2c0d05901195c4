// The organiser's dashboard refreshes each exam's counts from the server (no inline script: the CSP forbids it).
(function () {
  "use strict";
  const board = document.getElementById("dashboard");
  if (!board) { return; }
  const seconds = Math.max(1, Number(board.dataset.interval) || 10);
  async function refresh() {
    try {
      const response = await fetch(board.dataset.url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) { return; }
      const data = await response.json();
      const ids = data.exams.map(function (exam) { return String(exam.id); }).join(",");
      if (ids !== board.dataset.exams) { window.location.reload(); return; }   // an exam opened or closed
      data.exams.forEach(function (exam) {
        const card = board.querySelector('[data-exam="' + exam.id + '"]');
        if (!card) { return; }
        Object.entries(exam.counts).forEach(function ([key, value]) {
          const node = card.querySelector('[data-count="' + key + '"]');
          if (node) { node.textContent = value; }
          if (key === "focus_alerts" && node) { node.parentElement.classList.toggle("has-alerts", value > 0); }
        });
      });
      document.getElementById("dashboard-refreshed").textContent = "更新于 " + data.at;
    } catch (e) { /* offline: try again next time */ }
  }
  setInterval(refresh, seconds * 1000);
}());
