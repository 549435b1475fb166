// The inbox's live rows: every few seconds (not while the tab is hidden) ask /inbox/live with
// the last ETag; a 304 means nothing changed, a 200 brings the list body, rendered (and
// escaped) by the server, whose rows replace the changed ones. Focus and selection stay.
(function () {
  "use strict";
  var table = document.getElementById("inbox");
  if (!table) return;
  var body = table.querySelector("tbody");
  var empty = document.getElementById("inbox-empty");
  var pollMs = Number(table.dataset.interval) || 5000;
  var etag = null;
  var timer = null;

  var rowsOf = function (html) {
    var template = document.createElement("template");
    template.innerHTML = "<table><tbody>" + html + "</tbody></table>";
    var holder = template.content.querySelector("tbody");
    return Array.prototype.slice.call(holder.querySelectorAll("tr[data-mention-id]"));
  };

  var swap = function (html) {
    var focusedRow = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("tr[data-mention-id]") : null;
    var focusedId = focusedRow ? focusedRow.dataset.mentionId : null;
    var old = {};
    body.querySelectorAll("tr[data-mention-id]").forEach(function (row) {
      old[row.dataset.mentionId] = row;
    });
    var fresh = rowsOf(html);
    var keep = [];
    fresh.forEach(function (row) {
      var before = old[row.dataset.mentionId];
      // An unchanged row stays as it is: its focus, selection and presence marks with it.
      if (before && before.dataset.html === row.outerHTML) {
        keep.push(before);
        return;
      }
      row.dataset.html = row.outerHTML;
      if (before) {
        if (before.classList.contains("selected")) {
          row.classList.add("selected");
          row.setAttribute("aria-current", "true");
        }
        var watchers = before.querySelector("[data-watchers]");
        var place = row.querySelector("[data-watchers]");
        if (watchers && place) place.replaceWith(watchers);
      } else {
        row.classList.add("arrived");
      }
      keep.push(row);
    });
    body.replaceChildren.apply(body, keep);
    if (focusedId) {
      var again = body.querySelector('tr[data-mention-id="' + focusedId + '"] td.text a');
      if (again && document.activeElement !== again) again.focus();
    }
    table.hidden = keep.length === 0;
    if (empty) empty.hidden = keep.length !== 0;
    document.dispatchEvent(new CustomEvent("inbox:rows", { detail: { count: keep.length } }));
  };

  var schedule = function () {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(poll, pollMs);
  };

  var poll = function () {
    var headers = { Accept: "text/html" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(table.dataset.liveUrl, { credentials: "same-origin", headers: headers, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.redirected) {
          // The session ended (idle or too old): reloading lands on the login page, which says why.
          window.location.reload();
          throw new Error("signed out");
        }
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) { if (html !== null) swap(html); })
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(schedule);
  };

  // Remember each server-rendered row as sent, so an unchanged row is left alone.
  body.querySelectorAll("tr[data-mention-id]").forEach(function (row) {
    row.dataset.html = row.outerHTML;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
    } else {
      clearTimeout(timer);
      poll();  // back on the tab: catch up at once
    }
  });
  schedule();
})();
