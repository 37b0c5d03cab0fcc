// Small page behaviours: readable htmx errors. No framework; htmx does the rest.
(function () {
  "use strict";
  function showError(text) {
    var box = document.getElementById("htmx-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 10000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = "The request failed (" + xhr.status + " " + (xhr.statusText || "") + ").";
    // Studio's error fragment says what went wrong in words; prefer it to the status line.
    var holder = document.createElement("div");
    holder.innerHTML = xhr.responseText || "";
    var said = holder.querySelector("[role=alert]");
    if (said && said.textContent.trim()) message = said.textContent.trim();
    showError(message);
  });
  // A form whose text is larger than Studio reads in one request is stopped here, so the input stays in the page;
  // the server says the same (413) if the check is bypassed. Files are limited by their own forms.
  function formTextBytes(form) {
    var total = 0;
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string") total += new Blob([key, value]).size + 2;
    });
    return total;
  }
  function tooLarge(form) {
    var limit = parseInt(document.body.dataset.maxRequestBytes || "0", 10);
    if (!limit || !form || form.tagName !== "FORM") return false;
    var size = formTextBytes(form);
    if (size <= limit) return false;
    var mb = function (n) { return (n / 1048576).toFixed(1) + " MB"; };
    showError("This form holds " + mb(size) + " of text; Studio accepts at most " + mb(limit) +
      " in one request. Nothing was sent and your input is still here: shorten it, or upload it as a file where the page offers one.");
    return true;
  }
  document.addEventListener("submit", function (event) {
    if (tooLarge(event.target)) event.preventDefault();
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt.closest("form");
    if (form && event.detail.verb !== "get" && tooLarge(form)) event.preventDefault();
  });
  document.addEventListener("htmx:sendError", function () {
    showError("Studio could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    showError("Studio took too long to answer. Try again.");
  });
})();
