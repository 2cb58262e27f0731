// Scanning with the tablet's or phone's camera, for every form marked `data-camera`:
//   data-camera="once"    the header's scan box, the return scan: the camera closes on the
//                         first code, whose page then opens;
//   data-camera="repeat"  the lend list, the stocktake: the camera stays open, one item after
//                         another (after a full page reload it opens again by itself).
// A code read fills the form's box (`data-camera-input`, else its first visible input) and
// submits the form as a USB reader does (it types the code, then Enter), so the server, the
// colour and the sound of the answer are the same whichever way the code came.
// The decoder is the browser's own BarcodeDetector when it reads QR and Code 128; otherwise the
// zxing-wasm build vendored under static/vendor/ (see `make vendor`), fetched only when a
// camera is opened, so a page that never opens one loads none of it.
// Strict CSP: no inline script, and the words come from <template id="camera-ui">
// (templates/_camera.html), translated by the server.
(function () {
  "use strict";

  var DECODER_DIR = "/static/vendor/barcode-detector-3.2.2/";
  var FORMATS = ["qr_code", "code_128"];
  var PAUSE = 120;            // ms between two reads: quick for a hand, light on a tablet
  var SAME_CODE_GAP = 3000;   // ms a code must be out of sight before it counts again
  var REOPEN = "esn-camera";  // sessionStorage: a repeat scan reloaded the page
  var REOPEN_WITHIN = 60000;  // ms: later, the camera was left on a page the user moved away from
  var CONSTRAINTS = {
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 },
             height: { ideal: 720 } }
  };
  var detector = null;        // one decoder per page (a Promise)
  var active = null;          // the scanner whose camera is open: one at a time
  var count = 0;

  function words() { return document.getElementById("camera-ui"); }

  function say(key) {
    var source = words();
    return (source && source.getAttribute("data-" + key)) || "";
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(script);
    });
  }

  function nativeDetector() {
    var Native = window.BarcodeDetector;
    if (!Native || typeof Native.getSupportedFormats !== "function") {
      return Promise.resolve(null);
    }
    return Native.getSupportedFormats().then(function (formats) {
      var all = FORMATS.every(function (f) { return formats.indexOf(f) >= 0; });
      return all ? new Native({ formats: FORMATS }) : null;
    }, function () { return null; });
  }

  function vendoredDetector() {
    return loadScript(DECODER_DIR + "ponyfill.js").then(function () {
      var api = window.BarcodeDetectionAPI;
      // The .wasm comes from this server: the package's default is a CDN.
      return api.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? DECODER_DIR + path : prefix + path;
          }
        },
        fireImmediately: true
      }).then(function () { return new api.BarcodeDetector({ formats: FORMATS }); });
    });
  }

  function getDetector() {
    detector = detector || nativeDetector().then(function (found) {
      return found || vendoredDetector();
    });
    return detector;
  }

  function problemOf(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") { return "denied"; }
    if (name === "NotFoundError" || name === "OverconstrainedError") { return "missing"; }
    return "failed";
  }

  function firstCode(codes) {
    for (var i = 0; codes && i < codes.length; i += 1) {
      if (codes[i].rawValue) { return codes[i].rawValue; }
    }
    return "";
  }

  // What to show of a code read: the tag, not the whole address of a QR code.
  function tagOf(code) {
    var match = /\/i\/([^\/?#\s]+)/.exec(code);
    return match ? match[1] : code;
  }

  // Submit as Enter would: through the form's first submit button (the lend form needs its
  // name and value), with the submit event that app.js and htmx listen to.
  function submit(form) {
    var button = form.querySelector("button[type=submit], input[type=submit], button:not([type])");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button || undefined);
    } else {
      form.submit();
    }
  }

  function remembered() {
    try { return JSON.parse(window.sessionStorage.getItem(REOPEN) || "null"); } catch (e) {
      return null;
    }
  }

  function remember(value) {
    try {
      if (value) { window.sessionStorage.setItem(REOPEN, JSON.stringify(value)); } else {
        window.sessionStorage.removeItem(REOPEN);
      }
    } catch (e) { /* private mode: the camera just won't reopen by itself */ }
  }

  function build(form, input) {
    var parts = words().content.cloneNode(true);
    var ui = {
      toggle: parts.querySelector(".camera-toggle"),
      panel: parts.querySelector(".camera-panel"),
      video: parts.querySelector("video"),
      status: parts.querySelector(".camera-status"),
      close: parts.querySelector(".camera-close")
    };
    var row = input.parentElement;
    count += 1;
    ui.panel.id = "camera-panel-" + count;
    ui.toggle.setAttribute("aria-controls", ui.panel.id);
    row.appendChild(ui.toggle);
    (row === form ? form : row).insertAdjacentElement("afterend", ui.panel);
    return ui;
  }

  function attach(form) {
    var input = form.querySelector("[data-camera-input]") ||
      form.querySelector("input:not([type=hidden])");
    if (!input || !words() || form.hasAttribute("data-camera-ready")) { return null; }
    form.setAttribute("data-camera-ready", "");
    var ui = build(form, input);
    var self = { form: form, input: input, repeat: form.getAttribute("data-camera") === "repeat" };
    var stream = null;
    var timer = null;
    var last = { code: "", at: 0 };

    function show(key, bad, code) {
      ui.status.textContent = say(key).replace("{code}", code || "");
      ui.status.setAttribute("data-state", key);
      ui.status.classList.toggle("bad", !!bad);
    }

    function stop() {
      window.clearTimeout(timer);
      timer = null;
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null;
      ui.video.srcObject = null;
      if (active === self) { active = null; }
    }

    function close() {
      stop();
      remember(null);
      ui.panel.hidden = true;
      ui.toggle.setAttribute("aria-expanded", "false");
      input.focus();
    }

    // No camera, no permission, no decoder: say so, and the box works as before.
    function fail(key) {
      stop();
      ui.video.hidden = true;
      show(key, true);
      input.focus();
    }

    function found(code) {
      var now = Date.now();
      var seen = last.code === code && now - last.at < SAME_CODE_GAP;
      last = { code: code, at: now };
      if (seen) { return; }
      if (self.repeat) {
        remember({ input: input.id, code: code, at: now });
        show("read", false, tagOf(code));
      } else {
        stop();
      }
      input.value = code;
      submit(form);
    }

    function read(reader) {
      if (!stream) { return; }
      if (!form.isConnected) { stop(); return; }  // replaced by htmx: its successor scans
      var next = function () {
        if (stream) { timer = window.setTimeout(function () { read(reader); }, PAUSE); }
      };
      if (ui.video.readyState < 2) { next(); return; }
      reader.detect(ui.video).then(function (codes) {
        var code = firstCode(codes);
        if (code) { found(code); }
        next();
      }, next);
    }

    function open() {
      if (active === self) { return; }
      if (active) { active.close(); }
      active = self;
      ui.panel.hidden = false;
      ui.video.hidden = false;
      ui.toggle.setAttribute("aria-expanded", "true");
      show("starting", false);
      var media = navigator.mediaDevices;
      if (!media || typeof media.getUserMedia !== "function") {
        fail(window.isSecureContext ? "missing" : "insecure");
        return;
      }
      var reader = getDetector();
      reader.catch(function () { return null; });  // reported below, once the camera is on
      media.getUserMedia(CONSTRAINTS).then(function (camera) {
        if (active !== self) { camera.getTracks().forEach(function (t) { t.stop(); }); return; }
        stream = camera;
        ui.video.srcObject = camera;
        ui.video.play().catch(function () { return null; });
        reader.then(function (decoder) {
          if (!stream) { return; }
          show("ready", false);
          read(decoder);
        }, function () { if (stream) { fail("no-decoder"); } });
      }, function (error) { if (active === self) { fail(problemOf(error)); } });
    }

    self.open = open;
    self.close = close;
    self.last = function (code, at) { last = { code: code, at: at }; };
    ui.toggle.addEventListener("click", function () {
      if (active === self || !ui.panel.hidden) { close(); } else { open(); }
    });
    ui.close.addEventListener("click", close);
    [form, ui.panel].forEach(function (element) {
      element.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && !ui.panel.hidden) { close(); }
      });
    });
    window.addEventListener("pagehide", stop);
    return self;
  }

  // After a repeat scan reloaded the page (or htmx replaced the form), open the camera again
  // on the same box, remembering the code just read so that it is not read twice.
  function reopen(scanners) {
    var state = remembered();
    if (!state || !(Date.now() - state.at < REOPEN_WITHIN)) { remember(null); return; }
    var again = scanners.filter(function (s) { return s.repeat && s.input.id === state.input; })[0];
    if (!again) {
      if (!document.querySelector("form[data-camera=repeat]")) { remember(null); }
      return;
    }
    again.last(state.code, Date.now());
    again.open();
  }

  function scan(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form[data-camera]") : [];
    var scanners = [];
    if (root.matches && root.matches("form[data-camera]")) { forms = [root].concat([].slice.call(forms)); }
    for (var i = 0; i < forms.length; i += 1) {
      var scanner = attach(forms[i]);
      if (scanner) { scanners.push(scanner); }
    }
    if (!active) { reopen(scanners); }
  }

  function start() {
    scan(document);
    document.addEventListener("htmx:load", function (event) { scan(event.target); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
