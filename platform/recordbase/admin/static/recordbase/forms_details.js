/* Record forms: the searchable link picker (Tom Select over /admin/records/<type>/link-options/).
   Details page: inline child rows (add, edit, delete through /admin/records/<type>/child-row/). */
(function () {
  "use strict";
  var T = window.RB_TEXT || {};

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function pageUrl(base, query, after) {
    var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
    return after ? url + "&after=" + encodeURIComponent(after) : url;
  }

  function initPicker(select) {
    if (select.tomselect || typeof TomSelect === "undefined") { return; }
    var base = select.getAttribute("data-rb-picker");
    var many = select.multiple;
    var plugins = {virtual_scroll: {}};  // (the buttons' titles in the page's language, not Tom Select's English)
    if (many) { plugins.remove_button = {title: T.remove || "Remove"}; }
    else { plugins.clear_button = {title: T.clear || "Clear"}; }
    new TomSelect(select, {
      valueField: "id", labelField: "text", searchField: ["text"],
      maxItems: many ? null : 1, maxOptions: null, allowEmptyOption: false,
      plugins: plugins, preload: "focus",
      firstUrl: function (query) { return pageUrl(base, query); },
      shouldLoad: function () { return true; },
      load: function (query, callback) {
        var self = this;
        var url = self.getUrl(query);
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
          .then(function (data) {
            if (data.next) { self.setNextUrl(query, pageUrl(base, query, data.next)); }
            callback(data.results);
          })
          .catch(function () { callback(); });
      },
      render: {
        option: function (item) { return "<div>" + escapeHtml(item.text) + "</div>"; },
        item: function (item) { return "<div>" + escapeHtml(item.text) + "</div>"; },
        no_results: function () { return '<div class="no-results">' + escapeHtml(T.no_results) + "</div>"; },
        loading_more: function () { return '<div class="loading-more-results py-2 d-flex align-items-center"><div class="spinner"></div> ' + escapeHtml(T.loading) + "</div>"; },
        no_more_results: function () { return ""; }
      }
    });
  }

  // the condition and rule builders make pickers of their own (admin/conditions/)
  window.RB = window.RB || {};
  window.RB.linkPicker = initPicker;

  // -- inline child rows on the details page ------------------------------------------------
  function showErrors(row, errors, general) {
    row.querySelectorAll(".rb-row-error").forEach(function (e) { e.remove(); });
    row.querySelectorAll(".is-invalid").forEach(function (e) { e.classList.remove("is-invalid"); });
    Object.keys(errors || {}).forEach(function (name) {
      var input = row.querySelector('[data-rb-input="' + name + '"]');
      var msg = document.createElement("span");
      msg.className = "rb-row-error";
      msg.textContent = [].concat(errors[name]).join(" ");
      if (input) {
        input.classList.add("is-invalid");
        (input.closest("td") || row).appendChild(msg);
      } else {
        row.querySelector(".rb-row-actions").appendChild(msg);
      }
    });
    if (general) {
      var g = document.createElement("span");
      g.className = "rb-row-error";
      g.textContent = general;
      row.querySelector(".rb-row-actions").appendChild(g);
    }
  }

  function send(row, url, fields) {
    var panel = row.closest("[data-rb-child-panel]");
    var body = new FormData();
    body.append("csrf_token", panel.getAttribute("data-csrf"));
    Object.keys(fields).forEach(function (k) {
      [].concat(fields[k]).forEach(function (v) { body.append(k, v); });
    });
    row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    return fetch(url, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().catch(function () { return {ok: false, message: T.failed}; }); })
      .then(function (data) {
        if (data.ok) { window.location.reload(); return; }
        row.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        showErrors(row, data.errors, data.message);
      })
      .catch(function () {
        row.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        showErrors(row, {}, T.failed);
      });
  }

  function rowValues(row) {
    var out = {};
    row.querySelectorAll("[data-rb-input]").forEach(function (input) {
      var name = input.getAttribute("data-rb-input");
      if (input.type === "checkbox") {
        if (input.checked) { out[name] = "y"; }
      } else if (input.multiple) {
        out[name] = Array.prototype.filter.call(input.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        out[name] = input.value;
      }
    });
    return out;
  }

  function onClick(event) {
    var button = event.target.closest("[data-rb-row-action]");
    if (!button) { return; }
    event.preventDefault();
    var row = button.closest("tr");
    var panel = button.closest("[data-rb-child-panel]");
    var action = button.getAttribute("data-rb-row-action");
    if (!panel) { return; }
    if (action === "edit") {
      row.hidden = true;
      var form = row.nextElementSibling;
      form.hidden = false;
      form.querySelectorAll("select[data-rb-picker]").forEach(initPicker);
      return;
    }
    if (action === "cancel") {
      row.hidden = true;
      if (row.previousElementSibling && row.previousElementSibling.hasAttribute("data-rb-view-row")) {
        row.previousElementSibling.hidden = false;
      }
      return;
    }
    if (action === "add") {
      var blank = panel.querySelector("[data-rb-new-row]");
      blank.hidden = false;
      blank.querySelectorAll("select[data-rb-picker]").forEach(initPicker);
      var first = blank.querySelector("[data-rb-input]");
      if (first) { first.focus(); }
      return;
    }
    var fields = action === "delete" ? {} : rowValues(row);
    if (action === "delete" && !window.confirm(T.confirm_delete)) { return; }
    if (row.getAttribute("data-rb-version")) { fields.RB_VERSION = row.getAttribute("data-rb-version"); }
    if (row.getAttribute("data-rb-id")) { fields.id = row.getAttribute("data-rb-id"); }
    fields.RB_ACTION = action;
    if (row.getAttribute("data-rb-fields")) { fields.RB_FIELDS = row.getAttribute("data-rb-fields"); }
    send(row, panel.getAttribute("data-rb-url"), fields);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form select[data-rb-picker]").forEach(function (s) {
      if (!s.closest("[hidden]")) { initPicker(s); }
    });
    document.addEventListener("click", onClick);
  });
}());
