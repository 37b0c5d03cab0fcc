// Fine-tuning pages: the dataset upload streams with a progress bar and is refused before it starts when the file
// is over the limit (the server checks again).
(function () {
  "use strict";
  function setup(form) {
    var input = form.querySelector("input[type=file]");
    var box = form.querySelector("[data-upload-progress]");
    var bar = box && box.querySelector("progress");
    var label = box && box.querySelector("[data-upload-label]");
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    function refuse(text) {
      var error = form.querySelector(".upload-error");
      if (!error) {
        error = document.createElement("p");
        error.className = "flash flash-error upload-error";
        error.setAttribute("role", "alert");
        form.insertBefore(error, form.firstChild);
      }
      error.textContent = text;
    }
    input.addEventListener("change", function () {
      var file = input.files[0];
      if (file && limit && file.size > limit) refuse(file.name + " is " + file.size.toLocaleString() +
        " bytes; the limit is " + limit.toLocaleString() + ". Split it or remove examples.");
    });
    form.addEventListener("submit", function (event) {
      var file = input.files[0];
      if (!file || !window.XMLHttpRequest) return;  // the plain form post still works
      if (limit && file.size > limit) { event.preventDefault(); return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      box.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.floor(e.loaded * 100 / e.total);
        bar.value = percent;
        label.textContent = percent + " % of " + (e.total / 1048576).toFixed(1) + " MB";
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.status < 400) { window.location.href = xhr.responseURL; return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener("error", function () { refuse("The upload failed: the connection was lost. Try again."); });
      xhr.send(new FormData(form));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-finetune-upload]").forEach(setup);
  });
})();
