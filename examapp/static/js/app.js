// Small page behaviours that must not be inline scripts (the CSP forbids those).
document.addEventListener("click", function (event) {
  if (event.target.closest(".js-print")) { window.print(); }
  const confirmButton = event.target.closest("[data-confirm]");
  if (confirmButton && !window.confirm(confirmButton.dataset.confirm)) { event.preventDefault(); }
});
