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
  document.addEventListener("htmx:sendError", function () {
    showError("Studio could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    showError("Studio took too long to answer. Try again.");
  });
})();
