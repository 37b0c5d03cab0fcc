// The chat playground: setup, parameters, streaming conversation(s), compare, vision, tools, sessions, view code.
// State lives here and is autosaved to the server after every turn; the server relays streams and keeps records.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("playground-data").textContent);
  var CSRF = document.querySelector("meta[name=csrf-token]").content;
  var MAX_REQUEST = parseInt(document.body.dataset.maxRequestBytes || "0", 10);
  var URLS = { stream: "/playground/stream/", save: "/playground/sessions/save/", code: "/playground/code/",
    imageCost: "/playground/image-cost/", presetSave: "/playground/presets/save/" };
  var TEMPLATES = [
    { name: "Default assistant", system_message: "You are an AI assistant that helps people find information." },
    { name: "Shakespeare writing assistant", system_message: "You are a Shakespearean writing assistant who speaks in a Shakespearean style. You help people come up with creative ideas and content like stories, poems, and songs that use William Shakespeare's style of writing." },
    { name: "JSON extractor", system_message: "Extract the people, places and dates the user mentions. Answer with a JSON object only." },
    { name: "Customer support agent", system_message: "You are a friendly support agent for a software company. Answer briefly, ask for details you need, and never invent product features." }
  ];
  var byId = function (id) { return document.getElementById(id); };
  var deployments = {};
  DATA.deployments.forEach(function (d) { deployments[d.id] = d; });

  // ---------------------------------------------------------------------------------------------- state
  function defaultParams(deployment) {
    var p = deployment ? deployment.parameters : null;
    return { temperature: p ? p.temperature : 0.7, top_p: p ? p.top_p : 0.95, max_tokens: p ? p.max_tokens : 800,
      reasoning_effort: "medium", stop: [], frequency_penalty: 0, presence_penalty: 0, seed: "", past_messages: 10,
      response_format: "text", json_schema: "" };
  }
  function newColumn(deploymentId) {
    var d = deployments[deploymentId] || DATA.deployments[0];
    return { deployment: d ? d.id : null, sync: true, params: null, messages: [], totals: emptyTotals() };
  }
  function emptyTotals() { return { prompt: 0, completion: 0, cost: 0, currency: "USD", turns: 0, priced: true }; }
  function freshState() {
    var first = deployments[DATA.preselect] ? parseInt(DATA.preselect, 10) : (DATA.deployments[0] || {}).id;
    return { version: 1, system: TEMPLATES[0].system_message, examples: [], tools: [],
      params: defaultParams(deployments[first]), columns: [newColumn(first)] };
  }
  var session = DATA.session;
  var state = session ? normalise(session.state) : freshState();
  var sessionId = session && !DATA.read_only ? session.id : null;
  var readOnly = !!DATA.read_only;
  var canSend = DATA.can_send && !readOnly;
  if (!session && DATA.compare.length) {
    state.columns = DATA.compare.filter(function (pk) { return deployments[pk]; }).map(newColumn);
    if (!state.columns.length) state.columns = [newColumn()];
  }

  function normalise(saved) {
    var base = freshState();
    if (!saved || typeof saved !== "object") return base;
    var s = Object.assign(base, saved);
    s.params = Object.assign(defaultParams(), saved.params || {});
    s.columns = (Array.isArray(saved.columns) && saved.columns.length ? saved.columns : base.columns).map(function (c) {
      return Object.assign({ sync: true, params: null, messages: [], totals: emptyTotals() }, c);
    });
    s.examples = Array.isArray(s.examples) ? s.examples : [];
    s.tools = Array.isArray(s.tools) ? s.tools : [];
    return s;
  }

  // ---------------------------------------------------------------------------------------------- helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else if (attrs[key] !== null && attrs[key] !== undefined && attrs[key] !== false) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); });
    return node;
  }
  function postJSON(url, body, signal) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify(body), signal: signal, credentials: "same-origin" });
  }
  function money(value, currency) {
    if (value === null || value === undefined || isNaN(value)) return "no price";
    var n = Number(value);
    var digits = n === 0 ? 2 : n < 0.01 ? 6 : 4;
    return (currency === "USD" || !currency ? "$" : currency + " ") + n.toFixed(digits);
  }
  function paramsFor(column) { return Object.assign({}, state.params, column.params || {}); }
  function deploymentOf(column) { return deployments[column.deployment]; }

  // ---------------------------------------------------------------------------------------------- setup panel
  function renderPresets() {
    var select = byId("preset");
    select.textContent = "";
    select.appendChild(el("option", { value: "", text: "Choose a preset or template…" }));
    var templates = el("optgroup", { label: "Templates" });
    TEMPLATES.forEach(function (t, i) { templates.appendChild(el("option", { value: "t" + i, text: t.name })); });
    select.appendChild(templates);
    if (DATA.presets.length) {
      var mine = el("optgroup", { label: "Presets" });
      DATA.presets.forEach(function (p) {
        mine.appendChild(el("option", { value: "p" + p.id, text: p.name + (p.shared ? " (team" + (p.mine ? "" : ", " + p.owner) + ")" : "") }));
      });
      select.appendChild(mine);
    }
  }
  function applyPreset(value) {
    byId("delete-preset").hidden = true;
    if (!value) return;
    if (value[0] === "t") {
      state.system = TEMPLATES[parseInt(value.slice(1), 10)].system_message;
    } else {
      var preset = DATA.presets.find(function (p) { return "p" + p.id === value; });
      if (!preset) return;
      state.system = preset.system_message;
      state.params = Object.assign(defaultParams(deploymentOf(state.columns[0])), preset.parameters || {});
      byId("delete-preset").hidden = !preset.mine;
    }
    byId("system-message").value = state.system;
    renderParams();
    changed();
  }
  function renderExamples() {
    var box = byId("examples");
    box.textContent = "";
    state.examples.forEach(function (example, i) {
      var user = el("textarea", { rows: 2, placeholder: "User says…", "aria-label": "Example " + (i + 1) + " user", disabled: readOnly });
      user.value = example.user || "";
      user.addEventListener("input", function () { example.user = user.value; changed(); });
      var assistant = el("textarea", { rows: 2, placeholder: "Assistant answers…", "aria-label": "Example " + (i + 1) + " assistant", disabled: readOnly });
      assistant.value = example.assistant || "";
      assistant.addEventListener("input", function () { example.assistant = assistant.value; changed(); });
      box.appendChild(el("div", { class: "example" }, [
        el("div", { class: "row" }, [el("strong", { text: "Example " + (i + 1) }), el("span", { class: "spacer" }),
          el("button", { type: "button", class: "link", text: "Remove", disabled: readOnly, onclick: function () { state.examples.splice(i, 1); renderExamples(); changed(); } })]),
        user, assistant]));
    });
  }
  function renderTools() {
    var box = byId("tools");
    box.textContent = "";
    state.tools.forEach(function (tool, i) {
      var name = el("input", { value: tool.name || "", placeholder: "get_weather", "aria-label": "Function " + (i + 1) + " name", disabled: readOnly });
      var description = el("input", { value: tool.description || "", placeholder: "What the function does", "aria-label": "Function " + (i + 1) + " description", disabled: readOnly });
      var schema = el("textarea", { rows: 5, class: "mono", "aria-label": "Function " + (i + 1) + " parameters (JSON schema)", disabled: readOnly });
      schema.value = tool.parameters || '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}';
      var problem = el("p", { class: "error small" });
      function check() {
        tool.name = name.value.trim(); tool.description = description.value; tool.parameters = schema.value;
        problem.textContent = toolProblem(tool) || "";
        changed();
      }
      [name, description, schema].forEach(function (f) { f.addEventListener("input", check); });
      box.appendChild(el("div", { class: "tool" }, [
        el("div", { class: "row" }, [el("strong", { text: "Function " + (i + 1) }), el("span", { class: "spacer" }),
          el("button", { type: "button", class: "link", text: "Remove", disabled: readOnly, onclick: function () { state.tools.splice(i, 1); renderTools(); changed(); } })]),
        name, description, schema, problem]));
      problem.textContent = toolProblem(tool) || "";
    });
  }
  function toolProblem(tool) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name || "")) return "The name must be 1-64 letters, digits, _ or -.";
    try {
      var parsed = JSON.parse(tool.parameters || "{}");
      if (typeof parsed !== "object" || Array.isArray(parsed) || parsed === null) return "Parameters must be a JSON schema object.";
      if (parsed.type && parsed.type !== "object") return "A function's parameters schema must have type \"object\".";
    } catch (e) { return "Parameters are not valid JSON: " + e.message; }
    return null;
  }

  // ---------------------------------------------------------------------------------------------- parameters
  function slider(label, key, min, max, step, params, target, hint) {
    var value = params[key];
    var input = el("input", { type: "range", min: min, max: max, step: step, value: value, id: "param-" + key, disabled: readOnly });
    var number = el("input", { type: "number", min: min, max: max, step: step, value: value, class: "num", id: "param-" + key + "-value", "aria-label": label, disabled: readOnly });
    function set(v) {
      var n = Number(v);
      if (isNaN(n)) return;
      n = Math.min(max, Math.max(min, n));
      target[key] = n; input.value = n; number.value = n; changed();
    }
    input.addEventListener("input", function () { set(input.value); });
    number.addEventListener("change", function () { set(number.value); });
    return el("div", { class: "param" }, [el("label", { for: "param-" + key, text: label }), el("div", { class: "row" }, [input, number]),
      hint ? el("p", { class: "small muted", text: hint }) : null]);
  }
  function renderParams() {
    var box = byId("params");
    box.textContent = "";
    var column = state.columns[0];
    var deployment = deploymentOf(column);
    var info = deployment ? deployment.parameters : { reasoning: false, max_output: 4096 };
    var p = state.params;
    if (info.reasoning) {
      box.appendChild(slider("Max completion tokens", "max_tokens", 1, info.max_output, 1, p, p, "Reasoning models count their thinking in this limit."));
      var effort = el("select", { id: "param-effort", disabled: readOnly }, info.efforts.map(function (e) { return el("option", { value: e, text: e, selected: p.reasoning_effort === e }); }));
      effort.addEventListener("change", function () { p.reasoning_effort = effort.value; changed(); });
      box.appendChild(el("div", { class: "param" }, [el("label", { for: "param-effort", text: "Reasoning effort" }), effort,
        el("p", { class: "small muted", text: deployment.model + " takes no temperature, top_p or penalties." })]));
    } else {
      box.appendChild(slider("Max response tokens", "max_tokens", 1, info.max_output, 1, p, p));
      box.appendChild(slider("Temperature", "temperature", 0, 2, 0.01, p, p, "Higher is more random; change this or top P, not both."));
      box.appendChild(slider("Top P", "top_p", 0, 1, 0.01, p, p));
      box.appendChild(slider("Frequency penalty", "frequency_penalty", -2, 2, 0.01, p, p));
      box.appendChild(slider("Presence penalty", "presence_penalty", -2, 2, 0.01, p, p));
    }
    box.appendChild(slider("Past messages included", "past_messages", 1, 100, 1, p, p, "How many earlier conversation messages each request carries."));
    var stop = el("input", { id: "param-stop", value: (p.stop || []).join(", "), placeholder: "e.g. END, ###", disabled: readOnly });
    var stopProblem = el("p", { class: "error small" });
    stop.addEventListener("input", function () {
      var stops = stop.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      stopProblem.textContent = stops.length > 4 ? "At most 4 stop sequences: only the first 4 are sent." : "";
      p.stop = stops.slice(0, 4); changed();
    });
    box.appendChild(el("div", { class: "param" }, [el("label", { for: "param-stop", text: "Stop sequences (up to 4, comma separated)" }), stop, stopProblem]));
    var seed = el("input", { id: "param-seed", type: "number", value: p.seed, placeholder: "none", disabled: readOnly });
    seed.addEventListener("input", function () { p.seed = seed.value; changed(); });
    box.appendChild(el("div", { class: "param" }, [el("label", { for: "param-seed", text: "Seed" }), seed]));
    var format = el("select", { id: "param-format", disabled: readOnly }, [["text", "Text"], ["json_object", "JSON object"], ["json_schema", "JSON schema"]].map(function (o) {
      return el("option", { value: o[0], text: o[1], selected: p.response_format === o[0] });
    }));
    var schema = el("textarea", { id: "param-schema", rows: 8, class: "mono", hidden: p.response_format !== "json_schema", disabled: readOnly,
      placeholder: '{\n  "name": "answer",\n  "strict": true,\n  "schema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": false}\n}' });
    schema.value = p.json_schema || "";
    var schemaProblem = el("p", { class: "small", id: "schema-status", "aria-live": "polite" });
    function checkSchema() {
      var problem = schemaProblemOf(p);
      schemaProblem.textContent = p.response_format !== "json_schema" ? "" : (problem || "The schema is valid.");
      schemaProblem.className = "small " + (problem ? "error" : "ok");
    }
    format.addEventListener("change", function () { p.response_format = format.value; schema.hidden = format.value !== "json_schema"; checkSchema(); changed(); });
    schema.addEventListener("input", function () { p.json_schema = schema.value; checkSchema(); changed(); });
    box.appendChild(el("div", { class: "param" }, [el("label", { for: "param-format", text: "Response format" }), format, schema, schemaProblem]));
    checkSchema();
  }
  function schemaProblemOf(p) {
    if (p.response_format !== "json_schema") return null;
    var parsed;
    try { parsed = JSON.parse(p.json_schema || ""); } catch (e) { return "The schema is not valid JSON: " + e.message; }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return "Give an object with name and schema.";
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(parsed.name || "")) return "The schema needs a name (letters, digits, _ or -).";
    var schema = parsed.schema;
    if (!schema || typeof schema !== "object" || schema.type !== "object") return "schema must be a JSON schema whose type is \"object\".";
    if (parsed.strict) {
      var props = Object.keys(schema.properties || {});
      var required = schema.required || [];
      if (schema.additionalProperties !== false) return "Strict schemas need \"additionalProperties\": false.";
      var missing = props.filter(function (k) { return required.indexOf(k) < 0; });
      if (missing.length) return "Strict schemas must list every property in required (missing: " + missing.join(", ") + ").";
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------- request
  function contentOf(message) {
    if (!message.images || !message.images.length) return message.content;
    var parts = [];
    if (message.content) parts.push({ type: "text", text: message.content });
    message.images.forEach(function (image) { parts.push({ type: "image_url", image_url: { url: image.url, detail: image.detail } }); });
    return parts;
  }
  function wireMessage(message) {
    var wire = { role: message.role, content: message.role === "assistant" && message.tool_calls && !message.content ? null : contentOf(message) };
    if (message.tool_calls) wire.tool_calls = message.tool_calls;
    if (message.tool_call_id) wire.tool_call_id = message.tool_call_id;
    return wire;
  }
  function buildBody(column, extra) {
    var p = paramsFor(column);
    var deployment = deploymentOf(column);
    var info = deployment ? deployment.parameters : {};
    var messages = [];
    if (state.system.trim()) messages.push({ role: "system", content: state.system });
    state.examples.forEach(function (ex) {
      if (ex.user && ex.user.trim()) messages.push({ role: "user", content: ex.user });
      if (ex.assistant && ex.assistant.trim()) messages.push({ role: "assistant", content: ex.assistant });
    });
    var history = column.messages.filter(function (m) { return !m.failed && (m.role !== "assistant" || m.content || m.tool_calls); });
    if (extra) history = history.concat([extra]);
    var past = Math.max(1, parseInt(p.past_messages, 10) || 10);
    var window_ = history.slice(-past);
    // A tool answer must follow the assistant message that asked for it: keep the pair together.
    while (window_.length && window_[0].role === "tool") window_ = history.slice(-(window_.length + 1));
    messages = messages.concat(window_.map(wireMessage));
    var body = { messages: messages };
    if (info.reasoning) {
      body.max_completion_tokens = p.max_tokens;
      body.reasoning_effort = p.reasoning_effort;
    } else {
      body.max_tokens = p.max_tokens; body.temperature = p.temperature; body.top_p = p.top_p;
      if (p.frequency_penalty) body.frequency_penalty = p.frequency_penalty;
      if (p.presence_penalty) body.presence_penalty = p.presence_penalty;
    }
    if (p.stop && p.stop.length) body.stop = p.stop.slice(0, 4);
    if (p.seed !== "" && p.seed !== null && p.seed !== undefined && !isNaN(parseInt(p.seed, 10))) body.seed = parseInt(p.seed, 10);
    if (p.response_format === "json_object") body.response_format = { type: "json_object" };
    if (p.response_format === "json_schema") body.response_format = { type: "json_schema", json_schema: JSON.parse(p.json_schema) };
    var tools = state.tools.filter(function (t) { return !toolProblem(t); });
    if (tools.length) body.tools = tools.map(function (t) {
      return { type: "function", function: { name: t.name, description: t.description || "", parameters: JSON.parse(t.parameters || "{}") } };
    });
    return body;
  }

  // ---------------------------------------------------------------------------------------------- columns
  var running = [];  // AbortControllers of streams in flight
  function renderColumns() {
    var box = byId("columns");
    box.textContent = "";
    box.className = "columns n" + state.columns.length;
    state.columns.forEach(function (column, index) { box.appendChild(renderColumn(column, index)); });
    byId("toggle-compare").setAttribute("aria-pressed", state.columns.length > 1 ? "true" : "false");
    byId("toggle-compare").textContent = state.columns.length > 1 ? (state.columns.length < 3 ? "Add a column" : "Compare (3 columns)") : "Compare";
    renderCompareTable();
    renderTotals();
  }
  function deploymentSelect(column, index) {
    var select = el("select", { "aria-label": "Deployment" + (state.columns.length > 1 ? " for column " + (index + 1) : ""), class: "deployment-select", disabled: readOnly });
    if (!DATA.deployments.length) select.appendChild(el("option", { value: "", text: "No chat deployment yet" }));
    var groups = {};
    DATA.deployments.forEach(function (d) {
      if (!groups[d.resource]) { groups[d.resource] = el("optgroup", { label: d.resource }); select.appendChild(groups[d.resource]); }
      groups[d.resource].appendChild(el("option", { value: d.id, text: d.name + " · " + d.model + (d.version ? " (" + d.version + ")" : ""), selected: d.id === column.deployment }));
    });
    select.addEventListener("change", function () {
      column.deployment = parseInt(select.value, 10);
      if (index === 0) renderParams();
      renderColumns(); changed();
    });
    return select;
  }
  // A column's own parameter set in compare mode: each value left empty follows the parameters panel.
  var COLUMN_PARAMS = [
    { key: "temperature", label: "Temperature", min: 0, max: 2, step: 0.1, plain: true },
    { key: "top_p", label: "Top P", min: 0, max: 1, step: 0.05, plain: true },
    { key: "max_tokens", label: "Max tokens", min: 1, step: 1, whole: true },
    { key: "frequency_penalty", label: "Frequency penalty", min: -2, max: 2, step: 0.1, plain: true },
    { key: "presence_penalty", label: "Presence penalty", min: -2, max: 2, step: 0.1, plain: true },
    { key: "seed", label: "Seed", min: 0, step: 1, whole: true }
  ];
  function columnParameters(column, index) {
    var info = (deploymentOf(column) || {}).parameters || {};
    var own = column.params || {};
    var set = Object.keys(own).length;
    var fields = COLUMN_PARAMS.filter(function (spec) { return !(info.reasoning && spec.plain); }).map(function (spec) {
      var max = spec.key === "max_tokens" ? info.max_output || spec.max : spec.max;
      var input = el("input", { type: "number", min: spec.min, max: max, step: spec.step, class: "num",
        value: own[spec.key] !== undefined ? own[spec.key] : "", placeholder: String(state.params[spec.key] === "" ? "none" : state.params[spec.key]),
        "aria-label": spec.label + " for column " + (index + 1), disabled: readOnly });
      input.addEventListener("change", function () {
        column.params = column.params || {};
        var value = Number(input.value);
        if (input.value === "" || isNaN(value)) delete column.params[spec.key];
        else {
          if (spec.whole) value = Math.round(value);
          if (spec.min !== undefined) value = Math.max(spec.min, value);
          if (max !== undefined) value = Math.min(max, value);
          column.params[spec.key] = value;
          input.value = value;
        }
        if (!Object.keys(column.params).length) column.params = null;
        summary.textContent = parametersSummary(column);
        changed();
      });
      return el("label", { class: "small" }, [spec.label + " ", input]);
    });
    if (info.reasoning) {
      var effort = el("select", { "aria-label": "Reasoning effort for column " + (index + 1), disabled: readOnly }, [
        el("option", { value: "", text: "as the panel (" + state.params.reasoning_effort + ")" })].concat(
        ["minimal", "low", "medium", "high"].map(function (v) { return el("option", { value: v, text: v, selected: own.reasoning_effort === v }); })));
      effort.addEventListener("change", function () {
        column.params = column.params || {};
        if (effort.value) column.params.reasoning_effort = effort.value; else delete column.params.reasoning_effort;
        if (!Object.keys(column.params).length) column.params = null;
        summary.textContent = parametersSummary(column);
        changed();
      });
      fields.push(el("label", { class: "small" }, ["Reasoning effort ", effort]));
    }
    var summary = el("summary", { class: "small", text: parametersSummary(column) });
    return el("details", { class: "column-params", open: set ? "" : null }, [summary, el("div", { class: "column-params-fields" }, fields)]);
  }
  function parametersSummary(column) {
    var own = column.params || {};
    var names = Object.keys(own).map(function (key) {
      var spec = COLUMN_PARAMS.filter(function (s) { return s.key === key; })[0];
      return (spec ? spec.label : key.replace("_", " ")) + " " + own[key];
    });
    return names.length ? "Own parameters: " + names.join(", ") : "Parameters as the panel";
  }

  function renderColumn(column, index) {
    var head = el("div", { class: "column-head" }, [deploymentSelect(column, index)]);
    if (state.columns.length > 1) {
      var sync = el("input", { type: "checkbox", checked: column.sync, disabled: readOnly });
      sync.addEventListener("change", function () { column.sync = sync.checked; renderColumns(); changed(); });
      head.appendChild(el("label", { class: "check small" }, [sync, " Synced input"]));
      head.appendChild(columnParameters(column, index));
      if (index > 0) head.appendChild(el("button", { type: "button", class: "link small", text: "Remove", disabled: readOnly, onclick: function () { state.columns.splice(index, 1); renderColumns(); changed(); } }));
    }
    var list = el("div", { class: "messages-list", "aria-live": "polite" });
    column._list = list;
    if (!column.messages.length) list.appendChild(el("p", { class: "muted empty", text: canSend ? "Start with a message below." : "No messages." }));
    column.messages.forEach(function (message, i) { list.appendChild(renderMessage(column, message, i)); });
    var parts = [head, list];
    if (state.columns.length > 1 && !column.sync && canSend) {
      var own = el("textarea", { rows: 2, placeholder: "Message for this column only", "aria-label": "Message for column " + (index + 1) });
      var send = el("button", { type: "button", class: "button small primary", text: "Send here", onclick: function () {
        if (own.value.trim()) { sendTo([column], { role: "user", content: own.value }); own.value = ""; }
      } });
      parts.push(el("div", { class: "column-composer" }, [own, send]));
    }
    return el("div", { class: "column card" }, parts);
  }
  function filterLines(results) {
    if (!results) return [];
    var lines = [];
    Object.keys(results).forEach(function (category) {
      var r = results[category];
      if (!r || typeof r !== "object") return;
      if (r.filtered || (r.severity && r.severity !== "safe") || r.detected) {
        lines.push(category.replace(/_/g, " ") + (r.severity ? ": " + r.severity : r.detected ? ": detected" : "") + (r.filtered ? " (filtered)" : ""));
      }
    });
    return lines;
  }
  function renderMessage(column, message, index) {
    var role = message.role;
    var body = el("div", { class: "message-body" });
    if (role === "assistant") {
      if (message.choices && message.choices.length > 1) {
        message.choices.forEach(function (choice, i) {
          var part = el("div", { class: "choice" }, [el("div", { class: "small muted", text: "Choice " + (i + 1) })]);
          var content = el("div", { class: "markdown" });
          StudioMarkdown.render(content, choice.content || "");
          part.appendChild(content); body.appendChild(part);
        });
      } else {
        var content = el("div", { class: "markdown" });
        StudioMarkdown.render(content, message.content || "");
        body.appendChild(content);
        message._content = content;
      }
      if (message.tool_calls && message.tool_calls.length) body.appendChild(renderToolCalls(column, message, index));
    } else if (role === "tool") {
      body.appendChild(el("div", { class: "small muted", text: "Result of " + (message.name || "the tool") + " (" + message.tool_call_id + ")" }));
      body.appendChild(el("pre", { class: "plain" }, [el("code", { text: message.content || "" })]));
    } else {
      body.appendChild(el("div", { class: "plain-text", text: message.content || "" }));
      (message.images || []).forEach(function (image) {
        body.appendChild(el("figure", { class: "attached" }, [el("img", { src: image.url, alt: "attached image", loading: "lazy" }),
          el("figcaption", { class: "small muted", text: image.detail + " detail" + (image.tokens ? " · " + image.tokens + " tokens" : "") })]));
      });
    }
    var node = el("div", { class: "message " + role + (message.failed ? " failed" : "") }, [
      el("div", { class: "message-role", text: role === "assistant" ? (deploymentOf(column) || {}).name || "assistant" : role }), body]);
    var lines = filterLines(message.filter);
    if (lines.length) node.appendChild(el("p", { class: "filter-results small", text: "Content filter: " + lines.join(" · ") }));
    if (message.failed && role === "user") node.appendChild(el("p", { class: "small muted", text: "Not part of the conversation: it was refused, so later turns leave it out." }));
    if (message.notice) node.appendChild(el("p", { class: "notice " + (message.notice.kind || "info"), role: message.notice.kind === "error" ? "alert" : null, text: message.notice.text }));
    if (message.stats) node.appendChild(el("p", { class: "stats small muted", text: statsLine(message.stats) }));
    message._node = node;
    return node;
  }
  function statsLine(s) {
    var bits = [];
    if (s.prompt_tokens !== undefined && s.prompt_tokens !== null) bits.push(s.prompt_tokens + " prompt + " + (s.completion_tokens || 0) + " completion tokens");
    bits.push(money(s.cost, s.currency));
    if (s.latency_ms !== undefined && s.latency_ms !== null) bits.push((s.latency_ms / 1000).toFixed(2) + " s");
    if (s.first_token_ms !== undefined && s.first_token_ms !== null) bits.push("first token " + s.first_token_ms + " ms");
    if (s.tokens_per_second) bits.push(s.tokens_per_second + " tokens/s");
    if (s.finish_reasons && s.finish_reasons.length) bits.push("finish: " + s.finish_reasons.join(", "));
    return bits.join(" · ");
  }
  function renderToolCalls(column, message, index) {
    var box = el("div", { class: "tool-calls" });
    var calls = message.tool_calls;
    box.appendChild(el("p", { class: "small", text: calls.length > 1 ? calls.length + " parallel tool calls" : "Tool call" }));
    var answered = column.messages.slice(index + 1).filter(function (m) { return m.role === "tool"; }).map(function (m) { return m.tool_call_id; });
    var inputs = [];
    calls.forEach(function (call) {
      var args = call.function.arguments || "";
      try { args = JSON.stringify(JSON.parse(args), null, 2); } catch (e) { /* shown as sent */ }
      var result = el("textarea", { rows: 2, placeholder: "Type what " + call.function.name + " returned", "aria-label": "Result of " + call.function.name, disabled: !canSend || answered.indexOf(call.id) >= 0 });
      inputs.push([call, result]);
      box.appendChild(el("div", { class: "tool-call" }, [el("strong", { text: call.function.name }), el("span", { class: "small muted", text: " " + call.id }),
        el("pre", { class: "plain" }, [el("code", { text: args })]), answered.indexOf(call.id) < 0 ? result : null]));
    });
    if (canSend && answered.length < calls.length) {
      box.appendChild(el("button", { type: "button", class: "button small primary", text: "Send tool result" + (calls.length > 1 ? "s" : ""), onclick: function () {
        var replies = inputs.filter(function (pair) { return answered.indexOf(pair[0].id) < 0; }).map(function (pair) {
          return { role: "tool", tool_call_id: pair[0].id, name: pair[0].function.name, content: pair[1].value };
        });
        replies.forEach(function (reply) { column.messages.push(reply); });
        sendTo([column], null);
      } }));
    }
    return box;
  }

  // ---------------------------------------------------------------------------------------------- streaming
  function parseEvents(buffer, onEvent) {
    var parts = buffer.split(/\r?\n\r?\n/);
    var rest = parts.pop();
    parts.forEach(function (block) {
      var type = "message", data = [];
      block.split(/\r?\n/).forEach(function (line) {
        if (line.indexOf("event:") === 0) type = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(type, data.join("\n"));
    });
    return rest;
  }
  function scheduleRender(message) {
    if (message._pending) return;
    message._pending = true;
    requestAnimationFrame(function () {
      message._pending = false;
      if (message._content && (!message.choices || message.choices.length < 2)) StudioMarkdown.render(message._content, message.content);
      else if (message._node) message._node.replaceWith(renderMessage(message._column, message, message._column.messages.indexOf(message)));
    });
  }
  function applyChunk(message, chunk) {
    if (chunk.error) { message.notice = { kind: "error", text: "The upstream sent an error mid-stream: " + (chunk.error.message || JSON.stringify(chunk.error)) }; return true; }
    (chunk.prompt_filter_results || []).forEach(function (r) {
      // The prompt's verdict belongs to the message that was sent: show it there.
      var column = message._column;
      var asked = column ? column.messages[column.messages.indexOf(message) - 1] : null;
      if (asked && asked.role !== "assistant" && filterLines(r.content_filter_results).length) {
        asked.filter = r.content_filter_results;
        if (asked._node) asked._node.replaceWith(renderMessage(column, asked, column.messages.indexOf(asked)));
      }
    });
    var redraw = false;
    (chunk.choices || []).forEach(function (choice) {
      var i = choice.index || 0;
      message.choices = message.choices || [];
      var target = message.choices[i] = message.choices[i] || { content: "" };
      var delta = choice.delta || {};
      if (typeof delta.content === "string" && delta.content) { target.content += delta.content; redraw = true; }
      if (typeof delta.refusal === "string" && delta.refusal) { target.content += delta.refusal; redraw = true; }
      (delta.tool_calls || []).forEach(function (call) {
        target.tool_calls = target.tool_calls || [];
        var slot = target.tool_calls[call.index || 0] = target.tool_calls[call.index || 0] || { id: "", type: "function", function: { name: "", arguments: "" } };
        if (call.id) slot.id = call.id;
        if (call.function && call.function.name) slot.function.name += call.function.name;
        if (call.function && call.function.arguments) slot.function.arguments += call.function.arguments;
        redraw = true;
      });
      if (choice.content_filter_results && Object.keys(choice.content_filter_results).length) target.filter = choice.content_filter_results;
      if (choice.finish_reason) target.finish_reason = choice.finish_reason;
    });
    var first = (message.choices || [])[0] || {};
    message.content = first.content || "";
    if (first.tool_calls) message.tool_calls = first.tool_calls;
    message.filter = first.filter;
    return redraw;
  }
  function onStudioEvent(message, data, column) {
    if (data.type === "retry") {
      var until = Date.now() + data.after * 1000;
      message.notice = { kind: "info", text: "" };
      var tick = function () {
        var left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        message.notice.text = "Rate limited by the deployment: retrying in " + left + " s (attempt " + data.attempt + " of " + data.of + ").";
        redraw(column, message);
        if (left > 0 && message._retrying) setTimeout(tick, 500);
      };
      message._retrying = true; tick();
    } else if (data.type === "error") {
      message._retrying = false;
      message.failed = true;
      // Nothing was generated: the message that was sent stays visible but is not sent again with the next turn.
      var sent = column.messages[column.messages.indexOf(message) - 1];
      if (sent && sent.role === "user") { sent.failed = true; redraw(column, sent); }
      if (data.code === "content_filter" || data.code === "content_policy_violation") {
        var lines = filterLines(data.content_filter_results);
        message.notice = { kind: "error", text: "Your prompt was blocked by the content filter" + (lines.length ? " (" + lines.join(", ") + ")" : "") + ". Rephrase it and send again; nothing was generated." };
        if (sent && sent.role === "user") { sent.filter = data.content_filter_results; redraw(column, sent); }
      } else if (data.status === 429) {
        message.notice = { kind: "error", text: "Still rate limited after retrying" + (data.retry_after ? ": the deployment asks to wait " + Math.ceil(data.retry_after) + " s" : "") + ". " + data.message };
      } else {
        message.notice = { kind: "error", text: data.message + (data.request_id ? " (request " + data.request_id + ")" : "") };
      }
    } else if (data.type === "end") {
      message._retrying = false;
      message.stats = { prompt_tokens: data.usage ? data.usage.prompt_tokens : null, completion_tokens: data.usage ? data.usage.completion_tokens : null,
        cost: data.cost === null ? null : Number(data.cost), currency: data.currency, latency_ms: data.latency_ms, first_token_ms: data.first_token_ms,
        tokens_per_second: data.tokens_per_second, finish_reasons: data.finish_reasons, request_id: data.request_id };
      if (data.broke) message.notice = { kind: "warn", text: "The stream broke: " + data.broke + " What arrived is kept." };
      else if (data.finish_reasons && data.finish_reasons.indexOf("content_filter") >= 0) {
        var filtered = filterLines(message.filter);
        message.notice = { kind: "warn", text: "The answer was cut by the content filter" + (filtered.length ? " (" + filtered.join(", ") + ")" : "") + "; the text before the cut is shown." };
      } else if (data.finish_reasons && data.finish_reasons.indexOf("length") >= 0) {
        message.notice = { kind: "info", text: "The answer reached the max tokens limit." };
      }
      var totals = column.totals;
      totals.turns += 1;
      if (data.usage) { totals.prompt += data.usage.prompt_tokens || 0; totals.completion += data.usage.completion_tokens || 0; }
      if (data.cost === null) totals.priced = false; else totals.cost += Number(data.cost);
      totals.currency = data.currency || totals.currency;
    }
  }
  function redraw(column, message) {
    var node = message._node;
    var fresh = renderMessage(column, message, column.messages.indexOf(message));
    if (node && node.parentNode) node.replaceWith(fresh); else column._list.appendChild(fresh);
  }
  function streamInto(column, message, body) {
    var controller = new AbortController();
    running.push(controller);
    var payload = { deployment: column.deployment, operation: "chat/completions", body: body, session: sessionId };
    var started = performance.now();
    return postJSON(URLS.stream, payload, controller.signal).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          message.failed = true;
          var error = answer.error || {};
          message.notice = { kind: "error", text: error.message || (response.status === 403 ? "Sending needs the Developer role (or your session ended: sign in again)." : "Studio answered HTTP " + response.status + ".") };
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) return;
          buffer += decoder.decode(step.value, { stream: true });
          buffer = parseEvents(buffer, function (type, data) {
            if (type === "studio") { onStudioEvent(message, JSON.parse(data), column); return; }
            if (data === "[DONE]") return;
            var chunk;
            try { chunk = JSON.parse(data); } catch (e) { message.malformed = (message.malformed || 0) + 1; return; }
            if (!message.firstAt && chunk.choices && chunk.choices.some(function (c) { return c.delta && (c.delta.content || c.delta.tool_calls); })) message.firstAt = performance.now() - started;
            if (applyChunk(message, chunk)) scheduleRender(message);
          });
          return pump();
        });
      }
      return pump();
    }).catch(function (error) {
      if (error.name === "AbortError") {
        message.notice = { kind: "info", text: "Stopped. What arrived is kept." };
      } else {
        message.notice = { kind: "error", text: "The connection to Studio broke (" + error.message + "). What arrived is kept." };
      }
    }).then(function () {
      running.splice(running.indexOf(controller), 1);
      if (message.malformed) message.notice = message.notice || { kind: "warn", text: message.malformed + " malformed event(s) from the upstream were skipped." };
      redraw(column, message);
      renderCompareTable(); renderTotals();
    });
  }
  function sendTo(columns, userMessage) {
    if (!canSend) return;
    var problem = schemaProblemOf(state.params);
    if (problem) { byId("composer-note").textContent = "Fix the JSON schema first: " + problem; return; }
    var bodies = [];
    for (var i = 0; i < columns.length; i++) {
      var column = columns[i];
      if (!deploymentOf(column)) { byId("composer-note").textContent = "Choose a deployment first."; return; }
      var body = buildBody(column, userMessage);
      var size = new Blob([JSON.stringify(body)]).size;
      if (MAX_REQUEST && size > MAX_REQUEST) {
        byId("composer-note").textContent = "This request is " + (size / 1048576).toFixed(1) + " MB; Studio sends at most " + (MAX_REQUEST / 1048576).toFixed(1) + " MB. Remove an image or shorten the conversation (fewer past messages).";
        return;
      }
      bodies.push(body);
    }
    byId("composer-note").textContent = "";
    setBusy(true);
    var work = columns.map(function (column, i) {
      if (userMessage) column.messages.push(JSON.parse(JSON.stringify(userMessage)));
      var message = { role: "assistant", content: "" };
      message._column = column;
      column.messages.push(message);
      renderColumns();
      return streamInto(column, message, bodies[i]);
    });
    return Promise.all(work).then(function () { setBusy(false); save(); });
  }
  function setBusy(busy) {
    byId("send").disabled = busy || !canSend;
    byId("stop").hidden = !busy;
  }

  // ---------------------------------------------------------------------------------------------- compare and totals
  function renderCompareTable() {
    var box = byId("compare-table");
    if (state.columns.length < 2) { box.hidden = true; return; }
    box.hidden = false;
    box.textContent = "";
    var head = el("tr", {}, [el("th", { text: "Last turn" })]);
    var rows = { tokens: el("tr", {}, [el("th", { text: "Tokens (prompt + completion)" })]), cost: el("tr", {}, [el("th", { text: "Cost" })]),
      latency: el("tr", {}, [el("th", { text: "Latency" })]), ttft: el("tr", {}, [el("th", { text: "First token" })]), tps: el("tr", {}, [el("th", { text: "Tokens/s" })]) };
    state.columns.forEach(function (column, i) {
      var d = deploymentOf(column);
      head.appendChild(el("th", { text: (i + 1) + ". " + (d ? d.name : "?") }));
      var last = column.messages.slice().reverse().find(function (m) { return m.role === "assistant" && m.stats; });
      var s = last ? last.stats : {};
      rows.tokens.appendChild(el("td", { text: s.prompt_tokens !== undefined && s.prompt_tokens !== null ? s.prompt_tokens + " + " + (s.completion_tokens || 0) : "—" }));
      rows.cost.appendChild(el("td", { text: last ? money(s.cost, s.currency) : "—" }));
      rows.latency.appendChild(el("td", { text: s.latency_ms !== undefined && s.latency_ms !== null ? (s.latency_ms / 1000).toFixed(2) + " s" : "—" }));
      rows.ttft.appendChild(el("td", { text: s.first_token_ms !== undefined && s.first_token_ms !== null ? s.first_token_ms + " ms" : "—" }));
      rows.tps.appendChild(el("td", { text: s.tokens_per_second ? String(s.tokens_per_second) : "—" }));
    });
    box.appendChild(el("table", { class: "table compact" }, [el("thead", {}, [head]), el("tbody", {}, [rows.tokens, rows.cost, rows.latency, rows.ttft, rows.tps])]));
  }
  function renderTotals() {
    var text = state.columns.map(function (column, i) {
      var t = column.totals;
      if (!t.turns) return "";
      return (state.columns.length > 1 ? (i + 1) + ": " : "Session: ") + t.turns + " turn" + (t.turns > 1 ? "s" : "") + ", " + (t.prompt + t.completion) + " tokens, " + (t.priced ? money(t.cost, t.currency) : t.cost ? money(t.cost, t.currency) + " + unpriced turns" : "no price for this model");
    }).filter(Boolean).join(" · ");
    byId("session-totals").textContent = text;
  }

  // ---------------------------------------------------------------------------------------------- vision
  var attachments = [];
  function renderAttachments() {
    var box = byId("attachments");
    box.textContent = "";
    attachments.forEach(function (image, i) {
      box.appendChild(el("div", { class: "chip" }, [el("img", { src: image.url, alt: "" }),
        el("span", { class: "small", text: image.width + "×" + image.height + " · " + (image.tokens === undefined ? "counting…" : image.error ? image.error : image.tokens + " tokens" + (image.cost ? " · " + money(Number(image.cost), image.currency) : "")) }),
        el("button", { type: "button", class: "link small", text: "Remove", "aria-label": "Remove image " + (i + 1), onclick: function () { attachments.splice(i, 1); renderAttachments(); } })]));
    });
  }
  function costImage(image) {
    var column = state.columns[0];
    image.detail = byId("image-detail").value;
    postJSON(URLS.imageCost, { deployment: column.deployment, width: image.width, height: image.height, detail: image.detail }).then(function (r) { return r.json(); }).then(function (answer) {
      if (answer.error) { image.error = answer.error.message; image.tokens = null; } else { image.tokens = answer.tokens; image.cost = answer.cost; image.currency = answer.currency; }
      renderAttachments();
    });
  }
  function addImageFile(file) {
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) { byId("composer-note").textContent = file.name + " is not a PNG, JPEG, GIF or WebP image."; return; }
    if (file.size > 20 * 1048576) { byId("composer-note").textContent = file.name + " is over Azure's 20 MB image limit."; return; }
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var image = { url: reader.result, width: img.naturalWidth, height: img.naturalHeight, name: file.name };
        attachments.push(image); renderAttachments(); costImage(image);
      };
      img.onerror = function () { byId("composer-note").textContent = file.name + " could not be read as an image."; };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  }

  // ---------------------------------------------------------------------------------------------- sessions
  var saveTimer = null;
  function changed() {
    if (readOnly || !DATA.can_send) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 1500);
  }
  function plainState() {
    return JSON.parse(JSON.stringify(state, function (key, value) { return key.charAt(0) === "_" ? undefined : value; }));
  }
  function autoTitle() {
    var input = byId("session-title");
    if (input.dataset.edited) return input.value;
    var first = state.columns[0].messages.find(function (m) { return m.role === "user" && m.content; });
    if (first) input.value = first.content.slice(0, 60);
    return input.value;
  }
  function save() {
    if (readOnly || !DATA.can_send) return Promise.resolve();
    var hasContent = state.columns.some(function (c) { return c.messages.length; });
    if (!sessionId && !hasContent) return Promise.resolve();
    clearTimeout(saveTimer);
    var status = byId("save-status");
    status.textContent = "Saving…";
    return postJSON(URLS.save, { id: sessionId, kind: "chat", title: autoTitle(), state: plainState() }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) { status.textContent = "Not saved: " + ((answer.error || {}).message || r.status); return; }
        sessionId = answer.id;
        status.textContent = "Saved";
        var exportLink = byId("export-session");
        exportLink.hidden = false; exportLink.href = "/playground/sessions/" + sessionId + "/export/";
        var url = new URL(window.location.href);
        if (url.searchParams.get("session") !== String(sessionId)) {
          url.searchParams.set("session", sessionId); url.searchParams.delete("compare"); url.searchParams.delete("deployment");
          history.replaceState(null, "", url.toString());
        }
      });
    }).catch(function () { status.textContent = "Not saved (Studio unreachable); it will retry on the next change."; });
  }

  // ---------------------------------------------------------------------------------------------- view code
  var code = null;
  function showCode(lang) {
    byId("code-body").textContent = code ? code[lang] : "";
    document.querySelectorAll("#code-tabs [role=tab]").forEach(function (tab) { tab.setAttribute("aria-selected", tab.dataset.lang === lang ? "true" : "false"); });
  }
  function viewCode() {
    var column = state.columns[0];
    if (!deploymentOf(column)) return;
    var text = byId("prompt").value.trim();
    var pending = text || attachments.length ? { role: "user", content: text, images: attachments.slice() } : null;
    var body = buildBody(column, pending);
    body.stream = true;
    postJSON(URLS.code, { deployment: column.deployment, operation: "chat/completions", body: body }).then(function (r) { return r.json(); }).then(function (answer) {
      if (answer.error) { byId("composer-note").textContent = answer.error.message; return; }
      code = answer;
      showCode("python");
      byId("code-dialog").showModal();
    });
  }

  // ---------------------------------------------------------------------------------------------- wiring
  function init() {
    renderPresets();
    byId("system-message").value = state.system;
    byId("system-message").readOnly = readOnly;
    byId("system-message").addEventListener("input", function (e) { state.system = e.target.value; changed(); });
    byId("preset").addEventListener("change", function (e) { applyPreset(e.target.value); });
    byId("add-example").addEventListener("click", function () { state.examples.push({ user: "", assistant: "" }); renderExamples(); changed(); });
    byId("add-tool").addEventListener("click", function () { state.tools.push({ name: "", description: "", parameters: "" }); renderTools(); changed(); });
    ["add-example", "add-tool"].forEach(function (id) { byId(id).disabled = readOnly; });
    byId("save-preset").addEventListener("click", function () {
      var name = byId("preset-name").value.trim();
      if (!name) { byId("preset-status").textContent = "Give the preset a name."; return; }
      postJSON(URLS.presetSave, { name: name, system_message: state.system, parameters: state.params, shared: byId("preset-shared").checked, kind: "chat" })
        .then(function (r) { return r.json(); }).then(function (answer) {
          if (answer.error) { byId("preset-status").textContent = answer.error.message; return; }
          DATA.presets = DATA.presets.filter(function (p) { return p.id !== answer.id; }).concat([answer]);
          renderPresets(); byId("preset").value = "p" + answer.id;
          byId("preset-status").textContent = "Saved “" + answer.name + "”.";
        });
    });
    byId("delete-preset").addEventListener("click", function () {
      var value = byId("preset").value;
      if (value[0] !== "p") return;
      var id = parseInt(value.slice(1), 10);
      postJSON("/playground/presets/" + id + "/delete/", {}).then(function (r) {
        if (r.ok) { DATA.presets = DATA.presets.filter(function (p) { return p.id !== id; }); renderPresets(); byId("delete-preset").hidden = true; }
      });
    });
    byId("session-title").addEventListener("input", function (e) { e.target.dataset.edited = "1"; changed(); });
    byId("new-session").addEventListener("click", function () { window.location.href = "/playground/chat/"; });
    byId("toggle-compare").addEventListener("click", function () {
      if (state.columns.length >= 3) return;
      var others = DATA.deployments.filter(function (d) { return !state.columns.some(function (c) { return c.deployment === d.id; }); });
      var column = newColumn((others[0] || DATA.deployments[0] || {}).id);
      // The new column carries the conversation so far, so the next turn is compared on the same context.
      column.messages = plainState().columns[0].messages.map(function (m) { delete m.stats; delete m.notice; m._column = column; return m; });
      state.columns.push(column);
      renderColumns(); changed();
    });
    byId("view-code").addEventListener("click", viewCode);
    byId("close-code").addEventListener("click", function () { byId("code-dialog").close(); });
    document.querySelectorAll("#code-tabs [role=tab]").forEach(function (tab) { tab.addEventListener("click", function () { showCode(tab.dataset.lang); }); });
    byId("copy-code").addEventListener("click", function () { navigator.clipboard.writeText(byId("code-body").textContent); byId("copy-code").textContent = "Copied"; setTimeout(function () { byId("copy-code").textContent = "Copy"; }, 1500); });
    byId("stop").addEventListener("click", function () { running.slice().forEach(function (c) { c.abort(); }); });
    byId("clear-chat").addEventListener("click", function () {
      state.columns.forEach(function (c) { c.messages = []; c.totals = emptyTotals(); });
      renderColumns(); changed();
    });
    var prompt = byId("prompt");
    prompt.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); byId("composer").requestSubmit(); }
    });
    byId("composer").addEventListener("submit", function (e) {
      e.preventDefault();
      var text = prompt.value;
      if (!text.trim() && !attachments.length) return;
      if (running.length) return;
      var message = { role: "user", content: text };
      if (attachments.length) message.images = attachments.map(function (a) { return { url: a.url, detail: a.detail || byId("image-detail").value, tokens: a.tokens, width: a.width, height: a.height }; });
      var targets = state.columns.filter(function (c, i) { return i === 0 || c.sync || state.columns.length === 1; });
      var sent = sendTo(targets, message);
      if (sent) { prompt.value = ""; attachments = []; renderAttachments(); }
    });
    byId("image-input").addEventListener("change", function (e) { Array.from(e.target.files).forEach(addImageFile); e.target.value = ""; });
    byId("image-detail").addEventListener("change", function () { attachments.forEach(costImage); });
    prompt.addEventListener("paste", function (e) {
      var files = Array.from((e.clipboardData || {}).files || []).filter(function (f) { return f.type.indexOf("image/") === 0; });
      if (files.length) { e.preventDefault(); files.forEach(addImageFile); }
    });
    var composer = byId("composer");
    composer.addEventListener("dragover", function (e) { e.preventDefault(); composer.classList.add("dropping"); });
    composer.addEventListener("dragleave", function () { composer.classList.remove("dropping"); });
    composer.addEventListener("drop", function (e) {
      e.preventDefault(); composer.classList.remove("dropping");
      Array.from(e.dataTransfer.files || []).forEach(addImageFile);
    });
    var duplicate = byId("duplicate-session");
    if (duplicate) duplicate.addEventListener("click", function () {
      readOnly = false; canSend = DATA.can_send; sessionId = null;
      byId("session-title").readOnly = false; byId("session-title").value = "Copy of " + byId("session-title").value;
      byId("session-title").dataset.edited = "1";
      byId("read-only-note").hidden = true;
      save().then(function () { window.location.href = "/playground/chat/?session=" + sessionId; });
    });
    if (!canSend) { byId("send").disabled = true; prompt.disabled = true; byId("composer").classList.add("disabled"); }
    if (sessionId) { var link = byId("export-session"); link.hidden = false; link.href = "/playground/sessions/" + sessionId + "/export/"; }
    else if (session) { var shared = byId("export-session"); shared.hidden = false; shared.href = "/playground/sessions/" + session.id + "/export/"; }
    state.columns.forEach(function (column) { column.messages.forEach(function (m) { m._column = column; }); });
    renderExamples(); renderTools(); renderParams(); renderColumns();
    window.addEventListener("beforeunload", function () { if (saveTimer) save(); });
  }
  init();
  window.StudioChat = { state: state, save: save };
})();
