// nixsec HTML report: filters, sortable tables, copy buttons. Inline (the page's CSP admits it
// by its hash); the page is complete without it.
(function () {
  'use strict';
  var doc = document;

  // Filters: every fieldset[data-facet] of a form.filters holds checkboxes; a row of the table
  // the form names is shown when, for every facet, the checkbox of its data-<facet> value is
  // checked.
  Array.prototype.forEach.call(doc.querySelectorAll('form.filters'), function (form) {
    var table = doc.getElementById(form.getAttribute('data-table'));
    if (!table) { return; }
    var shown = doc.getElementById(form.getAttribute('data-table') + '-shown');
    var rows = table.tBodies[0].rows;
    function apply() {
      var facets = form.querySelectorAll('fieldset[data-facet]');
      var wanted = [];
      Array.prototype.forEach.call(facets, function (fs) {
        var on = {};
        Array.prototype.forEach.call(fs.querySelectorAll('input[type=checkbox]'), function (c) {
          if (c.checked) { on[c.value] = true; }
        });
        wanted.push([fs.getAttribute('data-facet'), on]);
      });
      var n = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var ok = true;
        for (var j = 0; j < wanted.length && ok; j++) {
          ok = wanted[j][1][row.getAttribute('data-' + wanted[j][0])] === true;
        }
        row.hidden = !ok;
        if (ok) { n++; }
      }
      if (shown) { shown.textContent = 'Showing ' + n + ' of ' + rows.length; }
    }
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    form.hidden = false;
    apply();
  });

  // Sortable tables: th > button[data-sort] sorts the rows by that column, on each cell's
  // data-key (a number when data-sort is "num") or its text.
  Array.prototype.forEach.call(doc.querySelectorAll('th button[data-sort]'), function (b) {
    b.addEventListener('click', function () {
      var th = b.parentNode;
      var table = th.closest('table');
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var num = b.getAttribute('data-sort') === 'num';
      var desc = b.getAttribute('aria-sort') !== 'descending';
      Array.prototype.forEach.call(table.querySelectorAll('th button[data-sort]'), function (o) {
        o.removeAttribute('aria-sort');
      });
      b.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      var body = table.tBodies[0];
      var list = Array.prototype.slice.call(body.rows);
      function key(r) {
        var c = r.cells[col];
        if (!c) { return num ? -Infinity : ''; }
        var k = c.hasAttribute('data-key') ? c.getAttribute('data-key') : c.textContent;
        if (num) { var x = parseFloat(k); return isNaN(x) ? -Infinity : x; }
        return k;
      }
      list.sort(function (x, y) {
        var a = key(x), z = key(y);
        var c = num ? a - z : String(a).localeCompare(String(z));
        if (c === 0) { return Number(x.getAttribute('data-order')) - Number(y.getAttribute('data-order')); }
        return desc ? -c : c;
      });
      list.forEach(function (r) { body.appendChild(r); });
    });
    b.hidden = false;
  });

  // Copy buttons: copy the text of the element named by data-target.
  Array.prototype.forEach.call(doc.querySelectorAll('button.copy'), function (b) {
    b.addEventListener('click', function () {
      var src = doc.getElementById(b.getAttribute('data-target'));
      if (!src) { return; }
      var text = src.textContent;
      function done() { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); }
      function fallback() {
        var range = doc.createRange();
        range.selectNodeContents(src);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { if (doc.execCommand('copy')) { done(); } } catch (e) { /* the text stays selected */ }
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
    b.hidden = false;
  });

  // Printing shows every detail.
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(doc.querySelectorAll('details'), function (d) { d.open = true; });
  });
}());
