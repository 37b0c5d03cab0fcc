// A small SVG line chart: <svg class="line-chart" data-series="train_loss"> drawn from the JSON in #job-series
// ({"train_loss": [[step, value], ...], ...}). No library from a CDN: this file is the charting library.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 480, H = 220, PAD = {left: 52, right: 12, top: 10, bottom: 28};

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function format(value) {
    var abs = Math.abs(value);
    return abs >= 100 ? value.toFixed(0) : abs >= 1 ? value.toFixed(2) : value.toFixed(3);
  }

  function draw(svg, points) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    if (!points.length) return;
    var xs = points.map(function (p) { return p[0]; }), ys = points.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    var sx = function (x) { return PAD.left + (x - x0) / (x1 - x0) * (W - PAD.left - PAD.right); };
    var sy = function (y) { return H - PAD.bottom - (y - y0) / (y1 - y0) * (H - PAD.top - PAD.bottom); };
    svg.appendChild(el("line", {x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: "axis"}));
    svg.appendChild(el("line", {x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: "axis"}));
    [y0, (y0 + y1) / 2, y1].forEach(function (y) {
      svg.appendChild(el("text", {x: PAD.left - 6, y: sy(y) + 4, "text-anchor": "end", class: "tick"}, format(y)));
    });
    [[x0, "start"], [x1, "end"]].forEach(function (pair) {
      svg.appendChild(el("text", {x: sx(pair[0]), y: H - 8, "text-anchor": pair[1], class: "tick"}, "step " + pair[0]));
    });
    var d = points.map(function (p, i) { return (i ? "L" : "M") + sx(p[0]).toFixed(1) + " " + sy(p[1]).toFixed(1); });
    var path = el("path", {d: d.join(" "), class: "series", fill: "none"});
    path.setAttribute("data-points", String(points.length));
    svg.appendChild(path);
  }

  function drawAll(root) {
    var data = (root || document).querySelector("#job-series");
    if (!data) return;
    var series = JSON.parse(data.textContent);
    (root || document).querySelectorAll("svg.line-chart").forEach(function (svg) {
      draw(svg, series[svg.getAttribute("data-series")] || []);
    });
  }

  window.StudioLineChart = {draw: draw, drawAll: drawAll};
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function () { drawAll(document); });
})();
