/* Dashboard widgets: each card fetches its data (JSON worked out on the server by the aggregation
   engine, under the reader's rights) and draws it with ECharts (vendored) or as a table.
   A click on a bar, slice, point or cell opens the records behind it (the link the server gave). */
(function () {
  "use strict";
  var T = window.RB_DASHBOARD_TEXT || {};
  var roots = document.querySelectorAll(".rb-dashboard");
  if (!roots.length) { return; }
  var locale = roots[0].getAttribute("data-lang") === "zh" ? "ZH" : "EN";
  var charts = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function link(href, text) { var a = el("a", null, text); a.href = href; return a; }
  function fmt(v) {
    if (v === null || v === undefined) { return "–"; }
    if (typeof v === "number") { return Math.round(v * 100) / 100 + ""; }
    return String(v);
  }
  function go(params) {
    var d = params && params.data;
    var href = d && (d.link || (d.value && d.value.link));
    if (href) { window.location.href = href; }
  }
  function toolbox() { return {feature: {saveAsImage: {title: T.save}}, right: 8}; }
  function chart(body, option) {
    body.style.height = "280px";
    var c = echarts.init(body, null, {locale: locale});
    c.setOption(option);
    c.on("click", go);
    charts.push(c);
    return c;
  }
  function targetLine(value, axis) {
    if (value === null || value === undefined) { return undefined; }
    var line = {}; line[axis || "yAxis"] = value;
    // (the label inside the plot, above the line's end: at the end itself it ran past the chart's edge)
    return {symbol: "none", data: [line], label: {formatter: T.target + " " + value, position: "insideEndTop"},
            lineStyle: {color: "#d9534f", type: "dashed"}};
  }

  var draw = {
    number: function (body, d) {
      var box = el("div", "rb-number text-center");
      var big = link(d.link, fmt(d.value) + (d.unit ? " " + d.unit : ""));
      big.className = "rb-number-value display-4 d-block";
      box.appendChild(big);
      if (d.target !== null && d.target !== undefined) {
        box.appendChild(el("div", "text-muted rb-number-target", T.target + ": " + fmt(d.target)));
      }
      if (d.previous !== undefined) {
        var diff = (d.value || 0) - (d.previous || 0);
        var cls = diff > 0 ? "text-success" : diff < 0 ? "text-danger" : "text-muted";
        box.appendChild(el("div", "rb-number-previous " + cls,
          (diff > 0 ? "▲ " : diff < 0 ? "▼ " : "") + T.previous + " (" + (T[d.period] || d.period) + "): " + fmt(d.previous)));
      }
      body.appendChild(box);
    },
    chart: function (body, d) {
      if (!d.categories.length) { body.appendChild(el("p", "text-muted", T.empty)); return; }
      if (d.chart === "pie") {
        var s = d.series[0];
        chart(body, {tooltip: {trigger: "item"}, toolbox: toolbox(), legend: {type: "scroll", bottom: 0},
          series: [{type: "pie", radius: "60%", data: d.categories.map(function (c, i) {
            return {name: c, value: s.points[i].value, link: s.points[i].link}; })}]});
        return;
      }
      var type = d.chart === "area" ? "line" : (d.chart || "bar");
      var series = d.series.map(function (s, n) {
        var out = {type: type, name: s.name === null ? (T.count) : s.name,
          data: s.points.map(function (p) { return {value: p.value, link: p.link}; })};
        if (d.chart === "area") { out.areaStyle = {}; }
        if (d.stacked) { out.stack = "all"; }
        if (n === 0) { out.markLine = targetLine(d.target); }
        return out;
      });
      chart(body, {tooltip: {trigger: "axis"}, toolbox: toolbox(),
        legend: d.series.length > 1 ? {type: "scroll", bottom: 0} : undefined,
        grid: {left: 48, right: d.target === null || d.target === undefined ? 24 : 72, top: 36,
               bottom: d.series.length > 1 ? 48 : 32},
        xAxis: {type: "category", data: d.categories}, yAxis: {type: "value"}, series: series});
    },
    scatter: function (body, d) {
      var series = {type: "scatter", symbolSize: 12,
        data: d.points.map(function (p) { return {name: p.name, value: [p.x, p.y], link: p.link}; }),
        label: {show: d.points.length <= 30, formatter: "{b}", position: "right", fontSize: 10}};
      var lines = [];
      if (d.x_line !== null && d.x_line !== undefined) { lines.push({xAxis: d.x_line}); }
      if (d.y_line !== null && d.y_line !== undefined) { lines.push({yAxis: d.y_line}); }
      if (lines.length) { series.markLine = {symbol: "none", data: lines, label: {show: false}, lineStyle: {color: "#888"}}; }
      chart(body, {tooltip: {trigger: "item", formatter: function (p) { return p.name + ": " + p.value.join(", "); }},
        toolbox: toolbox(), grid: {left: 48, right: 48, top: 36, bottom: 32},
        xAxis: {type: "value", scale: true}, yAxis: {type: "value", scale: true}, series: [series]});
    },
    heatmap: function (body, d) {
      var max = 0;
      d.cells.forEach(function (c) { max = Math.max(max, c.value || 0); });
      chart(body, {tooltip: {position: "top"}, toolbox: toolbox(),
        grid: {left: 8, right: 24, top: 36, bottom: 64, containLabel: true},  // (long labels: 2027年第3季度)
        xAxis: {type: "category", data: d.x, splitArea: {show: true}},
        yAxis: {type: "category", data: d.y, splitArea: {show: true}},
        visualMap: {min: 0, max: max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                    inRange: {color: ["#fff5eb", "#fd8d3c", "#a50f15"]}},
        series: [{type: "heatmap", label: {show: true},
          data: d.cells.map(function (c) { return {value: [c.x, c.y, c.value], link: c.link}; })}]});
    },
    top_n: function (body, d) {
      var table = el("table", "table table-sm mb-0 rb-top-n");
      d.rows.forEach(function (r) {
        var tr = el("tr"); var td = el("td"); td.appendChild(link(r.link, r.label)); tr.appendChild(td);
        tr.appendChild(el("td", "text-right", fmt(r.value))); table.appendChild(tr);
      });
      if (!d.rows.length) { body.appendChild(el("p", "text-muted", T.empty)); } else { body.appendChild(table); }
    },
    view: function (body, d) {
      var table = el("table", "table table-sm mb-0 rb-view-list");
      var head = el("tr");
      d.columns.forEach(function (c) { head.appendChild(el("th", null, c)); });
      table.appendChild(head);
      d.rows.forEach(function (r) {
        var tr = el("tr");
        r.cells.forEach(function (c, i) {
          var td = el("td");
          if (i === 0) { td.appendChild(link(r.link, c || "#")); } else { td.textContent = c; }
          tr.appendChild(td);
        });
        table.appendChild(tr);
      });
      body.appendChild(table);
      body.appendChild(link(d.link, d.name + " →"));
    }
  };
  draw.target_line = draw.chart;
  draw.quadrant = draw.scatter;

  Array.prototype.forEach.call(document.querySelectorAll(".rb-dashboard .rb-widget"), function (card) {
    var body = card.querySelector(".rb-widget-body");
    fetch(card.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.error) { body.appendChild(el("p", "text-danger", d.error)); return; }
        draw[card.getAttribute("data-kind")](body, d);
        card.classList.add("rb-widget-ready");
      })
      .catch(function () { body.appendChild(el("p", "text-danger", "…")); });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.RB_CHARTS = charts;
})();
