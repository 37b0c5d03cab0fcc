// The images playground: the model's own options, the picture with its revised prompt, a gallery of the
// session's pictures (served by Studio, which keeps them) and the content filter's refusals explained.
(function () {
  "use strict";
  var P = window.Playground;
  var data = P.pageData();
  var $ = function (id) { return document.getElementById(id); };
  var select = $("deployment");
  var session = new P.Session("images", data, $("session-status"), $("session-title"));
  var state = (data.session && data.session.state) || {};
  var gallery = (state.images || []).slice();

  if (!data.deployments.length) $("deployment-note").textContent = "No image deployment yet; an Admin adds them under Deployments.";
  P.pickDeployments(select, data.deployments, data.preselect || state.deployment);
  function deployment() { return P.selected(select, data.deployments); }

  function fill(id, values, wanted) {
    var node = $(id);
    var keep = wanted || node.value;
    node.textContent = "";
    values.forEach(function (v) { node.appendChild(P.el("option", {value: v}, v)); });
    if (values.indexOf(keep) >= 0) node.value = keep;
  }

  function describe() {
    var d = deployment();
    if (!d) return;
    var o = d.options;
    var params = state.parameters || {};
    fill("size", o.sizes, params.size);
    fill("quality", o.qualities, params.quality);
    $("style-field").hidden = !o.styles.length;
    fill("style", o.styles, params.style);
    $("gpt-image-fields").hidden = !o.gpt_image;
    fill("background", o.backgrounds, params.background);
    fill("output_format", o.output_formats, params.output_format);
    $("prompt").maxLength = o.prompt_limit;
    $("deployment-note").textContent = o.gpt_image ? d.model + " bills by output tokens per image." :
      d.model + " makes one image per request.";
    counts();
    price();
  }

  function counts() {
    var d = deployment();
    $("prompt-count").textContent = $("prompt").value.length + " / " + (d ? d.options.prompt_limit : 4000) + " characters";
  }

  function parameters() {
    var d = deployment();
    var p = {size: $("size").value, quality: $("quality").value};
    if (d && !d.options.gpt_image) p.style = $("style").value;
    if (d && d.options.gpt_image) {
      p.background = $("background").value;
      p.output_format = $("output_format").value;
      if ($("output_compression").value !== "") p.output_compression = parseInt($("output_compression").value, 10);
    }
    return p;
  }

  // The estimator's price rules answer the cost of one image before anything is generated.
  function price() {
    var d = deployment();
    if (!d) return;
    $("unit-cost").textContent = d.unit_costs && d.unit_costs[$("size").value + "|" + $("quality").value] !== undefined ?
      P.money(d.unit_costs[$("size").value + "|" + $("quality").value], "USD") : "shown after generating";
  }

  function figure(image, big) {
    var fig = P.el("figure", {className: big ? "image-latest" : "image-card", "data-image": String(image.id)});
    var img = P.el("img", {src: image.url, alt: image.revised_prompt || image.prompt, loading: "lazy"});
    fig.appendChild(img);
    var caption = P.el("figcaption");
    caption.appendChild(P.el("div", {className: "image-prompt"}, image.prompt));
    if (image.revised_prompt && image.revised_prompt !== image.prompt) {
      var revised = P.el("div", {className: "revised-prompt"});
      revised.appendChild(P.el("strong", {}, "Revised prompt: "));
      revised.append(image.revised_prompt);
      caption.appendChild(revised);
    }
    var facts = [image.options.size, image.options.quality, image.options.style || image.options.output_format,
                 P.money(image.cost, image.currency)].filter(Boolean).join(" · ");
    caption.appendChild(P.el("div", {className: "muted"}, facts));
    caption.appendChild(P.el("a", {href: image.download, className: "button", download: ""}, "Download"));
    fig.appendChild(caption);
    return fig;
  }

  function drawGallery() {
    var box = $("gallery");
    box.textContent = "";
    $("gallery-empty").hidden = gallery.length > 0;
    gallery.forEach(function (image) { box.appendChild(figure(image, false)); });
  }

  function refusal(explained) {
    var wrap = P.el("div", {className: "refusal"});
    wrap.appendChild(P.el("p", {}, explained.summary));
    var list = P.el("ul");
    explained.categories.forEach(function (c) {
      var li = P.el("li");
      li.appendChild(P.el("strong", {}, c.name + (c.severity ? " (" + c.severity + ")" : "") + ": "));
      li.append(c.advice);
      list.appendChild(li);
    });
    if (explained.categories.length) wrap.appendChild(list);
    wrap.appendChild(P.el("p", {className: "muted"}, "Your prompt is kept above: change it and generate again."));
    return wrap;
  }

  function snapshot() {
    var d = deployment();
    return {deployment: d && d.id, prompt: $("prompt").value, parameters: parameters(), images: gallery};
  }

  function send() {
    var d = deployment();
    if (!d) return;
    P.clearError($("error"));
    $("send").disabled = true;
    $("working").hidden = false;
    session.ensure(snapshot()).then(function (sessionId) {
      var body = Object.assign({deployment: d.id, prompt: $("prompt").value, session: sessionId}, parameters());
      return P.postJSON("/playground/images/generate/", body);
    }).then(function (answer) {
      $("send").disabled = false;
      $("working").hidden = true;
      if (!answer.ok) {
        var error = answer.data.error || {};
        P.showError($("error"), answer.data, error.explained ? refusal(error.explained) : null);
        return;
      }
      var latest = $("latest");
      latest.textContent = "";
      answer.data.images.forEach(function (image) {
        latest.appendChild(figure(image, true));
        gallery.unshift(image);
      });
      latest.appendChild(P.el("p", {className: "muted"}, "Latency " + answer.data.latency_ms + " ms" +
        (answer.data.request_id ? " · request id " + answer.data.request_id : "")));
      drawGallery();
      session.save(snapshot());
    });
  }

  select.addEventListener("change", describe);
  ["size", "quality"].forEach(function (id) { $(id).addEventListener("change", price); });
  $("prompt").addEventListener("input", counts);
  $("send").disabled = !data.can_send;
  $("send").addEventListener("click", send);
  $("code-button").addEventListener("click", function () {
    var d = deployment();
    if (!d) return;
    var body = Object.assign({prompt: $("prompt").value, n: 1}, parameters());
    P.viewCode($("code-dialog"), "/playground/code/", {deployment: d.id, operation: "images/generations", body: body});
  });
  if (state.prompt) $("prompt").value = state.prompt;
  describe();
  drawGallery();
})();
