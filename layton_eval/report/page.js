
(function () {
  function apply(box) {
    var cat = box.querySelector('select.cat-filter').value;
    var dis = box.querySelector('input.disagree-filter').checked;
    var rows = box.querySelectorAll('tbody tr'), shown = 0;
    rows.forEach(function (row) {
      var ok = (!cat || row.dataset.category === cat) && (!dis || row.dataset.disagree === '1');
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    box.querySelector('.shown-count').textContent = shown + ' of ' + rows.length + ' riddles';
  }
  document.querySelectorAll('.riddle-box').forEach(function (box) {
    box.querySelectorAll('select, input').forEach(function (el) {
      el.addEventListener('change', function () { apply(box); });
    });
    apply(box);
  });
})();
