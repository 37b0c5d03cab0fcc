// What the completions, embeddings, images and audio playgrounds share: the page's data, JSON calls with the
// CSRF header, the deployment picker, autosaved sessions, error notices and the view-code panel.
// Everything from a model or a user is put in the page with textContent, never as HTML.
(function () {
  "use strict";
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  function pageData() {
    var node = document.getElementById("page-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // -> {ok, status, data}; data is the JSON body (or {error: {...}} when the answer was not JSON).
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (e) { data = {error: {message: text.slice(0, 300) || response.statusText}}; }
        return {ok: response.ok, status: response.status, data: data};
      });
    }, function () {
      return {ok: false, status: 0, data: {error: {message: "Studio could not be reached. Check your connection and try again."}}};
    });
  }

  function postForm(url, form) {
    return fetch(url, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}, body: form})
      .then(function (response) {
        return response.text().then(function (text) {
          var data;
          try { data = JSON.parse(text); } catch (e) { data = {error: {message: text.slice(0, 300) || response.statusText}}; }
          return {ok: response.ok, status: response.status, data: data};
        });
      }, function () {
        return {ok: false, status: 0, data: {error: {message: "Studio could not be reached."}}};
      });
  }

  function money(cost, currency) {
    if (cost === null || cost === undefined || cost === "") return "no price";
    var value = Number(cost);
    // Small sums keep three significant digits: 7 embedding tokens cost $0.000000154, not $0.000000.
    var digits = value !== 0 && Math.abs(value) < 0.01 ?
      Math.min(12, 2 - Math.floor(Math.log10(Math.abs(value)))) : 4;
    return (currency === "USD" || !currency ? "$" : currency + " ") + value.toFixed(digits);
  }

  // Fill the deployment <select>; returns the picked deployment object (or null).
  function pickDeployments(select, deployments, wanted) {
    select.textContent = "";
    deployments.forEach(function (d) {
      var label = d.name + " · " + d.model + (d.version ? " " + d.version : "") + " — " + d.resource;
      select.appendChild(el("option", {value: String(d.id)}, label));
    });
    if (wanted && deployments.some(function (d) { return String(d.id) === String(wanted); })) select.value = String(wanted);
    return selected(select, deployments);
  }

  function selected(select, deployments) {
    return deployments.find(function (d) { return String(d.id) === select.value; }) || null;
  }

  // An error answer as a notice: the message, the upstream's code and request id, a retry time, filter verdicts.
  function showError(box, answer, extra) {
    var error = (answer && answer.error) || answer || {};
    box.textContent = "";
    box.hidden = false;
    box.className = "notice danger";
    box.appendChild(el("strong", {}, error.message || "The request failed."));
    var facts = [];
    if (error.code) facts.push("code " + error.code);
    if (error.upstream_status) facts.push("HTTP " + error.upstream_status);
    if (error.request_id) facts.push("request id " + error.request_id);
    if (error.retry_after) facts.push("retry after " + Math.ceil(error.retry_after) + " s");
    if (facts.length) box.appendChild(el("div", {className: "muted"}, facts.join(" · ")));
    var verdict = filterVerdict(error.content_filter_results);
    if (verdict && !error.explained) box.appendChild(verdict);
    if (extra) box.appendChild(extra);
  }

  // The content filter's verdict ({hate: {filtered, severity}, ...}) as a list of what it flagged.
  function filterVerdict(results) {
    var list = el("ul", {className: "filter-verdict"});
    Object.keys(results || {}).forEach(function (key) {
      var verdict = results[key];
      if (!verdict || typeof verdict !== "object" || !verdict.filtered) return;
      var label = key.replace(/_/g, " ") + (verdict.severity ? " (" + verdict.severity + ")" : verdict.detected ? " (detected)" : "");
      list.appendChild(el("li", {}, "Flagged: " + label));
    });
    return list.childNodes.length ? list : null;
  }

  function clearError(box) { box.hidden = true; box.textContent = ""; }

  // Autosave: the page calls session.save(state) after each result; the first save creates the session.
  function Session(kind, data, statusNode, titleInput) {
    this.kind = kind;
    this.id = data.session ? data.session.id : null;
    this.readOnly = !!data.read_only;
    this.canSave = !!data.can_send && !this.readOnly;
    this.status = statusNode;
    this.title = titleInput;
    if (this.title && data.session) this.title.value = data.session.title;
    var self = this;
    if (this.title) this.title.addEventListener("change", function () { if (self.lastState) self.save(self.lastState); });
  }
  Session.prototype.save = function (state) {
    var self = this;
    this.lastState = state;
    if (!this.canSave) return Promise.resolve(this.id);
    var title = (this.title && this.title.value.trim()) || "Untitled " + this.kind + " session";
    if (this.status) this.status.textContent = "Saving…";
    return postJSON("/playground/sessions/save/", {id: this.id, kind: this.kind, title: title, state: state})
      .then(function (answer) {
        if (answer.ok) {
          self.id = answer.data.id;
          if (self.status) self.status.textContent = "Saved";
          if (window.history && window.history.replaceState) {
            var url = new URL(window.location.href);
            url.searchParams.set("session", self.id);
            window.history.replaceState(null, "", url.toString());
          }
        } else if (self.status) {
          self.status.textContent = "Not saved: " + ((answer.data.error || {}).message || answer.status);
        }
        return self.id;
      });
  };
  Session.prototype.ensure = function (state) {
    return this.id || !this.canSave ? Promise.resolve(this.id) : this.save(state);
  };

  // The view-code dialog (as on the chat page): three tabs, filled from an endpoint answering {python, curl, javascript}.
  function viewCode(dialog, url, payload) {
    var body = dialog.querySelector("#code-body");
    var tabs = dialog.querySelectorAll("[data-lang]");
    body.textContent = "Loading…";
    if (!dialog.open) dialog.showModal();
    dialog.querySelector("#close-code").onclick = function () { dialog.close(); };
    var copy = dialog.querySelector("#copy-code");
    copy.onclick = function () {
      navigator.clipboard.writeText(body.textContent).then(function () {
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy"; }, 1500);
      }, function () {});
    };
    return postJSON(url, payload).then(function (answer) {
      if (!answer.ok) { body.textContent = (answer.data.error || {}).message || "No code for this request."; return; }
      function show(lang) {
        tabs.forEach(function (tab) { tab.setAttribute("aria-selected", String(tab.dataset.lang === lang)); });
        body.textContent = answer.data[lang];
      }
      tabs.forEach(function (tab) { tab.onclick = function () { show(tab.dataset.lang); }; });
      show("python");
    });
  }

  function download(blobOrUrl, filename) {
    var link = el("a", {href: typeof blobOrUrl === "string" ? blobOrUrl : URL.createObjectURL(blobOrUrl), download: filename});
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  window.Playground = {
    pageData: pageData, el: el, postJSON: postJSON, postForm: postForm, money: money, csrf: csrf,
    pickDeployments: pickDeployments, filterVerdict: filterVerdict, selected: selected, showError: showError, clearError: clearError,
    Session: Session, viewCode: viewCode, download: download
  };
})();
