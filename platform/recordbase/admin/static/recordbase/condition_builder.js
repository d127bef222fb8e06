/* The condition builder and evaluator: filter trees (design §4) built with pickers, evaluated live.
 *
 * RB.conditions.evaluate(tree, values) evaluates a tree over a record's values the way the server's
 * CompiledFilter.matches() does (the server stays the truth; this is for live feedback).
 * Every .rb-condition-builder (see admin/conditions/field.py) gets rows of field / operator (in words)
 * / value pickers kept in step with its JSON textarea, shown as "JSON (advanced)". A linked record is
 * found by typing (RB.linkPicker, the record forms' Tom Select picker, when the page has it).
 * Plain script, no build step, no dependency.
 */
(function () {
  'use strict';
  var RB = window.RB = window.RB || {};

  // -- evaluation ------------------------------------------------------------------------------
  function empty(v) { return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0); }
  function lower(v) { return String(v).toLowerCase(); }
  function same(a, b) {
    if (typeof a === 'number' || typeof b === 'number') { return Number(a) === Number(b); }
    return String(a) === String(b);
  }
  function cmp(a, b) {
    if (typeof b === 'number') { a = Number(a); }
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  function isoDay(d) {
    var m = d.getMonth() + 1, day = d.getDate();
    return d.getFullYear() + '-' + (m < 10 ? '0' : '') + m + '-' + (day < 10 ? '0' : '') + day;
  }
  function windowMatch(s, days, past) {
    if (empty(s)) { return false; }
    var now = new Date(), other = new Date(now.getTime() + (past ? -1 : 1) * days * 86400000);
    var lo = isoDay(past ? other : now), hi = isoDay(past ? now : other), day = String(s).slice(0, 10);
    return lo <= day && day <= hi;
  }
  function leaf(node, values) {
    var s = values[node.field], v = node.value, op = node.op;
    if (Array.isArray(s)) {  // multi select, many-link
      var items = s.map(String), has = function (x) { return items.indexOf(String(x)) >= 0; };
      switch (op) {
        case 'contains': return has(v);
        case 'not_contains': return !has(v);
        case 'in': return (v || []).some(has);
        case 'not_in': return !(v || []).some(has);
        case 'eq': return Array.isArray(v) ? (v.length === items.length && v.every(has)) : (items.length === 1 && has(v));
        case 'neq': return !(Array.isArray(v) ? (v.length === items.length && v.every(has)) : (items.length === 1 && has(v)));
        case 'is_empty': return items.length === 0;
        case 'is_not_empty': return items.length > 0;
      }
      s = items.length ? items[0] : null;
    }
    switch (op) {
      case 'eq': return typeof v === 'boolean' ? Boolean(s) === v : (!empty(s) && same(s, v));
      case 'neq': return empty(s) || !same(s, v);
      case 'lt': case 'before': return !empty(s) && cmp(s, v) < 0;
      case 'lte': return !empty(s) && cmp(s, v) <= 0;
      case 'gt': case 'after': return !empty(s) && cmp(s, v) > 0;
      case 'gte': return !empty(s) && cmp(s, v) >= 0;
      case 'contains': return !empty(s) && lower(s).indexOf(lower(v)) >= 0;
      case 'not_contains': return empty(s) || lower(s).indexOf(lower(v)) < 0;
      case 'starts_with': return !empty(s) && lower(s).indexOf(lower(v)) === 0;
      case 'in': return !empty(s) && (v || []).some(function (x) { return same(s, x); });
      case 'not_in': return empty(s) || !(v || []).some(function (x) { return same(s, x); });
      case 'is_empty': return empty(s);
      case 'is_not_empty': return !empty(s);
      case 'is_true': return Boolean(s);
      case 'is_false': return !s;
      case 'within_last_days': return windowMatch(s, v, true);
      case 'within_next_days': return windowMatch(s, v, false);
    }
    return false;
  }
  function evaluate(node, values) {
    if (!node || typeof node !== 'object') { return true; }
    if (Array.isArray(node.and)) { return node.and.every(function (c) { return evaluate(c, values); }); }
    if (Array.isArray(node.or)) { return node.or.some(function (c) { return evaluate(c, values); }); }
    if (node.not) { return !evaluate(node.not, values); }
    return leaf(node, values);
  }

  // -- the builder -------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function option(select, value, label, selected) {
    var o = el('option', {value: value}, label);
    if (selected) { o.selected = true; }
    select.appendChild(o);
  }
  /** The rows a tree shows as: {match: 'and'|'or', leaves: [...]}, or null when it is nested. */
  function flat(tree) {
    if (!tree) { return {match: 'and', leaves: []}; }
    if (tree.field) { return {match: 'and', leaves: [tree]}; }
    var key = Array.isArray(tree.and) ? 'and' : (Array.isArray(tree.or) ? 'or' : null);
    if (!key || !tree[key].every(function (c) { return c && c.field; })) { return null; }
    return {match: key, leaves: tree[key]};
  }

  /** Whether the record forms' link picker (Tom Select over the link's search URL) is on the page. */
  function linkPickers() { return typeof window.TomSelect !== 'undefined' && !!(RB.linkPicker); }
  /** A select searching the link's target by title as one types (any number of records); the values
   *  already chosen are its options, by title (``titles``: {target: {id: title}} from the server). */
  function linkSelect(f, value, many, titles) {
    var select = el('select', {'class': 'form-control form-control-sm rb-link-picker', 'data-rb-picker': f.picker});
    if (many) { select.multiple = true; }
    var known = (titles || {})[f.target] || {};
    [].concat(value === undefined || value === null ? [] : value).forEach(function (id) {
      option(select, String(id), known[String(id)] || '#' + id, true);
    });
    return select;
  }

  function Builder(box) {
    this.box = box;
    this.text = box.querySelector('textarea');
    this.catalog = JSON.parse(box.getAttribute('data-catalog'));
    this.words = JSON.parse(box.getAttribute('data-words'));
    this.byName = {};
    var self = this;
    this.catalog.fields.forEach(function (f) { self.byName[f.name] = f; });
    this.ui = el('div', {'class': 'rb-cb-ui'});
    this.head = el('div', {'class': 'form-inline mb-1 rb-cb-head'});
    this.head.appendChild(el('span', {'class': 'mr-2'}, this.words.match));
    this.match = el('select', {'class': 'form-control form-control-sm rb-cb-match', 'aria-label': this.words.match});
    option(this.match, 'and', this.words.all);
    option(this.match, 'or', this.words.any);
    this.head.appendChild(this.match);
    this.rows = el('div', {'class': 'rb-cb-rows'});
    this.note = el('div', {'class': 'small text-muted rb-cb-note'});
    var add = el('button', {type: 'button', 'class': 'btn btn-sm btn-outline-secondary rb-cb-add'}, '+ ' + this.words.add);
    var toggle = el('button', {type: 'button', 'class': 'btn btn-sm btn-link rb-cb-advanced'}, this.words.advanced);
    var bar = el('div', {'class': 'mt-1'});
    bar.appendChild(add);
    bar.appendChild(toggle);
    this.ui.appendChild(this.head);
    this.ui.appendChild(this.rows);
    this.ui.appendChild(this.note);
    this.ui.appendChild(bar);
    box.insertBefore(this.ui, this.text);
    this.text.style.display = 'none';
    add.addEventListener('click', function () { self.addRow({}); self.write(); });
    toggle.addEventListener('click', function () {
      self.text.style.display = self.text.style.display === 'none' ? '' : 'none';
    });
    this.match.addEventListener('change', function () { self.write(); });
    this.text.addEventListener('input', function () { self.read(true); });
    this.read(false);
  }

  Builder.prototype.read = function (typed) {
    var raw = this.text.value.trim(), tree = null;
    if (raw) {
      try { tree = JSON.parse(raw); } catch (e) { if (typed) { this.note.textContent = this.words.bad_json; } return; }
    }
    var rows = flat(tree);
    this.note.textContent = '';
    this.rows.innerHTML = '';
    if (rows === null) {  // nested groups: the JSON is the editor
      this.note.textContent = this.words.nested;
      this.text.style.display = '';
      this.head.style.display = 'none';
      return;
    }
    this.head.style.display = '';
    this.match.value = rows.match;
    var self = this;
    rows.leaves.forEach(function (leaf) { self.addRow(leaf); });
  };

  Builder.prototype.write = function () {
    var leaves = [];
    Array.prototype.forEach.call(this.rows.children, function (row) {
      var leaf = row.rbLeaf();
      if (leaf) { leaves.push(leaf); }
    });
    var tree = leaves.length === 0 ? null : (leaves.length === 1 ? leaves[0] : {});
    if (leaves.length > 1) { tree[this.match.value] = leaves; }
    this.text.value = tree ? JSON.stringify(tree) : '';
    this.text.dispatchEvent(new Event('change', {bubbles: true}));
  };

  Builder.prototype.addRow = function (leaf) {
    var self = this, row = el('div', {'class': 'mb-1 rb-cb-row'});  // (laid out by admin.css)
    var fieldSel = el('select', {'class': 'form-control form-control-sm rb-cb-field', 'aria-label': this.words.field || 'field'});
    option(fieldSel, '', this.words.choose);
    this.catalog.fields.forEach(function (f) { option(fieldSel, f.name, f.label, f.name === leaf.field); });
    if (leaf.field && !this.byName[leaf.field]) { option(fieldSel, leaf.field, leaf.field, true); }
    var opSel = el('select', {'class': 'form-control form-control-sm rb-cb-op', 'aria-label': this.words.operator || 'operator'});
    var valueBox = el('div', {'class': 'rb-cb-value'});
    var remove = el('button', {type: 'button', 'class': 'btn btn-sm btn-link text-danger rb-cb-remove',
                               title: this.words.remove, 'aria-label': this.words.remove}, '✕');
    row.appendChild(fieldSel);
    row.appendChild(opSel);
    row.appendChild(valueBox);
    row.appendChild(remove);
    this.rows.appendChild(row);
    var input = null;

    function fillOps(selected) {
      opSel.innerHTML = '';
      var f = self.byName[fieldSel.value];
      (f ? f.ops : []).forEach(function (op) {
        option(opSel, op, (self.catalog.ops[op] || {}).label || op, op === selected);
      });
    }
    function fillValue(value) {
      valueBox.innerHTML = '';
      input = null;
      var f = self.byName[fieldSel.value], op = opSel.value, arity = (self.catalog.ops[op] || {}).arity;
      if (!f || !arity || arity === 'none') { return; }
      var many = arity === 'list' || (f.many && op === 'eq');
      if (arity === 'days') {
        input = el('input', {type: 'number', min: '0', step: '1', 'class': 'form-control form-control-sm'});
        input.value = value === undefined || value === null ? '' : value;
        input.rbKind = 'int';
      } else if (f.input === 'boolean') {
        input = el('select', {'class': 'form-control form-control-sm'});
        option(input, 'true', self.words.yes, value !== false);
        option(input, 'false', self.words.no, value === false);
        input.rbKind = 'bool';
      } else if (f.input === 'link' && f.picker && linkPickers()) {
        input = linkSelect(f, value, many, self.catalog.titles);
        input.rbKind = 'int';
      } else if (f.choices) {
        input = el('select', {'class': 'form-control form-control-sm'});
        if (many) { input.multiple = true; }
        var chosen = [].concat(value === undefined || value === null ? [] : value).map(String);
        f.choices.forEach(function (c) { option(input, c[0], c[1], chosen.indexOf(String(c[0])) >= 0); });
        chosen.forEach(function (c) {  // a value no longer offered stays visible
          if (!f.choices.some(function (x) { return String(x[0]) === c; })) { option(input, c, c, true); }
        });
        input.rbKind = f.input === 'link' ? 'int' : 'text';
      } else {
        var type = {number: 'number', date: 'date', datetime: 'datetime-local', link: 'number'}[f.input] || 'text';
        input = el('input', {type: many ? 'text' : type, 'class': 'form-control form-control-sm', step: 'any'});
        input.value = value === undefined || value === null ? '' : (Array.isArray(value) ? value.join(', ') : value);
        input.rbKind = f.input === 'number' ? 'number' : (f.input === 'link' ? 'int' : 'text');
        input.rbSplit = many;
      }
      input.setAttribute('aria-label', self.words.value || 'value');
      input.addEventListener('change', function () { self.write(); });
      input.addEventListener('input', function () { self.write(); });
      valueBox.appendChild(input);
      if (input.getAttribute('data-rb-picker')) { RB.linkPicker(input); }
    }
    function convert(v, kind) {
      if (kind === 'int') { return parseInt(v, 10); }
      if (kind === 'number') { return Number(v); }
      if (kind === 'bool') { return v === 'true'; }
      return v;
    }
    row.rbLeaf = function () {
      if (!fieldSel.value || !opSel.value) { return null; }
      var leaf = {field: fieldSel.value, op: opSel.value};
      if (!input) { return leaf; }
      var kind = input.rbKind, value;
      if (input.multiple) {
        value = Array.prototype.filter.call(input.options, function (o) { return o.selected; })
          .map(function (o) { return convert(o.value, kind); });
      } else if (input.rbSplit) {
        value = input.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean)
          .map(function (s) { return convert(s, kind); });
      } else if (input.value === '') {
        value = null;
      } else {
        value = convert(input.value, kind);
      }
      leaf.value = value;
      return leaf;
    };
    fieldSel.addEventListener('change', function () { fillOps(); fillValue(); self.write(); });
    opSel.addEventListener('change', function () {
      var keep = row.rbLeaf();
      fillValue(keep ? keep.value : undefined);
      self.write();
    });
    remove.addEventListener('click', function () { self.rows.removeChild(row); self.write(); });
    fillOps(leaf.op);
    fillValue(leaf.value);
  };

  RB.conditions = {evaluate: evaluate, Builder: Builder, linkSelect: linkSelect, linkPickers: linkPickers};

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('.rb-condition-builder'), function (box) {
      if (!box.rbBuilder) { box.rbBuilder = new Builder(box); }
    });
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
