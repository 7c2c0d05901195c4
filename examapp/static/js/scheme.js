// The scheme form: the weights' live total and shares, and each method's own parameters and explanation.
(function () {
  const form = document.getElementById("scheme-form");
  if (!form) { return; }
  const weights = Array.from(form.querySelectorAll(".js-weight"));
  const total = document.getElementById("weight-total");
  const note = document.getElementById("weight-note");

  function format(value) {
    return (Math.round(value * 100) / 100).toString();
  }

  function updateTotal() {
    let sum = 0;
    let invalid = false;
    weights.forEach(function (input) {
      const value = input.value.trim() === "" ? 0 : Number(input.value);
      if (!Number.isFinite(value) || value < 0) { invalid = true; } else { sum += value; }
    });
    total.textContent = invalid ? "有无效的权重" : format(sum);
    total.classList.toggle("text-danger", invalid || sum === 0);
    note.textContent = invalid || sum === 0 ? "（权重应为不小于 0 的数，且不能全为 0）"
      : (Math.abs(sum - 100) < 1e-9 ? "" : "（不必凑满 100：综合得分按权重之和折算）");
    weights.forEach(function (input) {
      const share = form.querySelector('.js-share[data-key="' + CSS.escape(input.dataset.key) + '"]');
      const value = Number(input.value);
      share.textContent = !invalid && sum > 0 && Number.isFinite(value) ? "占 " + format(value * 100 / sum) + "%" : "";
    });
  }

  function updateMethod(select) {
    const box = select.closest(".js-norm");
    box.querySelectorAll(".js-params").forEach(function (part) {
      part.hidden = part.dataset.method !== select.value;
    });
    const option = select.options[select.selectedIndex];
    box.querySelector(".js-method-help").textContent = option ? option.dataset.help : "";
  }

  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("js-weight")) { updateTotal(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("js-method")) { updateMethod(event.target); }
  });
  form.querySelectorAll(".js-method").forEach(updateMethod);
  updateTotal();
}());
