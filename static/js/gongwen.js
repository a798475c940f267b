// Small page helpers; every form also works without them. The pages carry no inline
// script (the Content-Security-Policy allows only files from /static/): behaviour is asked
// for with data-gw-* attributes and wired here by delegated listeners.
(function () {
  "use strict";

  // htmx evaluates hx-on, js: values and trigger filters with eval, which the policy
  // forbids; the pages use none of them, and this keeps a new one from failing silently.
  if (window.htmx) window.htmx.config.allowEval = false;

  // 打印: <button type="button" data-gw-print>.
  document.addEventListener("click", function (e) {
    if (!e.target.closest || !e.target.closest("[data-gw-print]")) return;
    e.preventDefault();
    window.print();
  });

  // A part shown only while a select has one value (the 不予公开 reason on 拟稿):
  // <div data-gw-show-if="select id" data-gw-show-value="value">. It stays shown while it
  // holds an error message, and always without JavaScript.
  function syncShowIf() {
    document.querySelectorAll("[data-gw-show-if]").forEach(function (wrap) {
      var sel = document.getElementById(wrap.getAttribute("data-gw-show-if"));
      if (!sel) return;
      wrap.hidden = sel.value !== wrap.getAttribute("data-gw-show-value") && !wrap.querySelector(".invalid-feedback");
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target instanceof HTMLSelectElement) syncShowIf();
  });

  // A form sent back with errors: move focus to the summary above it (#form-errors).
  function focusErrors() {
    var errors = document.getElementById("form-errors");
    if (errors) errors.focus();
  }

  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }
  onReady(syncShowIf);
  onReady(focusErrors);

  // 常用语: insert the phrase at the cursor of the target textarea.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-phrase]");
    if (!btn) return;
    e.preventDefault();
    var box = document.getElementById(btn.getAttribute("data-target"));
    if (!box) return;
    var text = btn.getAttribute("data-phrase");
    var start = box.selectionStart != null ? box.selectionStart : box.value.length;
    var end = box.selectionEnd != null ? box.selectionEnd : box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    var pos = start + text.length;
    try { box.setSelectionRange(pos, pos); } catch (err) { /* not a text field */ }
  });

  // Ordered choice (依次办理): remember the click order of checked people.
  function renumber(group) {
    var orderField = document.getElementById(group.getAttribute("data-order-field"));
    var order = (orderField.value || "").split(",").filter(Boolean);
    group.querySelectorAll("input[type=checkbox]").forEach(function (cb) {
      var badge = cb.parentElement.querySelector(".gw-order");
      var i = order.indexOf(cb.value);
      if (badge) badge.textContent = i >= 0 ? String(i + 1) : "";
      if (badge) badge.hidden = i < 0;
    });
  }
  document.addEventListener("change", function (e) {
    var cb = e.target;
    if (!(cb instanceof HTMLInputElement) || cb.type !== "checkbox") return;
    var group = cb.closest("[data-order-field]");
    if (!group) return;
    var orderField = document.getElementById(group.getAttribute("data-order-field"));
    var order = (orderField.value || "").split(",").filter(Boolean).filter(function (v) { return v !== cb.value; });
    if (cb.checked) order.push(cb.value);
    orderField.value = order.join(",");
    renumber(group);
  });

  // Deadline picker: show the time field only for "具体时间".
  function syncDeadline(root) {
    (root || document).querySelectorAll("[data-deadline-kind]").forEach(function (sel) {
      var wrap = document.getElementById(sel.getAttribute("data-deadline-kind"));
      if (wrap) wrap.hidden = sel.value !== "time";
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-deadline-kind]")) syncDeadline();
  });
  document.addEventListener("DOMContentLoaded", function () { syncDeadline(); });
  document.addEventListener("htmx:afterSwap", function (e) { syncDeadline(e.target); });

  // After an htmx swap, move focus to the alert or the panel so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (e) {
    var alert = e.target.querySelector(".alert");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  });

  // Downloads that take a few seconds to generate (a PDF through LibreOffice): say so at
  // once in an aria-live line and mark the link busy until the file has had time to come.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-gw-busy]");
    if (!link) return;
    var status = document.getElementById(link.getAttribute("aria-describedby") || "");
    link.classList.add("disabled");
    link.setAttribute("aria-disabled", "true");
    if (status) status.textContent = link.getAttribute("data-gw-busy");
    setTimeout(function () {
      link.classList.remove("disabled");
      link.removeAttribute("aria-disabled");
      if (status) status.textContent = "";
    }, 8000);
  });
})();
