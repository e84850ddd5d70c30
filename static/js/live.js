// The live meeting's clock runs here, from the server's timestamps; the server is asked only every 2 s
// (and answers 304 while nothing changed). Times are corrected for the difference between the clocks.
(function () {
  "use strict";
  var skew = 0;

  function format(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function syncSkew() {
    var stage = document.getElementById("stage");
    if (stage && stage.dataset.serverNow) {
      skew = Number(stage.dataset.serverNow) - Date.now() / 1000;
    }
  }

  function tick() {
    var now = Date.now() / 1000 + skew;
    document.querySelectorAll(".timer").forEach(function (timer) {
      var deadline = timer.dataset.deadline;
      var left = deadline ? Number(deadline) - now : Number(timer.dataset.left);
      if (left >= 0) {
        timer.textContent = format(left);
        timer.classList.remove("over");
      } else {
        timer.textContent = "+" + format(-left);
        timer.classList.add("over");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncSkew();
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", function () {
    syncSkew();
    tick();
  });
})();
