// pathway print helper: plotly draws charts at the screen width, so before printing each
// chart is redrawn at the A4 text width (186 mm = 703 CSS px), and after printing at the
// width of its container again. Needs no network; the page's CSP allows it by its hash.
(function () {
  var A4_TEXT_WIDTH_PX = 700;
  function charts() { return window.Plotly ? document.querySelectorAll('.js-plotly-plot') : []; }
  window.addEventListener('beforeprint', function () {
    charts().forEach(function (d) { window.Plotly.relayout(d, {width: A4_TEXT_WIDTH_PX}); });
  });
  window.addEventListener('afterprint', function () {
    charts().forEach(function (d) { window.Plotly.relayout(d, {width: null, autosize: true}); });
  });
})();
