// The live monitor refreshes its counts and rows from the server every 10 seconds.
(function () {
  "use strict";
  const counts = document.getElementById("monitor-counts");
  if (!counts) { return; }
  function mmss(seconds) { return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0"); }
  async function refresh() {
    try {
      const response = await fetch(counts.dataset.url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) { return; }
      const data = await response.json();
      Object.entries(data.counts).forEach(function ([key, value]) {
        const node = counts.querySelector('[data-count="' + key + '"]');
        if (node) { node.textContent = value; }
      });
      data.rows.forEach(function (row) {
        const tr = document.querySelector('#monitor-body tr[data-user="' + row.user + '"]');
        if (!tr) { return; }
        const status = tr.querySelector('[data-field="status"]');
        status.textContent = "";
        const badge = document.createElement("span");
        badge.className = "badge status-" + row.status;
        badge.textContent = row.status_label;
        status.appendChild(badge);
        if (row.extra_minutes) { status.appendChild(document.createTextNode(" +" + row.extra_minutes + "分")); }
        if (row.end_reason) {
          const ended = document.createElement("div");
          ended.className = "small text-muted text-truncate end-reason";
          ended.textContent = row.end_reason;
          ended.title = row.end_reason;
          status.appendChild(ended);
        }
        tr.querySelector('[data-field="answered"]').textContent = row.answered + "/" + row.total;
        tr.querySelector('[data-field="left"]').textContent = row.seconds_left === null ? "—" : mmss(row.seconds_left);
        tr.querySelector('[data-field="activity"]').textContent = row.last_activity;
        const focus = tr.querySelector('[data-field="focus"]');
        focus.textContent = row.focus_losses;
        focus.classList.toggle("text-danger", row.focus_losses >= 3);
        focus.classList.toggle("fw-bold", row.focus_losses >= 3);
        if (row.away_label) {
          const away = document.createElement("div");
          away.className = "small text-muted fw-normal text-nowrap";
          away.dataset.field = "away";
          away.textContent = row.away_label;
          focus.appendChild(away);
        }
        tr.querySelector('[data-field="score"]').textContent = row.score === null ? "—" : row.score;
      });
      document.getElementById("refreshed").textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN");
    } catch (e) { /* offline: try again next time */ }
  }
  setInterval(refresh, 10000);
}());
