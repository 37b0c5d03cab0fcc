// Model output as markdown, made safe: marked turns it into HTML, DOMPurify keeps only a short list of formatting
// tags (no raw HTML from the model, no scripts, no event handlers, no style, links only to http(s) and mailto).
// Code blocks get a copy button.
(function () {
  "use strict";
  var TAGS = ["p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "span"];
  var ATTRS = ["href", "title", "class", "start", "align"];
  var PURIFY = { ALLOWED_TAGS: TAGS, ALLOWED_ATTR: ATTRS, ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i };

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function toHtml(text) {
    if (!window.marked || !window.DOMPurify) return "<p>" + escapeHtml(text) + "</p>";
    // Raw HTML in the model's text is shown as text (see the html renderer below), then DOMPurify cleans the rest.
    var html = window.marked.parse(text, { gfm: true, breaks: true, async: false });
    return window.DOMPurify.sanitize(html, PURIFY);
  }

  function addCopyButtons(root) {
    root.querySelectorAll("pre").forEach(function (pre) {
      if (pre.querySelector("button.copy")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy button small";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        var code = pre.querySelector("code");
        navigator.clipboard.writeText((code || pre).textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        }, function () { button.textContent = "Copy failed"; });
      });
      pre.appendChild(button);
    });
    root.querySelectorAll("a[href]").forEach(function (a) {
      a.setAttribute("rel", "noopener noreferrer nofollow");
      a.setAttribute("target", "_blank");
    });
  }

  window.StudioMarkdown = {
    render: function (element, text) {
      element.innerHTML = toHtml(text || "");
      addCopyButtons(element);
    },
    toHtml: toHtml
  };

  // marked must not pass the model's HTML through: render html tokens as escaped text.
  if (window.marked) {
    window.marked.use({ renderer: { html: function (token) { return escapeHtml(token.text || token.raw || ""); } } });
  }
})();
