/* The calendar: drag a record onto another day = an update (POST move/ with its version, the day it
   was on and the day it goes to); a refusal leaves it where it was and shows the server's reason.
   Plain HTML5 drag and drop; a click opens the record (the link). */
(function () {
  "use strict";
  var table = document.querySelector(".rb-cal");
  if (!table || table.getAttribute("data-readonly") === "true") { return; }
  var message = document.querySelector(".rb-cal-message");
  var csrf = table.getAttribute("data-csrf");
  var dragged = null;

  function say(text) {
    message.textContent = text || "";
    message.classList.toggle("d-none", !text);
  }
  table.addEventListener("dragstart", function (e) {
    dragged = e.target.closest(".rb-cal-item");
    if (dragged) { e.dataTransfer.setData("text/plain", dragged.getAttribute("data-id")); }
  });
  table.addEventListener("dragover", function (e) {
    var cell = e.target.closest("td[data-day]");
    if (cell && dragged) { e.preventDefault(); cell.classList.add("rb-cal-over"); }
  });
  table.addEventListener("dragleave", function (e) {
    var cell = e.target.closest("td[data-day]");
    if (cell) { cell.classList.remove("rb-cal-over"); }
  });
  table.addEventListener("drop", function (e) {
    var cell = e.target.closest("td[data-day]");
    if (!cell || !dragged) { return; }
    e.preventDefault();
    cell.classList.remove("rb-cal-over");
    var item = dragged, from = item.getAttribute("data-day"), to = cell.getAttribute("data-day");
    dragged = null;
    if (from === to) { return; }
    var body = new URLSearchParams();
    body.set("id", item.getAttribute("data-id"));
    body.set("version", item.getAttribute("data-version"));
    body.set("from", from);
    body.set("to", to);
    body.set("csrf_token", csrf);
    fetch(table.getAttribute("data-move-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (resp) {
      return resp.json().catch(function () { return {error: {message: resp.statusText}}; })
        .then(function (data) { return {ok: resp.ok, data: data}; });
    }).then(function (r) {
      if (!r.ok) { say((r.data.error && r.data.error.message) || "Refused"); return; }
      say("");
      // a multi-day record moves whole: reload the page to redraw every day it covers
      var copies = table.querySelectorAll('.rb-cal-item[data-id="' + item.getAttribute("data-id") + '"]');
      if (copies.length > 1) { window.location.reload(); return; }
      item.setAttribute("data-version", String(r.data.version));
      item.setAttribute("data-day", to);
      cell.appendChild(item);
    });
  });
}());
