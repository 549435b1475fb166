// SLA countdowns: every element with data-sla-due (an ISO time) shows the time left, and
// "overdue" with the class of that name once the due time has passed. The server renders
// the first value, so the page reads right without this script; rows the live inbox adds
// are found on the next tick.
(function () {
  "use strict";
  var data = document.getElementById("i18n-strings");
  if (!data) return;
  var strings = JSON.parse(data.textContent);

  var clock = function (seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return hours ? hours + ":" + two(minutes) + ":" + two(secs) : minutes + ":" + two(secs);
  };

  var tick = function () {
    var now = Date.now();
    document.querySelectorAll("[data-sla-due]").forEach(function (element) {
      var due = Date.parse(element.dataset.slaDue);
      if (isNaN(due)) return;
      var left = Math.round((due - now) / 1000);
      var overdue = left <= 0;
      element.classList.toggle("overdue", overdue);
      element.textContent = overdue ? strings.sla_overdue : strings.sla_left.replace("{time}", clock(left));
    });
  };
  tick();
  setInterval(tick, 1000);
})();
