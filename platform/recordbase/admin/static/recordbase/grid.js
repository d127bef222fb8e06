/* The records grid: full text on hover, the column chooser (?cols=), inline edit of a cell
   (double-click; Enter saves, Escape cancels) and bulk edit of one field on the selected records.
   Endpoints: admin/records/grid_edit.py. Plain JS, no build step. */
(function () {
  "use strict";
  var table = document.querySelector("table.rb-grid");
  var dataEl = document.getElementById("rb-grid-data");
  var data = dataEl ? JSON.parse(dataEl.textContent) : {choices: {}};
  linkFilters();
  if (!table) { return; }
  var csrf = table.getAttribute("data-csrf");
  var cellUrl = table.getAttribute("data-cell-url");
  var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));

  function header(td) { return headers[td.cellIndex]; }

  // a link filter's "=" / "≠": its records found by typing (Tom Select over the picker endpoint,
  // loaded on first use), not listed in the page
  function linkFilters() {
    var groupsEl = document.getElementById("filter-groups-data");
    if (!groupsEl || !window.faForm) { return; }
    var pickers = {};
    var groups = JSON.parse(groupsEl.textContent);
    Object.keys(groups).forEach(function (label) {
      groups[label].forEach(function (item) { if (item.picker) { pickers[item.arg] = item.picker; } });
    });
    if (!Object.keys(pickers).length) { return; }
    var loading = null;
    function assets() {
      if (window.TomSelect) { return Promise.resolve(); }
      if (!loading) {
        loading = new Promise(function (resolve, reject) {
          var css = document.createElement("link");
          css.rel = "stylesheet"; css.href = data.picker.css;
          document.head.appendChild(css);
          var js = document.createElement("script");
          js.src = data.picker.js; js.onload = resolve; js.onerror = reject;
          document.head.appendChild(js);
        });
      }
      return loading;
    }
    function esc(text) { var d = document.createElement("div"); d.textContent = text == null ? "" : String(text); return d.innerHTML; }
    function pageUrl(base, q, after) {
      return base + "&q=" + encodeURIComponent(q) + (after ? "&after=" + encodeURIComponent(after) : "");
    }
    function convert(input) {
      var name = input.getAttribute("name") || "";
      var base = pickers[name.substr(name.indexOf("_") + 1)];
      if (!base) { return false; }
      var select = document.createElement("select");
      select.name = name; select.className = "filter-val rb-link-filter";
      var value = input.value;
      if (value) { select.appendChild(new Option((data.link_titles || {})[value] || value, value, true, true)); }
      input.parentNode.replaceChild(select, input);
      select.addEventListener("change", function () {
        var form = select.closest("form");
        if (form) { form.querySelectorAll("button").forEach(function (b) { b.classList.remove("d-none"); }); }
      });
      assets().then(function () {
        new TomSelect(select, {
          valueField: "id", labelField: "text", searchField: ["text"], maxItems: 1, maxOptions: null,
          plugins: ["virtual_scroll"], preload: "focus",
          firstUrl: function (q) { return pageUrl(base, q); },
          shouldLoad: function () { return true; },
          load: function (q, callback) {
            var self = this;
            fetch(self.getUrl(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
              .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
              .then(function (res) {
                if (res.next) { self.setNextUrl(q, pageUrl(base, q, res.next)); }
                callback(res.results);
              })
              .catch(function () { callback(); });
          },
          render: {
            option: function (item) { return "<div>" + esc(item.text) + "</div>"; },
            item: function (item) { return "<div>" + esc(item.text) + "</div>"; },
            no_results: function () { return '<div class="no-results">' + esc(data.no_results) + "</div>"; },
            loading_more: function () { return '<div class="loading-more-results py-2">' + esc(data.loading) + "</div>"; },
            no_more_results: function () { return ""; }
          }
        });
      });
      return true;
    }
    // filters added from now on, and those the page opened with (made before this script ran)
    window.faForm.addFieldConverter(function ($el, type) { return type === "rb-link" && convert($el[0]); });
    document.querySelectorAll("#filter_form input.filter-val").forEach(convert);
  }

  // full text on hover, when the cell shows less than all of it
  table.addEventListener("mouseover", function (ev) {
    var td = ev.target.closest("td");
    if (td && !td.title && td.scrollWidth > td.clientWidth) { td.title = td.textContent.trim(); }
  });

  function send(method, url, body) {
    var opts = {method: method, credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}};
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (resp) {
      return resp.json().catch(function () { return {error: resp.statusText}; })
        .then(function (json) { return {status: resp.status, body: json}; });
    });
  }

  function input(kind, field, value) {
    var el;
    if (kind === "select" || kind === "bool") {
      el = document.createElement("select");
      var options = kind === "bool" ? [["true", data.yes], ["false", data.no]] : (data.choices[field] || []);
      el.appendChild(new Option("", ""));
      options.forEach(function (c) { el.appendChild(new Option(c[1], c[0])); });
      el.value = value === true ? "true" : value === false ? "false" : (value === null || value === undefined ? "" : String(value));
    } else {
      el = document.createElement("input");
      el.type = kind === "date" ? "date" : "text";
      if (kind === "number") { el.inputMode = "decimal"; }
      el.value = value === null || value === undefined ? "" : String(value);
    }
    el.className = "form-control form-control-sm rb-cell-input";
    return el;
  }

  function showError(td, message) {
    var old = td.querySelector(".rb-cell-error");
    if (old) { old.remove(); }
    var div = document.createElement("div");
    div.className = "rb-cell-error";
    div.textContent = message;
    td.appendChild(div);
  }

  function edit(td) {
    var th = header(td), tr = td.parentNode;
    var kind = th && th.getAttribute("data-edit"), field = th && th.getAttribute("data-field");
    if (!kind || td.classList.contains("rb-editing")) { return; }
    var id = tr.getAttribute("data-id");
    var before = td.innerHTML;
    send("GET", cellUrl + "?id=" + encodeURIComponent(id) + "&field=" + encodeURIComponent(field)).then(function (r) {
      if (r.status !== 200) { showError(td, r.body.error || String(r.status)); return; }
      tr.setAttribute("data-version", r.body.version);
      var el = input(kind, field, r.body.value);
      td.classList.add("rb-editing");
      td.innerHTML = "";
      td.appendChild(el);
      el.focus();
      var done = false;
      function finish(html) {
        done = true;
        td.classList.remove("rb-editing");
        td.innerHTML = html;
      }
      function save() {
        if (done) { return; }
        done = true;
        el.disabled = true;
        send("POST", cellUrl, {id: id, field: field, value: el.value, version: tr.getAttribute("data-version")})
          .then(function (res) {
            if (res.status === 200) {
              tr.setAttribute("data-version", res.body.version);
              finish(res.body.html);
            } else if (res.status === 409) {
              tr.setAttribute("data-version", res.body.version);
              finish(res.body.html);
              showError(td, res.body.error);
            } else {
              done = false;
              el.disabled = false;
              el.focus();
              showError(td, res.body.error || String(res.status));
            }
          });
      }
      el.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); save(); }
        if (ev.key === "Escape") { finish(before); }
      });
      if (el.tagName === "SELECT") { el.addEventListener("change", save); }
    });
  }

  table.addEventListener("dblclick", function (ev) {
    var td = ev.target.closest("td");
    if (td && td.classList.contains("rb-editable")) { edit(td); }
  });

  // the column chooser: the chosen columns in the URL (?cols=a,b,c), the other arguments kept
  var apply = document.querySelector(".rb-cols-apply");
  if (apply) {
    apply.addEventListener("click", function () {
      var names = Array.prototype.slice.call(document.querySelectorAll(".rb-chooser input:checked"))
        .map(function (i) { return i.value; });
      var url = new URL(window.location.href);
      url.searchParams.set("cols", names.join(","));
      url.searchParams.delete("sort");
      url.searchParams.delete("desc");
      window.location.href = url.toString();
    });
  }
  // the search and filter forms keep the chosen columns
  var cols = new URL(window.location.href).searchParams.get("cols");
  if (cols) {
    document.querySelectorAll("form.search-form, form.filter-form, .navbar-form").forEach(function (form) {
      if (form.method && form.method.toLowerCase() !== "get") { return; }
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "cols"; hidden.value = cols;
      form.appendChild(hidden);
    });
  }

  // bulk edit: one field on the selected records (all saved, or none)
  var bulk = document.querySelector(".rb-bulk-form");
  if (bulk) {
    var select = bulk.querySelector("select[name=field]");
    var slot = bulk.querySelector(".rb-bulk-value");
    var error = bulk.querySelector(".rb-bulk-error");
    var valueInput = null;
    function swap() {
      var opt = select.options[select.selectedIndex];
      valueInput = input(opt.getAttribute("data-edit"), select.value, "");
      valueInput.name = "value";
      valueInput.classList.add("mb-1");
      slot.innerHTML = "";
      slot.appendChild(valueInput);
    }
    select.addEventListener("change", swap);
    swap();
    bulk.addEventListener("click", function (ev) { ev.stopPropagation(); });
    bulk.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var ids = Array.prototype.slice.call(document.querySelectorAll("input.action-checkbox:checked"))
        .map(function (i) { return i.value; });
      error.textContent = "";
      if (!ids.length) { error.textContent = bulk.getAttribute("data-none"); return; }
      send("POST", bulk.getAttribute("data-url"), {ids: ids, field: select.value, value: valueInput.value})
        .then(function (res) {
          if (res.status === 200) { window.location.reload(); return; }
          var lines = [res.body.error || String(res.status)];
          (res.body.records || []).forEach(function (r) { lines.push(r.title + ": " + r.error); });
          error.textContent = lines.join("\n");
          error.style.whiteSpace = "pre-line";
        });
    });
  }
})();
