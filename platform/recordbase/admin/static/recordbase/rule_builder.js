/* The automation rule builder: the trigger's own inputs only, and the actions as ordered rows.
 *
 * Trigger: every element with data-on="trigger ..." shows only for those triggers (and data-every
 * for the schedule's daily / weekly / monthly / cron). Actions: rows built from the registered actions'
 * inputs (admin/conditions/actions.py), written to the actions_json textarea on every change and
 * read back from it (the textarea is the "JSON (advanced)" view of the same list). A field value is a
 * literal typed as the field wants, or a formula ({"formula": "..."}) with its switch. "Start a transition"
 * offers the workflow's transitions; the server's problems with an action show beside its row.
 */
(function () {
  'use strict';
  var RB = window.RB = window.RB || {};
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

  // -- trigger ------------------------------------------------------------------------------------
  function showTrigger(form) {
    var on = form.querySelector('[name="on"]'), every = form.querySelector('[name="schedule_every"]');
    if (!on) { return; }
    Array.prototype.forEach.call(form.querySelectorAll('[data-on]'), function (box) {
      var shown = box.getAttribute('data-on').split(' ').indexOf(on.value) >= 0;
      var want = box.getAttribute('data-every');
      if (shown && want) { shown = !!every && want.split(' ').indexOf(every.value) >= 0; }
      box.style.display = shown ? '' : 'none';
    });
  }

  // -- actions -----------------------------------------------------------------------------------
  function ActionsBuilder(box) {
    var self = this;
    this.box = box;
    this.text = box.querySelector('textarea');
    this.catalog = JSON.parse(box.getAttribute('data-actions'));
    this.types = JSON.parse(box.getAttribute('data-types'));
    this.ruleType = box.getAttribute('data-rule-type');
    this.words = JSON.parse(box.getAttribute('data-words'));
    this.titles = JSON.parse(box.getAttribute('data-titles') || '{}');
    this.list = el('div', {'class': 'rb-ab-list'});
    var bar = el('div', {'class': 'form-inline mt-1'});
    this.adder = el('select', {'class': 'form-control form-control-sm mr-2 rb-ab-new', 'aria-label': this.words.add});
    option(this.adder, '', this.words.add);
    Object.keys(this.catalog).forEach(function (name) { option(self.adder, name, self.catalog[name].label); });
    var toggle = el('button', {type: 'button', 'class': 'btn btn-sm btn-link rb-ab-advanced'}, this.words.advanced);
    bar.appendChild(this.adder);
    bar.appendChild(toggle);
    box.insertBefore(this.list, this.text);
    box.insertBefore(bar, this.text);
    this.text.style.display = 'none';
    this.adder.addEventListener('change', function () {
      if (self.adder.value) { self.addRow({do: self.adder.value}); self.adder.value = ''; self.write(); }
    });
    toggle.addEventListener('click', function () {
      self.text.style.display = self.text.style.display === 'none' ? '' : 'none';
    });
    this.text.addEventListener('input', function () { self.read(); });
    this.read();
    this.showErrors(JSON.parse(box.getAttribute('data-errors') || '[]'));
  }

  ActionsBuilder.prototype.fieldsOf = function (typeName) {
    var t = this.types[typeName];
    return t ? t.fields : [];
  };

  ActionsBuilder.prototype.read = function () {
    var actions;
    try { actions = JSON.parse(this.text.value || '[]'); } catch (e) { return; }
    if (!Array.isArray(actions)) { return; }
    this.list.innerHTML = '';
    var self = this;
    actions.forEach(function (a) { self.addRow(a && typeof a === 'object' ? a : {}); });
  };

  ActionsBuilder.prototype.write = function () {
    var out = [];
    Array.prototype.forEach.call(this.list.children, function (row) { out.push(row.rbAction()); });
    this.text.value = JSON.stringify(out, null, 2);
  };

  ActionsBuilder.prototype.addRow = function (action) {
    var self = this, spec = this.catalog[action.do];
    var row = el('div', {'class': 'card mb-2 rb-ab-row'}), body = el('div', {'class': 'card-body p-2'});
    var head = el('div', {'class': 'd-flex align-items-center mb-1'});
    var title = el('strong', {'class': 'mr-auto rb-ab-title'}, (this.list.children.length + 1) + '. ' + (spec ? spec.label : action.do));
    head.appendChild(title);
    [['up', '↑'], ['down', '↓'], ['remove', '✕']].forEach(function (b) {
      var btn = el('button', {type: 'button', 'class': 'btn btn-sm btn-link rb-ab-' + b[0], title: self.words[b[0]],
                              'aria-label': self.words[b[0]]}, b[1]);
      btn.addEventListener('click', function () {
        if (b[0] === 'remove') { self.list.removeChild(row); }
        if (b[0] === 'up' && row.previousSibling) { self.list.insertBefore(row, row.previousSibling); }
        if (b[0] === 'down' && row.nextSibling) { self.list.insertBefore(row.nextSibling, row); }
        self.renumber();
        self.write();
      });
      head.appendChild(btn);
    });
    body.appendChild(head);
    row.appendChild(body);
    this.list.appendChild(row);
    var getters = {};
    var kept = {};  // what the builder has no input for (has_secret ...) goes back as it came
    Object.keys(action).forEach(function (k) { kept[k] = action[k]; });
    (spec ? spec.inputs : []).forEach(function (input) {
      delete kept[input.name];
      var group = el('div', {'class': 'form-group mb-1 rb-ab-input', 'data-input': input.name});
      group.appendChild(el('label', {'class': 'small mb-0'}, input.label + (input.required ? ' *' : '')));
      body.appendChild(group);
      getters[input.name] = self.input(group, input, action, action[input.name], getters);
    });
    row.rbAction = function () {
      var out = {};
      Object.keys(kept).forEach(function (k) { out[k] = kept[k]; });
      Object.keys(getters).forEach(function (k) {
        var v = getters[k]();
        if (v !== undefined) { out[k] = v; } else { delete out[k]; }
      });
      out.do = action.do;
      return out;
    };
    row.addEventListener('change', function (event) {
      Object.keys(getters).forEach(function (k) {
        if (getters[k].refresh && !(event.target.classList && event.target.classList.contains('rb-ab-transition'))) {
          getters[k].refresh();
        }
      });
      self.write();
    });
    row.addEventListener('input', function () { self.write(); });
  };

  ActionsBuilder.prototype.renumber = function () {
    Array.prototype.forEach.call(this.list.children, function (row, i) {
      var t = row.querySelector('.rb-ab-title');
      t.textContent = (i + 1) + '. ' + t.textContent.replace(/^\d+\. /, '');
    });
  };

  ActionsBuilder.prototype.fieldSelect = function (fields, value, filter) {
    var sel = el('select', {'class': 'form-control form-control-sm'});
    option(sel, '', '—');
    fields.filter(filter || function () { return true; }).forEach(function (f) { option(sel, f.name, f.label, f.name === value); });
    if (value && !fields.some(function (f) { return f.name === value; })) { option(sel, value, value, true); }
    return sel;
  };

  ActionsBuilder.prototype.input = function (group, input, action, value, getters) {
    var self = this, w;
    if (input.kind === 'values') { return this.valuesInput(group, action, value || {}, getters); }
    if (input.kind === 'type') {
      w = el('select', {'class': 'form-control form-control-sm'});
      option(w, '', '—');
      Object.keys(this.types).forEach(function (t) { option(w, t, self.types[t].label, t === value); });
    } else if (input.kind === 'field') {
      var source = this.ruleType;
      if (input.name === 'link_back' && getters.type) { source = getters.type() || ''; }
      var filter = {link: function (f) { return f.input === 'link'; },
                    user_field: function (f) { return f.input === 'user'; },
                    field: function (f) { return f.input === 'user'; },
                    link_back: function (f) { return f.input === 'link'; }}[input.name];
      w = this.fieldSelect(this.fieldsOf(source), value, filter);
    } else if (input.kind === 'transition') {
      return this.transitionInput(group, value, getters);
    } else if (input.kind === 'boolean') {
      w = el('input', {type: 'checkbox'});
      w.checked = value === true;
      group.appendChild(w);
      return function () { return w.checked ? true : undefined; };
    } else if (input.kind === 'choice') {
      w = el('select', {'class': 'form-control form-control-sm'});
      option(w, '', '—');
      input.choices.forEach(function (c) { option(w, c[0], c[1], c[0] === value); });
    } else if (input.kind === 'long_text') {
      w = el('textarea', {'class': 'form-control form-control-sm', rows: '2'});
      w.value = value || '';
    } else {
      var type = {number: 'number', secret: 'password'}[input.kind] || 'text';
      w = el('input', {type: type, 'class': 'form-control form-control-sm', step: 'any'});
      if (input.kind === 'secret') {
        w.placeholder = action.has_secret ? this.words.secret_kept : '';
        w.autocomplete = 'new-password';
      } else {
        w.value = value === undefined || value === null ? '' : (Array.isArray(value) ? value.join(', ') : value);
      }
    }
    group.appendChild(w);
    return function () {
      var v = w.value;
      if (v === '') { return undefined; }
      if (input.kind === 'number') { return Number(v); }
      if (input.kind === 'list') { return v.split(',').map(function (s) { return s.trim(); }).filter(Boolean); }
      return v;
    };
  };

  /** The workflow's transitions (labels in the page's language) of the rule's type, or of the type the
   *  action's link reaches; filled again when the link changes (getter.refresh). */
  ActionsBuilder.prototype.transitionInput = function (group, value, getters) {
    var self = this, w = el('select', {'class': 'form-control form-control-sm rb-ab-transition'});
    var note = el('small', {'class': 'form-text text-muted rb-ab-no-workflow'});
    group.appendChild(w);
    group.appendChild(note);
    function target() {
      var link = getters.link ? getters.link() : '';
      if (!link) { return self.ruleType; }
      var f = self.fieldsOf(self.ruleType).filter(function (x) { return x.name === link; })[0];
      return f && f.target ? f.target : '';
    }
    function fill() {
      var current = w.value || value || '', t = self.types[target()] || {}, choices = t.transitions || [];
      w.innerHTML = '';
      option(w, '', self.words.choose_transition);
      choices.forEach(function (c) { option(w, c[0], c[1], c[0] === current); });
      if (current && !choices.some(function (c) { return c[0] === current; })) { option(w, current, current, true); }
      note.textContent = choices.length ? '' : self.words.no_workflow;
    }
    fill();
    var getter = function () { return w.value === '' ? undefined : w.value; };
    getter.refresh = fill;
    return getter;
  };

  /** The server's problems with an action (``$.actions[2].transition``) beside its row and input. */
  ActionsBuilder.prototype.showErrors = function (errors) {
    var rows = this.list.children;
    (errors || []).forEach(function (e) {
      var m = /^\$\.actions\[(\d+)\](?:\.(\w+))?/.exec(e.path || '');
      var row = m ? rows[parseInt(m[1], 10)] : null;
      if (!row) { return; }
      var group = (m[2] && row.querySelector('[data-input="' + m[2] + '"]')) || row.querySelector('.card-body');
      var control = group.querySelector('select, input, textarea');
      if (control) { control.classList.add('is-invalid'); }
      group.appendChild(el('div', {'class': 'invalid-feedback d-block rb-ab-error'}, e.message));
    });
  };

  ActionsBuilder.prototype.valuesInput = function (group, action, values, getters) {
    var self = this, rows = el('div', {'class': 'rb-ab-values'});
    var add = el('button', {type: 'button', 'class': 'btn btn-sm btn-outline-secondary rb-ab-add-value'}, '+ ' + this.words.add_value);
    group.appendChild(rows);
    group.appendChild(add);
    function targetFields() {
      if (action.do === 'create_record' && getters.type) { return self.fieldsOf(getters.type()); }
      if (action.do === 'update_linked' && getters.link) {
        var link = self.fieldsOf(self.ruleType).filter(function (f) { return f.name === getters.link(); })[0];
        return link && link.target ? self.fieldsOf(link.target) : [];
      }
      return self.fieldsOf(self.ruleType);
    }
    function addValue(name, value) {
      var line = el('div', {'class': 'form-row mb-1 rb-ab-value'});
      var fieldSel = self.fieldSelect(targetFields(), name, function (f) { return !f.computed; });
      fieldSel.className += ' col-md-4';
      var box = el('div', {'class': 'col-md-5'}), input = null;
      var isFormula = value && typeof value === 'object' && !Array.isArray(value) && 'formula' in value;
      var switchBox = el('label', {'class': 'col-md-2 small mb-0'}), formula = el('input', {type: 'checkbox', 'class': 'rb-ab-formula'});
      formula.checked = isFormula;
      switchBox.appendChild(formula);
      switchBox.appendChild(document.createTextNode(' ' + self.words.formula));
      var remove = el('button', {type: 'button', 'class': 'btn btn-sm btn-link text-danger'}, '✕');
      function draw(v) {
        box.innerHTML = '';
        var f = targetFields().filter(function (x) { return x.name === fieldSel.value; })[0];
        if (formula.checked) {
          input = el('input', {type: 'text', 'class': 'form-control form-control-sm text-monospace', placeholder: '{field} & "…"'});
          input.value = v && v.formula !== undefined ? v.formula : '';
          input.rbKind = 'formula';
        } else if (f && f.input === 'boolean') {
          input = el('select', {'class': 'form-control form-control-sm'});
          option(input, 'true', self.words.yes, v !== false);
          option(input, 'false', self.words.no, v === false);
          input.rbKind = 'bool';
        } else if (f && f.input === 'link' && f.picker && RB.conditions && RB.conditions.linkPickers()) {
          input = RB.conditions.linkSelect(f, v, f.many, self.titles);
          input.rbKind = 'int';
        } else if (f && f.choices) {
          input = el('select', {'class': 'form-control form-control-sm'});
          if (f.many) { input.multiple = true; }
          var chosen = [].concat(v === undefined || v === null ? [] : v).map(String);
          option(input, '', '—');
          f.choices.forEach(function (c) { option(input, c[0], c[1], chosen.indexOf(String(c[0])) >= 0); });
          input.rbKind = f.input === 'link' ? 'int' : 'text';
        } else {
          var type = f ? ({number: 'number', date: 'date', datetime: 'datetime-local', link: 'number'}[f.input] || 'text') : 'text';
          input = el('input', {type: type, 'class': 'form-control form-control-sm', step: 'any'});
          input.value = v === undefined || v === null || typeof v === 'object' ? '' : v;
          input.rbKind = f && f.input === 'number' ? 'number' : (f && f.input === 'link' ? 'int' : 'text');
        }
        box.appendChild(input);
        if (input.getAttribute('data-rb-picker')) { RB.linkPicker(input); }
      }
      line.rbValue = function () {
        if (!fieldSel.value || !input) { return undefined; }
        if (input.rbKind === 'formula') { return {formula: input.value}; }
        if (input.multiple) {
          return Array.prototype.filter.call(input.options, function (o) { return o.selected && o.value; })
            .map(function (o) { return input.rbKind === 'int' ? parseInt(o.value, 10) : o.value; });
        }
        var v = input.value;
        if (v === '') { return null; }
        if (input.rbKind === 'bool') { return v === 'true'; }
        if (input.rbKind === 'number') { return Number(v); }
        if (input.rbKind === 'int') { return parseInt(v, 10); }
        return v;
      };
      line.rbField = function () { return fieldSel.value; };
      fieldSel.addEventListener('change', function () { draw(); });
      formula.addEventListener('change', function () { draw(); });
      remove.addEventListener('click', function () { rows.removeChild(line); self.write(); });
      line.appendChild(fieldSel);
      line.appendChild(box);
      line.appendChild(switchBox);
      line.appendChild(remove);
      rows.appendChild(line);
      draw(value);
    }
    Object.keys(values).forEach(function (k) { addValue(k, values[k]); });
    add.addEventListener('click', function () { addValue('', undefined); });
    return function () {
      var out = {}, any = false;
      Array.prototype.forEach.call(rows.children, function (line) {
        var name = line.rbField();
        if (name) { out[name] = line.rbValue(); any = true; }
      });
      return any ? out : undefined;
    };
  };

  function init() {
    var form = document.querySelector('form.rb-rule-form');
    if (!form) { return; }
    ['on', 'schedule_every'].forEach(function (name) {
      var sel = form.querySelector('[name="' + name + '"]');
      if (sel) { sel.addEventListener('change', function () { showTrigger(form); }); }
    });
    showTrigger(form);
    var box = form.querySelector('.rb-actions-builder');
    if (box && !box.rbBuilder) { box.rbBuilder = new ActionsBuilder(box); }
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
