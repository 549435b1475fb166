// The mention page: the composer's live check (the server's count, via the preview API) and
// the reply's state, polled until it is posted or failed. Anything that came from the server
// goes into the page with textContent only, never as HTML.
(function () {
  "use strict";
  var page = document.getElementById("mention-page");
  if (!page) return;
  var strings = JSON.parse(document.getElementById("i18n-strings").textContent);
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var mentionId = Number(page.dataset.mentionId);
  var me = page.dataset.me;
  var pollMs = Number(page.dataset.interval) || 5000;
  var busyPollMs = Math.min(pollMs, 1500);
  var PENDING = ["pending_approval", "queued", "posting"];

  function requestJson(url, body) {
    // The findings' sentences come back in the page's language, not the browser's.
    var headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang };
    var options = { credentials: "same-origin", headers: headers };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // --- the composer ------------------------------------------------------------------
  var text = document.getElementById("reply-text");
  if (text) {
    var counter = document.getElementById("counter");
    var findings = document.getElementById("findings");
    var costNote = document.getElementById("cost-note");
    var confirmWrap = document.getElementById("confirm-wrap");
    var confirmBox = document.getElementById("confirm-warnings");
    var send = document.getElementById("send-button");
    var timer = null;
    var seq = 0;

    var finding = function (v) {
      var li = document.createElement("li");
      li.className = "finding finding-" + (v.severity === "block" ? "block" : "warn");
      var strong = document.createElement("strong");
      strong.textContent = strings.severity[v.severity] || v.severity;
      var small = document.createElement("small");
      small.textContent = v.message;
      li.append(strong, " ", strings.rule[v.rule] || v.rule, small);
      return li;
    };

    var render = function (result) {
      var blank = text.value.trim() === "";
      counter.textContent = result.weighted_length + " / " + result.max_weighted_length;
      counter.dataset.length = String(result.weighted_length);
      counter.classList.toggle("over", result.weighted_length > result.max_weighted_length);
      var shown = result.violations.filter(function (v) { return !(blank && v.rule === "empty"); });
      findings.replaceChildren.apply(findings, shown.map(finding));
      // What X charges: a link makes a reply cost many plain ones (the figure from the price table).
      var note = result.cost && result.cost.message;
      if (costNote) {
        costNote.textContent = note || "";
        costNote.hidden = !note;
      }
      var warn = shown.some(function (v) { return v.severity === "warn"; });
      confirmWrap.hidden = !warn;
      if (!warn) confirmBox.checked = false;
      send.disabled = !result.valid;
    };

    var check = function () {
      var mine = ++seq;
      requestJson(page.dataset.previewUrl, { text: text.value, mention_id: mentionId })
        .then(function (result) { if (mine === seq) render(result); })
        .catch(function () {
          if (mine !== seq) return;
          var li = document.createElement("li");
          li.className = "finding finding-warn";
          li.textContent = strings.check_failed;
          findings.replaceChildren(li);
          send.disabled = false; // the server checks again when the reply is sent
        });
    };

    text.addEventListener("input", function () {
      // The text changed: a preview still on its way is of older text and must not render
      // (the page's first preview, of the empty box, would disable Send under the agent's click).
      seq++;
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });

    // The box's maxlength cuts a long paste and drops keys at the limit silently: say so.
    var notice = document.getElementById("limit-notice");
    var limit = text.maxLength > 0 ? text.maxLength : 0;
    var say = function (template, lost) {
      notice.textContent = template.replace("{max}", String(limit)).replace("{lost}", String(lost));
    };
    var keptAround = function () {
      return text.value.length - (text.selectionEnd - text.selectionStart);
    };
    if (limit && notice) {
      text.addEventListener("paste", function (event) {
        var pasted = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
        var wanted = keptAround() + pasted.replace(/\r\n?/g, "\n").length;
        // After the browser has inserted what fits (no input event when nothing fits).
        setTimeout(function () {
          if (wanted > text.value.length) say(notice.dataset.cut, wanted - text.value.length);
        }, 0);
      });
      text.addEventListener("beforeinput", function (event) {
        var typed = event.inputType === "insertLineBreak" ? "\n" : event.data;
        if (/^insert(Text|LineBreak)$/.test(event.inputType) && typed && keptAround() + typed.length > limit) {
          say(notice.dataset.full, 0);
        }
      });
      text.addEventListener("input", function () {
        if (text.value.length < limit) notice.textContent = "";
      });
    }

    // A canned reply fills an empty box, else goes on a new line; then the count runs again.
    var cannedSelect = document.getElementById("canned-select");
    if (cannedSelect) {
      cannedSelect.addEventListener("change", function () {
        var option = cannedSelect.selectedOptions[0];
        if (!option || !option.value) return;
        var body = option.dataset.body || "";
        var before = text.value.trim() === "" ? "" : text.value.replace(/\s+$/, "") + "\n";
        text.value = before + body;
        cannedSelect.value = "";
        text.dispatchEvent(new Event("input", { bubbles: true }));
        text.focus();
        // A gap such as {order} is selected, so typing the value replaces it (the server
        // refuses a reply that still has one).
        var gap = /[{\uff5b]\s*[A-Za-z_][A-Za-z0-9_]{0,30}\s*[}\uff5d]/.exec(body);
        if (gap) text.setSelectionRange(before.length + gap.index, before.length + gap.index + gap[0].length);
      });
    }
    check();
  }

  // --- the reply's state and who holds the claim --------------------------------------
  var holderLine = document.getElementById("claim-holder");
  var composer = document.getElementById("composer-section");
  var statusBadge = document.getElementById("mention-status");

  var updateReply = function (reply) {
    var li = document.querySelector('[data-reply-id="' + Number(reply.id) + '"]');
    if (!li) return;
    li.dataset.replyStatus = reply.status;
    li.className = "tweet ours reply-" + reply.status;
    li.querySelector("[data-reply-state]").textContent = strings.reply[reply.status] || reply.status;
    var held = li.querySelector("[data-reply-held]");
    if (held) {
      if (reply.held_until && reply.held_reason) {
        var at = new Intl.DateTimeFormat("en-GB", {
          hour: "2-digit", minute: "2-digit", hour12: false, timeZone: strings.timezone,
        }).format(new Date(reply.held_until));
        held.textContent = strings.held.replace("{time}", at);
        held.hidden = false;
      } else {
        held.hidden = true;
      }
    }
    var error = li.querySelector("[data-reply-error]");
    if (reply.error) {
      error.textContent = reply.error;
      error.hidden = false;
    }
  };

  var update = function (mention) {
    if (statusBadge) statusBadge.textContent = strings.mention[mention.status] || mention.status;
    var holder = mention.claimed_by || "";
    if (holderLine && holderLine.dataset.holder !== holder) {
      holderLine.dataset.holder = holder;
      if (holder && holder !== me) {
        holderLine.textContent = strings.working_on.replace("{number}", holder);
      } else if (!holder) {
        holderLine.textContent = strings.nobody_working;
      }
    }
    (mention.replies || []).forEach(updateReply);
    // A rejected reply leaves the mention open: bring the composer back (it holds the draft).
    var live = (mention.replies || []).some(function (r) { return PENDING.indexOf(r.status) >= 0; });
    var mine = !mention.claimed_by || mention.claimed_by === me;
    if (composer && composer.hidden && mention.status === "open" && !live && mine) {
      composer.hidden = false;
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };

  var busy = function () {
    return Array.prototype.some.call(document.querySelectorAll("[data-reply-status]"), function (li) {
      return PENDING.indexOf(li.dataset.replyStatus) >= 0;
    });
  };

  var poll = function () {
    requestJson(page.dataset.pollUrl)
      .then(update)
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(function () { setTimeout(poll, busy() ? busyPollMs : pollMs); });
  };
  setTimeout(poll, busy() ? busyPollMs : pollMs);
})();
