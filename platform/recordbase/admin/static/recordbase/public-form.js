/* Public forms: a search box above each link field's list (select[data-rb-search]). Typing asks the
   page's own title search (/f/<token>/options/<field>?q=...) and offers what it finds; an empty box
   gives back the first options. Plain script, loaded from this site only (the page's CSP). */
(function () {
  'use strict';
  function setup(select) {
    var field = select.getAttribute('data-rb-search');
    var base = window.location.pathname.replace(/\/+$/, '');
    var original = Array.prototype.map.call(select.options, function (o) { return [o.value, o.text]; });
    var box = document.createElement('input');
    box.type = 'search';
    box.className = 'form-control form-control-sm mb-1 rb-link-search';
    box.placeholder = select.form.getAttribute('data-search-placeholder') || '';
    box.setAttribute('aria-label', box.placeholder);
    select.parentNode.insertBefore(box, select);
    function fill(pairs) {
      var keep = select.value;
      select.innerHTML = '';
      [['', '—']].concat(pairs.filter(function (p) { return p[0] !== ''; })).forEach(function (p) {
        var o = document.createElement('option');
        o.value = p[0]; o.textContent = p[1];
        if (p[0] === keep) { o.selected = true; }
        select.appendChild(o);
      });
      if (pairs.length === 1 && !keep) { select.value = pairs[0][0]; }
    }
    var timer = null, asked = 0;
    box.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (!q) { fill(original); return; }
        var mine = ++asked;
        fetch(base + '/options/' + encodeURIComponent(field) + '?q=' + encodeURIComponent(q),
              {credentials: 'same-origin'})
          .then(function (r) { return r.ok ? r.json() : {options: []}; })
          .then(function (data) {
            if (mine !== asked) { return; }
            fill((data.options || []).map(function (o) { return [o.value, o.label]; }));
          });
      }, 250);
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('select[data-rb-search]'), setup);
  });
}());
