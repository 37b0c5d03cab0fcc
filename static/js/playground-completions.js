// The completions playground: the prompt streams through /playground/stream/ (operation "completions"); the text
// arrives as it is generated, and when the stream ends the per-token logprobs view is asked for.
(function () {
  "use strict";
  var P = window.Playground;
  var data = P.pageData();
  var $ = function (id) { return document.getElementById(id); };
  var select = $("deployment");
  var session = new P.Session("completions", data, $("session-status"), $("session-title"));
  var state = (data.session && data.session.state) || {};
  var controller = null;
  var NUMBERS = ["max_tokens", "temperature", "top_p", "frequency_penalty", "presence_penalty", "logprobs", "n",
                 "best_of", "seed"];

  if (!data.deployments.length) {
    $("deployment-note").textContent = "No completions or chat deployment yet; an Admin adds them under Deployments.";
  }
  P.pickDeployments(select, data.deployments, data.preselect || state.deployment);
  ["temperature", "top_p"].forEach(function (id) {
    $(id).addEventListener("input", function () { $(id + "-out").textContent = $(id).value; });
  });

  function deployment() { return P.selected(select, data.deployments); }

  function describe() {
    var d = deployment();
    var note = $("deployment-note");
    note.textContent = "";
    $("suffix-field").hidden = !(d && d.suffix);
    if (!d) return;
    $("max_tokens").max = d.max_output;
    if (d.chat) {
      note.append(d.model + " is a chat model: Azure refuses the completions API for it. ");
      note.appendChild(P.el("a", {href: "/playground/chat/?deployment=" + d.id}, "Open it in the chat playground"));
    }
  }
  select.addEventListener("change", describe);

  function restore() {
    if (state.prompt) $("prompt").value = state.prompt;
    var params = state.parameters || {};
    NUMBERS.forEach(function (key) { if (params[key] !== undefined && params[key] !== null) $(key).value = params[key]; });
    if (params.stop) $("stop").value = params.stop.join("\n");
    $("echo").checked = !!params.echo;
    if (params.suffix) $("suffix").value = params.suffix;
    ["temperature", "top_p"].forEach(function (id) { $(id + "-out").textContent = $(id).value; });
    if (state.outputs) showOutputs(state.outputs);
    if (state.figures) showFigures(state.figures);
    if (state.logprobs && state.logprobs.length) showTokens(state.logprobs);
  }

  function body() {
    var b = {prompt: $("prompt").value};
    NUMBERS.forEach(function (key) {
      var raw = $(key).value;
      if (raw === "") return;
      b[key] = key === "temperature" || key === "top_p" || key.indexOf("penalty") > 0 ? parseFloat(raw) : parseInt(raw, 10);
    });
    if (b.logprobs === 0) delete b.logprobs;
    if (b.n === 1) delete b.n;
    var stops = $("stop").value.split("\n").map(function (s) { return s; }).filter(function (s) { return s.length; });
    if (stops.length) b.stop = stops;
    if ($("echo").checked) b.echo = true;
    var d = deployment();
    if (d && d.suffix && $("suffix").value) b.suffix = $("suffix").value;
    return b;
  }

  function showOutputs(outputs) {
    var box = $("outputs");
    box.textContent = "";
    outputs.forEach(function (text, index) {
      var pre = P.el("pre", {className: "completion-text", "data-choice": String(index)}, text);
      if (outputs.length > 1) box.appendChild(P.el("h3", {}, "Choice " + (index + 1)));
      box.appendChild(pre);
    });
  }

  function showFigures(f) {
    var box = $("figures");
    box.textContent = "";
    function stat(label, value) {
      var s = P.el("div", {className: "stat"});
      s.appendChild(P.el("div", {className: "stat-value"}, value));
      s.appendChild(P.el("div", {className: "stat-label"}, label));
      box.appendChild(s);
    }
    var usage = f.usage || {};
    stat("prompt tokens", usage.prompt_tokens !== undefined ? usage.prompt_tokens : "—");
    stat("completion tokens", usage.completion_tokens !== undefined ? usage.completion_tokens : "—");
    stat("cost", P.money(f.cost, f.currency));
    stat("latency", f.latency_ms !== null && f.latency_ms !== undefined ? f.latency_ms + " ms" : "—");
    stat("first token", f.first_token_ms !== null && f.first_token_ms !== undefined ? f.first_token_ms + " ms" : "—");
    stat("tokens / s", f.tokens_per_second || "—");
    stat("finish", (f.finish_reasons || []).join(", ") || "—");
    if ((f.finish_reasons || []).indexOf("content_filter") >= 0) {
      box.appendChild(P.el("p", {className: "notice warn"}, "The content filter stopped the completion: what arrived before it is kept above."));
    }
  }

  // The tokens view is server-rendered HTML (Django escapes every token): fetched as text, not JSON.
  function showTokens(logprobs) {
    return fetch("/playground/completions/tokens/", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": P.csrf},
      body: JSON.stringify({choices: logprobs})
    }).then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { $("tokens").innerHTML = html; });
  }

  function chatLink(d) {
    var wrap = P.el("p");
    wrap.append("The completions API serves gpt-35-turbo-instruct, babbage-002 and davinci-002. ");
    wrap.appendChild(P.el("a", {href: "/playground/chat/?deployment=" + d.id, className: "button"}, "Open " + d.name + " in the chat playground"));
    return wrap;
  }

  function finish(d, requestBody, outputs, ended, chosen) {
    $("send").disabled = !data.can_send;
    $("stop-button").hidden = true;
    if (ended) showFigures(ended);
    if (chosen.length) showTokens(chosen);
    session.save({deployment: d.id, prompt: requestBody.prompt, parameters: requestBody, outputs: outputs,
                  figures: ended, logprobs: chosen});
  }

  // best_of cannot stream, and logprobs are wanted for every token together: both go as one whole answer.
  function sendWhole(d, requestBody) {
    P.postJSON("/playground/completions/run/", {deployment: d.id, body: requestBody}).then(function (answer) {
      if (!answer.ok) {
        var error = answer.data.error || {};
        P.showError($("error"), answer.data, error.code === "OperationNotSupported" ? chatLink(d) : null);
        finish(d, requestBody, [], null, []);
        return;
      }
      var outputs = [], chosen = [];
      (answer.data.response.choices || []).forEach(function (choice) {
        outputs[choice.index || 0] = choice.text || "";
        if (choice.logprobs) chosen.push({index: choice.index || 0, logprobs: choice.logprobs});
      });
      showOutputs(outputs);
      finish(d, requestBody, outputs, answer.data, chosen);
    });
  }

  function send() {
    var d = deployment();
    if (!d) return;
    P.clearError($("error"));
    $("retry").hidden = true;
    $("tokens").textContent = "";
    $("figures").textContent = "";
    var outputs = [], logprobs = {};
    showOutputs([""]);
    var requestBody = body();
    $("send").disabled = true;
    if (requestBody.logprobs || requestBody.best_of) { sendWhole(d, requestBody); return; }
    controller = new AbortController();
    $("stop-button").hidden = false;
    var ended = null;
    fetch("/playground/stream/", {
      method: "POST", credentials: "same-origin", signal: controller.signal,
      headers: {"Content-Type": "application/json", "X-CSRFToken": P.csrf},
      body: JSON.stringify({deployment: d.id, operation: "completions", body: requestBody, session: session.id})
    }).then(function (response) {
      if (!response.ok || (response.headers.get("content-type") || "").indexOf("text/event-stream") < 0) {
        return response.json().then(function (answer) { P.showError($("error"), answer); },
          function () { P.showError($("error"), {message: "The request failed (HTTP " + response.status + ")."}); });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function handle(block) {
        var event = "message", payload = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) event = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) payload += line.slice(5).trim();
        });
        if (!payload || payload === "[DONE]") return;
        var message;
        try { message = JSON.parse(payload); } catch (e) { return; }
        if (event === "studio") {
          if (message.type === "retry") {
            $("retry").hidden = false;
            $("retry").textContent = "Rate limited: retrying in " + Math.ceil(message.after) + " s (attempt " + message.attempt + " of " + message.of + ").";
          } else if (message.type === "error") {
            P.showError($("error"), message, message.code === "OperationNotSupported" ? chatLink(d) : null);
          } else if (message.type === "end") {
            ended = message;
            $("retry").hidden = true;
            if (message.broke) P.showError($("error"), {message: "The stream broke: " + message.broke + " What arrived is kept."});
          }
          return;
        }
        (message.choices || []).forEach(function (choice) {
          var i = choice.index || 0;
          outputs[i] = (outputs[i] || "") + (choice.text || "");
          if (choice.logprobs) {
            var lp = logprobs[i] = logprobs[i] || {tokens: [], token_logprobs: [], top_logprobs: [], text_offset: []};
            ["tokens", "token_logprobs", "top_logprobs", "text_offset"].forEach(function (key) {
              (choice.logprobs[key] || []).forEach(function (value) { lp[key].push(value); });
            });
          }
        });
        showOutputs(outputs.map(function (t) { return t || ""; }));
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, {stream: true});
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).catch(function (error) {
      if (error && error.name === "AbortError") {
        P.showError($("error"), {message: "Stopped. What arrived is kept."});
      } else {
        P.showError($("error"), {message: "The stream was cut: " + (error && error.message) + ". What arrived is kept."});
      }
    }).then(function () {
      var chosen = Object.keys(logprobs).map(function (i) { return {index: parseInt(i, 10), logprobs: logprobs[i]}; });
      finish(d, requestBody, outputs, ended, chosen);
    });
  }

  $("send").disabled = !data.can_send;
  if (!data.can_send) $("send").title = data.read_only ? "A shared session is read only." : "Sending needs the Developer role.";
  $("send").addEventListener("click", send);
  $("stop-button").addEventListener("click", function () { if (controller) controller.abort(); });
  $("code-button").addEventListener("click", function () {
    var d = deployment();
    if (!d) return;
    var b = body();
    if (!b.logprobs && !b.best_of) b.stream = true;
    P.viewCode($("code-dialog"), "/playground/code/", {deployment: d.id, operation: "completions", body: b});
  });
  restore();
  describe();
})();
