// The embeddings playground: inputs one per line (typed or from a text file), one call, then the similarity
// heat map, the nearest-to ranking and each vector's summary with its tokens and cost.
(function () {
  "use strict";
  var P = window.Playground;
  var data = P.pageData();
  var $ = function (id) { return document.getElementById(id); };
  var select = $("deployment");
  var session = new P.Session("embeddings", data, $("session-status"), $("session-title"));
  var state = (data.session && data.session.state) || {};

  if (!data.deployments.length) $("deployment-note").textContent = "No embeddings deployment yet; an Admin adds them under Deployments.";
  P.pickDeployments(select, data.deployments, data.preselect || state.deployment);
  function deployment() { return P.selected(select, data.deployments); }

  function describe() {
    var d = deployment();
    if (!d) return;
    $("dimensions-field").hidden = !d.dimensions_settable;
    $("dimensions").max = d.dimensions || 3072;
    $("dimensions-note").textContent = d.dimensions_settable ?
      "1 to " + d.dimensions + " (shorter vectors cost the same and compare faster)" : "";
    $("deployment-note").textContent = d.dimensions ? d.model + " makes " + d.dimensions + "-value vectors." : "";
  }
  select.addEventListener("change", describe);

  function lines() { return $("inputs").value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean); }
  function count() {
    var n = lines().length;
    $("input-count").textContent = n + " input" + (n === 1 ? "" : "s") + (n > data.max_inputs ? " — at most " + data.max_inputs : "");
  }
  $("inputs").addEventListener("input", count);

  $("input-file").addEventListener("change", function () {
    var file = this.files[0];
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) {
      P.showError($("error"), {message: file.name + " is over 2 MB; paste the inputs you want to compare instead."});
      return;
    }
    file.text().then(function (text) { $("inputs").value = text; count(); });
  });

  // Similarity -> a colour from pale (unrelated) to deep blue (the same meaning).
  function shade(value) {
    var t = Math.max(0, Math.min(1, (value + 1) / 2));
    t = t * t;
    var light = Math.round(96 - 58 * t);
    return "hsl(215, 70%, " + light + "%)";
  }

  function render(result, inputs) {
    $("result").hidden = false;
    var figures = $("figures");
    figures.textContent = "";
    [["tokens", result.usage.prompt_tokens], ["cost", P.money(result.cost, result.currency)],
     ["latency", result.latency_ms + " ms"], ["dimensions", result.dimensions]].forEach(function (pair) {
      var s = P.el("div", {className: "stat"});
      s.appendChild(P.el("div", {className: "stat-value"}, pair[1]));
      s.appendChild(P.el("div", {className: "stat-label"}, pair[0]));
      figures.appendChild(s);
    });
    var table = $("heatmap");
    table.textContent = "";
    var head = P.el("tr");
    head.appendChild(P.el("th"));
    result.inputs.forEach(function (item, i) { head.appendChild(P.el("th", {scope: "col", title: item.text}, "#" + (i + 1))); });
    table.appendChild(P.el("thead")).appendChild(head);
    var bodyRows = table.appendChild(P.el("tbody"));
    result.matrix.forEach(function (row, i) {
      var tr = P.el("tr");
      tr.appendChild(P.el("th", {scope: "row", title: result.inputs[i].text}, "#" + (i + 1) + " " + result.inputs[i].text.slice(0, 40)));
      row.forEach(function (value, j) {
        var td = P.el("td", {className: "heat", "data-i": String(i), "data-j": String(j),
          title: "#" + (i + 1) + " vs #" + (j + 1) + ": " + value.toFixed(4)}, value.toFixed(3));
        td.style.background = shade(value);
        if (value > 0.75) td.style.color = "#fff";
        tr.appendChild(td);
      });
      bodyRows.appendChild(tr);
    });
    var nearest = $("nearest");
    nearest.textContent = "";
    $("nearest-box").hidden = !result.nearest.length;
    $("nearest-query").textContent = result.query || "";
    result.nearest.forEach(function (row) {
      var li = P.el("li");
      li.appendChild(P.el("span", {className: "bar"})).appendChild(P.el("span")).style.width = Math.max(0, row.similarity * 100) + "%";
      li.append(" " + row.similarity.toFixed(4) + " — #" + (row.index + 1) + " " + row.text);
      nearest.appendChild(li);
    });
    var tbody = $("vectors").querySelector("tbody");
    tbody.textContent = "";
    result.inputs.forEach(function (item, i) {
      var tr = P.el("tr");
      tr.appendChild(P.el("td", {}, i + 1));
      tr.appendChild(P.el("td", {}, item.text));
      tr.appendChild(P.el("td", {className: "num"}, item.tokens));
      tr.appendChild(P.el("td", {className: "num"}, P.money(item.cost, result.currency)));
      tr.appendChild(P.el("td", {className: "num"}, item.dimension));
      tr.appendChild(P.el("td", {className: "num"}, item.norm.toFixed(4)));
      tr.appendChild(P.el("td", {}, "[" + item.first.map(function (v) { return v.toFixed(4); }).join(", ") + ", …]"));
      tbody.appendChild(tr);
    });
  }

  function request() {
    var d = deployment();
    var body = {deployment: d && d.id, inputs: lines(), query: $("query").value};
    if (!$("dimensions-field").hidden && $("dimensions").value) body.dimensions = parseInt($("dimensions").value, 10);
    return body;
  }

  $("send").disabled = !data.can_send;
  $("send").addEventListener("click", function () {
    var body = request();
    if (!body.deployment) return;
    P.clearError($("error"));
    $("send").disabled = true;
    P.postJSON("/playground/embeddings/run/", body).then(function (answer) {
      $("send").disabled = false;
      if (!answer.ok) { P.showError($("error"), answer.data); return; }
      render(answer.data, body.inputs);
      session.save({deployment: body.deployment, inputs: $("inputs").value, query: body.query,
                    dimensions: body.dimensions || null, result: answer.data});
    });
  });
  $("code-button").addEventListener("click", function () {
    var body = request();
    if (!body.deployment) return;
    var code = {input: body.inputs.concat(body.query ? [body.query] : [])};
    if (body.dimensions) code.dimensions = body.dimensions;
    P.viewCode($("code-dialog"), "/playground/code/", {deployment: body.deployment, operation: "embeddings", body: code});
  });

  if (state.inputs) $("inputs").value = state.inputs;
  if (state.query) $("query").value = state.query;
  if (state.dimensions) $("dimensions").value = state.dimensions;
  describe();
  count();
  if (state.result) render(state.result);
})();
