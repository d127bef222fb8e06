/* The board: drag a card to another column = an update of the record (POST move/ with the card's
   version); a refusal puts the card back where it was and shows the server's reason. "Load more"
   fetches a column's next page (cards/?column=&cursor=). Plain JS over SortableJS. */
(function () {
  "use strict";
  var board = document.querySelector(".rb-board");
  if (!board) { return; }
  var message = document.querySelector(".rb-board-message");
  var csrf = board.getAttribute("data-csrf");
  var readonly = board.getAttribute("data-readonly") === "true";

  // the cue of columns out of sight: a shadow on the edge they are beyond (views.css)
  var frame = board.parentElement;
  function edges() {
    var left = board.scrollLeft, hidden = board.scrollWidth - board.clientWidth;
    frame.classList.toggle("rb-board-more-left", left > 1);
    frame.classList.toggle("rb-board-more-right", hidden - left > 1);
  }
  board.addEventListener("scroll", edges, {passive: true});
  window.addEventListener("resize", edges);
  edges();

  function say(text) {
    message.textContent = text || "";
    message.classList.toggle("d-none", !text);
  }
  function countOf(column) {
    return column.closest(".rb-board-column").querySelector(".rb-board-count");
  }
  function bump(column, by) {
    var badge = countOf(column);
    badge.textContent = String(parseInt(badge.textContent, 10) + by);
  }
  function withParams(url, params) {
    var u = new URL(url, window.location.href);
    Object.keys(params).forEach(function (k) { u.searchParams.set(k, params[k]); });
    return u.toString();
  }

  function moved(evt) {
    var card = evt.item, from = evt.from, to = evt.to;
    if (from === to) { return; }
    var body = new URLSearchParams();
    body.set("id", card.getAttribute("data-id"));
    body.set("version", card.getAttribute("data-version"));
    body.set("column", to.getAttribute("data-column"));
    body.set("csrf_token", csrf);
    bump(from, -1); bump(to, 1);
    card.classList.add("rb-card-busy");
    fetch(board.getAttribute("data-move-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (resp) {
      return resp.json().catch(function () { return {error: {message: resp.statusText}}; })
        .then(function (data) { return {ok: resp.ok, data: data}; });
    }).then(function (r) {
      card.classList.remove("rb-card-busy");
      if (r.ok) {
        card.setAttribute("data-version", String(r.data.version));
        card.classList.remove("rb-card-refused");
        say("");
        return;
      }
      // refused: back to where it was, with the reason
      var ref = from.children[evt.oldIndex] || null;
      from.insertBefore(card, ref);
      bump(to, -1); bump(from, 1);
      card.classList.add("rb-card-refused");
      say((r.data.error && r.data.error.message) || "Refused");
    }).catch(function () {
      from.insertBefore(card, from.children[evt.oldIndex] || null);
      bump(to, -1); bump(from, 1);
      card.classList.remove("rb-card-busy");
    });
  }

  if (!readonly && window.Sortable) {
    board.querySelectorAll(".rb-board-cards").forEach(function (list) {
      window.Sortable.create(list, {group: "rb-board", animation: 120, ghostClass: "rb-card-ghost",
                                    sort: false, forceFallback: true, ignore: "img", fallbackTolerance: 3,
                                    onAdd: moved});
    });
  }

  function cardElement(card) {
    var el = document.createElement("article");
    el.className = "rb-card card";
    el.setAttribute("data-id", card.id);
    el.setAttribute("data-version", card.version);
    var bodyEl = document.createElement("div");
    bodyEl.className = "card-body";
    var a = document.createElement("a");
    a.className = "rb-card-title";
    a.draggable = false;  // (a native link drag would cancel the card's)
    a.href = withParams(board.getAttribute("data-details-url"), {id: card.id});
    a.textContent = card.title;
    bodyEl.appendChild(a);
    card.fields.forEach(function (f) {
      var row = document.createElement("div");
      row.className = "rb-card-field";
      var label = document.createElement("span");
      label.className = "rb-card-label";
      label.textContent = f[0];
      row.appendChild(label);
      row.insertAdjacentHTML("beforeend", " " + f[1]);  // escaped by the server (format_html)
      bodyEl.appendChild(row);
    });
    el.appendChild(bodyEl);
    return el;
  }

  board.addEventListener("click", function (e) {
    var btn = e.target.closest(".rb-board-more");
    if (!btn) { return; }
    var section = btn.closest(".rb-board-column");
    var list = section.querySelector(".rb-board-cards");
    btn.disabled = true;
    fetch(withParams(board.getAttribute("data-cards-url"),
                     {column: section.getAttribute("data-column"), cursor: btn.getAttribute("data-cursor")}),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (resp) { return resp.json(); })
      .then(function (data) {
        data.cards.forEach(function (c) { list.appendChild(cardElement(c)); });
        if (data.next_cursor) { btn.setAttribute("data-cursor", data.next_cursor); btn.disabled = false; }
        else { btn.remove(); }
      });
  });
}());
