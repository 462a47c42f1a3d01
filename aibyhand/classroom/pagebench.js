/* aibyhand bench (pagebench.py) puts this into the page before it loads. For each typed
   key: from its keydown to the first task after the next frame (the verdict painted), and
   the part of it the page's script spends marking; when the page is ready to mark. With
   #floor in the address the page's own script never sees a key (the browser's work alone).
   The figures are left as JSON in the html element's data-bench attribute. */
(function () {
  "use strict";
  var got = {keys: [], script: [], ready: null, boxes: 0}, start = 0, busy = 0;
  var floor = location.hash === "#floor";
  function leave() { document.documentElement.setAttribute("data-bench", JSON.stringify(got)); }
  function painted() {
    var t0 = start;
    requestAnimationFrame(function () {
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { got.keys.push(performance.now() - t0); leave(); };
      channel.port2.postMessage(0);
    });
  }
  document.addEventListener("keydown", function (e) { start = e.timeStamp; }, true);
  window.addEventListener("input", function (e) {
    busy = performance.now();
    if (floor) { e.stopPropagation(); got.script.push(0); painted(); }
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("input", function () {
      got.script.push(performance.now() - busy);
      painted();
    });
  });
  window.addEventListener("load", function () {
    var mark = performance.getEntriesByName("aibyhand:ready")[0];
    got.ready = mark ? mark.startTime : null;
    got.boxes = document.querySelectorAll("input[data-step]").length;
    leave();
  });
})();
