// The counting page: a USB reader (or the camera) scans one item after another into the box,
// which never loses the focus. Each code is taken out of the box at once (so the next scan
// can be typed while this one is on its way), sent with htmx in the order scanned, and the
// answer replaces the totals and the last scans; then the colour and the sound say how it went.
// Without JavaScript the form posts and the whole page comes back, which works too.
(function () {
  "use strict";

  var queue = Promise.resolve();

  function answer(ok) {
    if (window.esnScan) {
      window.esnScan.flash(ok);
      window.esnScan.beep(ok);
    }
  }

  function outcome() {
    var body = document.querySelector("#stocktake-live [data-scan-outcome]");
    return body ? body.getAttribute("data-scan-outcome") : "";
  }

  function send(form, code) {
    var live = document.getElementById("stocktake-live");
    var values = { code: code };
    var token = form.querySelector("input[type=hidden]");
    if (token) { values[token.name] = token.value; }
    var before = live.querySelector("[data-scan-outcome]");
    if (before) { before.setAttribute("data-scan-outcome", "pending"); }
    return window.htmx.ajax("POST", form.getAttribute("data-stocktake-scan"), {
      source: live, target: "#stocktake-live", swap: "innerHTML", values: values
    }).then(function () {
      // Still "pending": the answer never came (network down, server error).
      answer(outcome() === "ok");
    }, function () { answer(false); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-stocktake-scan") ||
        !window.htmx) { return; }
    event.preventDefault();
    var input = form.querySelector("input[name=code]");
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) { return; }
    queue = queue.then(function () { return send(form, code); });
  });
}());
