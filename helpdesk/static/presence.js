// Live presence: who else views each mention and who is typing a reply (collision), on the
// inbox's rows and on a mention's page. The page polls with If-None-Match (almost every
// answer is a 304); a mention page also reports viewing every 3 s, typing while its reply
// box is written in, and gone when it closes. Numbers go into the page with textContent only.
(function () {
  "use strict";
  var config = document.getElementById("presence");
  if (!config) return;
  var strings = JSON.parse(document.getElementById("i18n-strings").textContent);
  var whoami = document.querySelector("[data-testid=whoami] .number");
  var me = whoami ? whoami.textContent.trim() : "";
  var pollMs = Number(config.dataset.interval) || 1500;
  var table = document.getElementById("inbox");
  var page = document.getElementById("mention-page");
  var line = document.getElementById("watchers");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  var ids = function () {
    if (page) return [page.dataset.mentionId];
    if (!table) return [];
    return Array.prototype.map.call(table.querySelectorAll("tbody tr[data-mention-id]"), function (row) {
      return row.dataset.mentionId;
    });
  };
  if (!ids().length) return;

  // --- showing who is there ----------------------------------------------------------------
  var etag = null;
  var last = null; // the last full answer, and the clock difference when it came
  var skew = 0;

  var others = function (people, now) {
    return (people || [])
      .filter(function (p) { return p.number !== me && p.until > now; })
      .map(function (p) { return p.number; });
  };

  var render = function () {
    if (!last) return;
    var now = Date.now() / 1000 + skew;
    ids().forEach(function (id) {
      var item = last.items[id] || {};
      var typing = others(item.typing, now);
      var viewing = others(item.viewing, now).filter(function (n) { return typing.indexOf(n) < 0; });
      var parts = [];
      if (typing.length) parts.push(strings.typing.replace("{numbers}", typing.join(", ")));
      if (viewing.length) parts.push(strings.viewing.replace("{numbers}", viewing.join(", ")));
      var target = page ? line : table.querySelector('tr[data-mention-id="' + Number(id) + '"] [data-watchers]');
      if (!target) return;
      if (page && typing.length) {
        target.textContent = strings.collision.replace("{numbers}", typing.join(", "));
        if (viewing.length) target.textContent += " " + strings.viewing.replace("{numbers}", viewing.join(", "));
      } else {
        target.textContent = parts.join(" · ");
      }
      target.classList.toggle("collision", typing.length > 0);
      target.dataset.viewing = viewing.join(",");
      target.dataset.typing = typing.join(",");
    });
  };

  var poll = function () {
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(config.dataset.url + "?ids=" + ids().join(","), { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (body) {
        if (body) {
          last = body;
          skew = body.now - Date.now() / 1000;
        }
        render(); // entries past their time drop out even on a 304
      })
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(function () { setTimeout(poll, pollMs); });
  };
  poll();

  // --- a mention page says what its reader does ------------------------------------------------
  if (!page || !line) return;
  var noteUrl = line.dataset.noteUrl;
  var BEAT_MS = 3000;
  var IDLE_MS = 3000;
  var state = null;
  var said = 0;
  var lastKey = 0;

  var say = function (wanted, beacon) {
    var form = new FormData();
    form.append("csrf_token", csrf);
    form.append("state", wanted);
    state = wanted;
    said = Date.now();
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon(noteUrl, form);
      return;
    }
    fetch(noteUrl, { method: "POST", credentials: "same-origin", body: form, keepalive: true })
      .then(function () { etag = null; }) // my own change: fetch the picture afresh
      .catch(function () { /* the next beat tries again */ });
  };

  var beat = function () {
    var typing = Date.now() - lastKey < IDLE_MS;
    var wanted = typing ? "typing" : "viewing";
    if (document.visibilityState === "hidden") wanted = "viewing";
    if (wanted !== state || Date.now() - said >= BEAT_MS) say(wanted);
  };
  say("viewing");
  setInterval(beat, 1000);

  var box = document.getElementById("reply-text");
  if (box) {
    box.addEventListener("input", function () {
      lastKey = Date.now();
      if (state !== "typing") say("typing"); // at once: a colleague sees it within one poll
    });
  }
  window.addEventListener("pagehide", function () { say("gone", true); });
})();
