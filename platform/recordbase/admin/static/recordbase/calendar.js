/* The calendar: drag a record onto another day = an update (POST move/ with its version, the day it
   was on and the day it goes to); a refusal puts it back and shows the server's reason. Each day's
   list is a SortableJS list (mouse events: forceFallback); a click opens the record (the link). */
(function () {
  "use strict";
  var table = document.querySelector(".rb-cal");
  if (!table || table.getAttribute("data-readonly") === "true" || !window.Sortable) { return; }
  var message = document.querySelector(".rb-cal-message");
  var csrf = table.getAttribute("data-csrf");

  function say(text) {
    message.textContent = text || "";
    message.classList.toggle("d-none", !text);
  }
  function putBack(item, from, index) {
    from.insertBefore(item, from.children[index] || null);
  }
  function moved(evt) {
    var item = evt.item, from = evt.from, to = evt.to;
    var src = item.getAttribute("data-day"), dst = to.getAttribute("data-day");
    if (src === dst) { return; }
    var body = new URLSearchParams();
    body.set("id", item.getAttribute("data-id"));
    body.set("version", item.getAttribute("data-version"));
    body.set("from", src);
    body.set("to", dst);
    body.set("csrf_token", csrf);
    fetch(table.getAttribute("data-move-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (resp) {
      return resp.json().catch(function () { return {error: {message: resp.statusText}}; })
        .then(function (data) { return {ok: resp.ok, data: data}; });
    }).then(function (r) {
      if (!r.ok) {
        putBack(item, from, evt.oldIndex);
        item.classList.add("rb-card-refused");
        say((r.data.error && r.data.error.message) || "Refused");
        return;
      }
      say("");
      item.classList.remove("rb-card-refused");
      // a record over several days moves whole: reload to redraw every day it covers
      if (table.querySelectorAll('.rb-cal-item[data-id="' + item.getAttribute("data-id") + '"]').length > 1) {
        window.location.reload();
        return;
      }
      item.setAttribute("data-version", String(r.data.version));
      item.setAttribute("data-day", dst);
    }).catch(function () { putBack(item, from, evt.oldIndex); });
  }
  table.querySelectorAll(".rb-cal-items").forEach(function (list) {
    // (a record is a link: Sortable ignores drags from links unless told; a click still opens it)
    window.Sortable.create(list, {group: "rb-calendar", animation: 120, sort: false, forceFallback: true,
                                  ignore: "img", fallbackTolerance: 3,
                                  ghostClass: "rb-card-ghost", onAdd: moved});
  });
}());
