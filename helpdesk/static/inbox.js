// The inbox's live view: every few seconds, who holds a claim on each row and which rows
// were handled meanwhile. Server values go into the page with textContent only.
(function () {
  "use strict";
  var table = document.getElementById("inbox");
  if (!table) return;
  var strings = JSON.parse(document.getElementById("i18n-strings").textContent);
  var notice = document.getElementById("live-notice");
  var pollMs = Number(table.dataset.interval) || 5000;

  var holderCell = function (cell, item) {
    var span = document.createElement("span");
    if (item && item.claimed_by) {
      span.className = "holder-number";
      span.textContent = item.claimed_by;
      span.title = item.claimed_by_name || "";
    } else {
      span.className = "nobody";
      span.textContent = "—";
    }
    cell.replaceChildren(span);
  };

  var update = function (items) {
    var seen = {};
    table.querySelectorAll("tbody tr[data-mention-id]").forEach(function (row) {
      var id = row.dataset.mentionId;
      var item = items[id];
      seen[id] = true;
      row.classList.toggle("handled", !item);
      row.classList.toggle("claimed", Boolean(item && item.claimed_by));
      row.querySelector("[data-status]").textContent = item
        ? strings.mention[item.status] || item.status
        : strings.handled;
      holderCell(row.querySelector("[data-holder]"), item);
    });
    var fresh = Object.keys(items).some(function (id) { return !seen[id]; });
    if (fresh) {
      notice.querySelector("span").textContent = strings.new_mentions;
      notice.hidden = false;
    }
  };

  var poll = function () {
    fetch(table.dataset.liveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          // The session ended (idle or too old): reloading lands on the login page, which says why.
          window.location.reload();
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) { update(body.items); })
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(function () { setTimeout(poll, pollMs); });
  };
  setTimeout(poll, pollMs);
})();
