// The home's "in 3 days" beside each next meeting counts down while the page is open (the server wrote the first
// value; this keeps it true). Localised by the browser's Intl.RelativeTimeFormat in the page's language.
(function () {
  "use strict";
  var format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });

  function phrase(seconds) {
    var minutes = Math.round(seconds / 60);
    if (minutes < 1) {
      return format.format(0, "minute");
    }
    if (minutes < 120) {
      return format.format(minutes, "minute");
    }
    var hours = Math.round(minutes / 60);
    if (hours < 48) {
      return format.format(hours, "hour");
    }
    return format.format(Math.round(hours / 24), "day");
  }

  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".countdown[data-starts]").forEach(function (element) {
      element.textContent = phrase(Number(element.dataset.starts) - now);
    });
  }

  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 30000);
})();
