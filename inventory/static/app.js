// Front-desk helpers: the scan box always has the focus, and a scan answers with a colour
// and a short sound (green and high for success, red and low for a problem).
// No inline scripts (strict CSP): this file is loaded with `defer` from base.html.
(function () {
  "use strict";

  var SCANNED = "esn-scanned";
  var audio = null;

  // The page's own scan field (data-focus) first, else the header's scan box.
  function scanField() {
    return document.querySelector("[data-focus]") || document.getElementById("scan-code");
  }

  function ready(field) {
    if (!field) { return; }
    field.focus();
    if (typeof field.select === "function" && field.value) { field.select(); }
  }

  function beep(ok) {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
      // Two notes, so that the two answers differ by more than pitch: rising and short for
      // success, falling and longer (and harsher) for a problem.
      var notes = ok ? [880, 1320] : [440, 220];
      var length = ok ? 0.09 : 0.2;
      notes.forEach(function (frequency, index) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        var now = audio.currentTime + index * (length + 0.03);
        osc.type = ok ? "sine" : "square";
        osc.frequency.setValueAtTime(frequency, now);
        gain.gain.setValueAtTime(0.15, now);
        gain.gain.exponentialRampToValueAtTime(0.001, now + length);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(now);
        osc.stop(now + length);
      });
    } catch (e) {
      // Sound is a bonus: the colour says it too.
    }
  }

  function flash(ok) {
    var body = document.body;
    var field = scanField();
    var name = ok ? "flash-ok" : "flash-bad";
    body.classList.add(name);
    if (field) { field.classList.add(name); }
    window.setTimeout(function () {
      body.classList.remove(name);
      if (field) { field.classList.remove(name); }
    }, ok ? 1200 : 2500);
  }

  // After a scan the page says how it went (data-outcome on <body>): colour and sound.
  function answerScan() {
    var scanned = false;
    try {
      scanned = window.sessionStorage.getItem(SCANNED) === "1";
      window.sessionStorage.removeItem(SCANNED);
    } catch (e) {
      scanned = false;
    }
    if (!scanned) { return; }
    var ok = document.body.getAttribute("data-outcome") !== "bad";
    flash(ok);
    beep(ok);
  }

  function rememberScans() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form && form.hasAttribute && form.hasAttribute("data-scan-form")) {
        try { window.sessionStorage.setItem(SCANNED, "1"); } catch (e) { /* private mode */ }
      }
    }, true);
  }

  // A press on a button with data-confirm asks first (no inline handler needed).
  function confirmations() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
      if (button && !window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }

  // The same colour and sound for scans answered without a page load (stocktake.js).
  window.esnScan = { flash: flash, beep: beep };

  function start() {
    rememberScans();
    confirmations();
    answerScan();
    ready(scanField());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
