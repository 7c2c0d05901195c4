// 大字号: loaded in <head> (not deferred) so the chosen size applies before the page is first painted.
// The choice is kept in this browser (localStorage, and a cookie as a fallback when storage is blocked).
(function () {
  "use strict";
  const KEY = "examapp-text-size";
  const root = document.documentElement;
  function stored() {
    try { const value = window.localStorage.getItem(KEY); if (value) { return value; } } catch (e) { /* blocked */ }
    const match = document.cookie.match(/(?:^|;\s*)examapp-text-size=(\w+)/);
    return match ? match[1] : "normal";
  }
  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* blocked: the cookie still works */ }
    document.cookie = KEY + "=" + value + "; path=/; max-age=31536000; SameSite=Lax";
  }
  root.classList.toggle("text-large", stored() === "large");
  document.addEventListener("DOMContentLoaded", function () {
    const button = document.getElementById("text-size-toggle");
    if (!button) { return; }
    function show() { button.setAttribute("aria-pressed", root.classList.contains("text-large") ? "true" : "false"); }
    button.addEventListener("click", function () {
      const large = !root.classList.contains("text-large");
      root.classList.toggle("text-large", large);
      store(large ? "large" : "normal");
      show();
    });
    button.hidden = false;
    show();
  });
}());
