// Keyboard shortcuts on the inbox and the mention page: j/k move, Enter opens, c claims,
// r goes to the reply box, n takes the next mention, e goes to the escalation's reason,
// ? shows the list. Never while the reader types in a field: there a key is just a letter.
(function () {
  "use strict";
  var help = document.getElementById("shortcut-help");
  if (!help) return;
  var table = document.getElementById("inbox");
  var page = document.getElementById("mention-page");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var NOT_TYPING = ["button", "submit", "reset", "checkbox", "radio", "image", "file", "color", "range"];

  var typing = function (element) {
    if (!element || element === document.body) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && NOT_TYPING.indexOf((element.type || "text").toLowerCase()) < 0;
  };

  // A POST as the page's own forms send it (Flask-WTF checks the csrf_token field).
  var post = function (action) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = action;
    form.hidden = true;
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrf;
    form.appendChild(token);
    document.body.appendChild(form);
    form.submit();
  };

  var toggleHelp = function (show) {
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) help.querySelector("button").focus();
  };
  document.getElementById("shortcut-close").addEventListener("click", function () {
    toggleHelp(false);
  });
  var hint = document.getElementById("shortcut-hint");
  if (hint) hint.addEventListener("click", function () { toggleHelp(); });

  // --- the items j and k move between ---------------------------------------------------
  var items = function () {
    if (table) return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-mention-id]"));
    if (page) return Array.prototype.slice.call(page.querySelectorAll("ol.thread > li"));
    return [];
  };
  var selected = function () {
    return items().filter(function (item) { return item.classList.contains("selected"); })[0] || null;
  };
  var select = function (step) {
    var list = items();
    if (!list.length) return;
    var at = list.indexOf(selected());
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    list.forEach(function (item) {
      item.classList.remove("selected");
      item.removeAttribute("aria-current");
    });
    var item = list[next];
    item.classList.add("selected");
    item.setAttribute("aria-current", "true");
    // On the inbox the row's link takes the focus: Enter opens it, as any link.
    var link = table ? item.querySelector("td.text a") : null;
    if (link) {
      link.focus();
    } else {
      item.tabIndex = -1;
      item.focus();
    }
    item.scrollIntoView({ block: "nearest" });
  };
  var selectedHref = function () {
    var row = selected();
    var link = row ? row.querySelector("td.text a") : null;
    return link ? link.getAttribute("href") : null;
  };

  // --- on the mention page: the reply box and the escalation's reason ---------------------
  var focusField = function (id) {
    var field = document.getElementById(id);
    if (!field) return false;
    var section = field.closest("[hidden]");
    if (section) return false; // the composer waits for a reply to settle
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  };
  if (page) {
    if (window.location.hash === "#reply") focusField("reply-text");
    if (window.location.hash === "#escalate") focusField("escalate-reason");
  }

  var actions = {
    j: function () { select(1); },
    k: function () { select(-1); },
    "?": function () { toggleHelp(); },
    n: function () {
      var button = document.getElementById("next-button");
      if (button) button.click();
      else post(help.dataset.nextUrl);
    },
    c: function () {
      if (table) {
        var href = selectedHref();
        if (href) post(href + "/claim");
        return;
      }
      var claim = document.getElementById("claim-button");
      if (claim) claim.click();
    },
    r: function () {
      if (table) {
        var href = selectedHref();
        if (href) window.location.assign(href + "#reply");
        return;
      }
      focusField("reply-text");
    },
    e: function () {
      if (table) {
        var href = selectedHref();
        if (href) window.location.assign(href + "#escalate");
        return;
      }
      focusField("escalate-reason");
    },
    Enter: function () {
      var href = table ? selectedHref() : null;
      if (href) window.location.assign(href);
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(event.target)) {
      // Esc leaves the field, so the next key is a shortcut again.
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "Escape") {
      if (!help.hidden) toggleHelp(false);
      return;
    }
    // Enter on a focused link or button does what it always does.
    if (event.key === "Enter" && event.target && /^(A|BUTTON)$/.test(event.target.tagName)) return;
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
