/* Live conditional fields in a record form: shows, hides, requires and locks fields as the user types.
 *
 * Reads the JSON of #rb-form-conditions (admin/conditions/record_form.py): the field conditions, the
 * values of fields the form has no input for, the field types, and (on a public form, whose inputs
 * are named f_<field>: publicforms/conditions.py) each field's input name. The trees are evaluated by
 * RB.conditions.evaluate (condition_builder.js) over the form's current values. The server enforces
 * the same conditions on save: this is feedback, never the rule.
 */
(function () {
  'use strict';
  var data = document.getElementById('rb-form-conditions');
  if (!data || !window.RB || !RB.conditions) { return; }
  var spec = JSON.parse(data.textContent);
  var form = document.querySelector('form.admin-form') || document.querySelector('form');
  if (!form) { return; }
  var NUMBER = ['number', 'decimal', 'currency', 'percent', 'rating', 'duration'];

  var names = spec.inputs || {};
  function inputs(name) { return form.querySelectorAll('[name="' + (names[name] || name) + '"]'); }
  function valueOf(name) {
    var els = inputs(name), type = spec.types[name];
    if (!els.length) { return spec.values[name]; }
    var first = els[0];
    if (first.type === 'checkbox' && els.length === 1) { return first.checked; }
    if (first.tagName === 'SELECT' && first.multiple) {
      return Array.prototype.filter.call(first.options, function (o) { return o.selected && o.value !== ''; })
        .map(function (o) { return type === 'link' ? parseInt(o.value, 10) : o.value; });
    }
    var v = first.value;
    if (v === '' || v === '__None') { return null; }
    if (NUMBER.indexOf(type) >= 0) { return Number(v); }
    if (type === 'link') { return parseInt(v, 10); }
    return v;
  }
  function values() {
    var out = {};
    Object.keys(spec.types).forEach(function (name) { out[name] = valueOf(name); });
    return out;
  }
  function group(name) {
    var el = inputs(name)[0];
    return el ? (el.closest('.form-group') || el.parentNode) : null;
  }
  function apply() {
    var current = values();
    Object.keys(spec.conditions).forEach(function (name) {
      var c = spec.conditions[name], box = group(name);
      if (!box) { return; }
      var shown = c.show_when ? RB.conditions.evaluate(c.show_when, current) : true;
      var required = shown && !!c.required_when && RB.conditions.evaluate(c.required_when, current);
      var locked = !!c.readonly_when && RB.conditions.evaluate(c.readonly_when, current);
      box.style.display = shown ? '' : 'none';
      box.classList.toggle('rb-cond-hidden', !shown);
      box.classList.toggle('rb-cond-required', required);
      Array.prototype.forEach.call(inputs(name), function (el) {
        if (c.required_when) { el.required = required; }
        if (c.readonly_when) {
          if (el.tagName === 'SELECT' || el.type === 'checkbox') {
            el.classList.toggle('rb-cond-locked', locked);  // (disabled would not post the value)
            el.style.pointerEvents = locked ? 'none' : '';
            el.tabIndex = locked ? -1 : 0;
          } else {
            el.readOnly = locked;
          }
        }
      });
      var label = box.querySelector('label');
      if (label && c.required_when) {
        var star = label.querySelector('.rb-cond-star');
        if (required && !star) {
          star = document.createElement('strong');
          star.className = 'text-danger rb-cond-star';
          star.textContent = ' *';
          label.appendChild(star);
        } else if (!required && star) {
          label.removeChild(star);
        }
      }
    });
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  apply();
})();
