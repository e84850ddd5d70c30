// The live meeting room's push (server side: meetings/consumers.py). One websocket per page tells it the
// meeting's version; when the version moves on, the page fetches its stage (and then its workspace) over the
// same permission-checked GETs the 2-second poll uses. While the socket is open the poll is not sent; while it
// is down (a proxy that buffers, a laptop waking up) the page polls as before, says so, and reconnects with an
// exponential backoff (with jitter, capped). On every (re)connect the server says the current version, so the
// page catches up on whatever it missed.
//
// Also here: the "In the room now" names, and the dialog that asks before the meeting is ended.
(function () {
  "use strict";

  var FIRST_DELAY_MS = 500;
  var MAX_DELAY_MS = 15000;
  var SHOW_NOTE_AFTER_MS = 1500;
  var SILENCE_MS = 70000; // the server pings every 25 s: this long without a word, the socket is dead
  var REFUSED = { 4401: true, 4403: true, 4404: true }; // not logged in, not allowed, not found: do not retry

  var socket = null;
  var attempts = 0;
  var open = false;
  var stopped = false;
  var retryTimer = null;
  var noteTimer = null;
  var silenceTimer = null;
  var pending = {}; // regions to refetch once nobody types in them

  function stage() {
    return document.getElementById("stage");
  }

  function setState(state) {
    document.documentElement.dataset.roomSocket = state;
  }

  function showNote(show) {
    var note = document.getElementById("room-connection");
    if (note) {
      note.hidden = !show;
    }
  }

  function typingIn(region) {
    var active = document.activeElement;
    return Boolean(region && active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
  }

  // Ask htmx to refetch a region (its data-hx-get, triggered by our own event, so the poll filter lets it through).
  // A region someone is typing in waits until they leave it.
  function refetch(id) {
    var region = document.getElementById(id);
    if (!region) {
      return;
    }
    if (id !== "stage" && typingIn(region)) {
      pending[id] = true;
      return;
    }
    delete pending[id];
    htmx.trigger(region, "room-changed");
  }

  // The stage at the version the server says; `full`: even at the same version (who runs it, the agenda).
  function sync(version, full) {
    var current = stage();
    if (!current) {
      return;
    }
    if (full) {
      var url = current.getAttribute("data-hx-get").replace(/([?&])v=[^&]*/, "$1v=");
      htmx.ajax("GET", url, { target: current, swap: "outerHTML" });
      refetch("agenda");
    } else if (String(version) !== current.dataset.version) {
      refetch("stage");
    }
  }

  function showPresence(people) {
    var line = document.getElementById("room-presence");
    if (!line) {
      return;
    }
    line.querySelector(".room-presence-names").textContent = people.join(", ");
    line.hidden = people.length === 0;
  }

  function listenForSilence() {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(function () {
      if (socket) {
        socket.close();
      }
    }, SILENCE_MS);
  }

  function connected() {
    open = true;
    attempts = 0;
    clearTimeout(noteTimer);
    showNote(false);
    setState("open");
    listenForSilence();
  }

  function disconnected(event) {
    var wasOpen = open;
    open = false;
    socket = null;
    clearTimeout(silenceTimer);
    if (REFUSED[event.code]) {
      stopped = true; // the poll carries on and shows the page's own answer (log in, not found)
      setState("refused");
      return;
    }
    setState("reconnecting");
    if (wasOpen) {
      clearTimeout(noteTimer);
      noteTimer = setTimeout(function () {
        showNote(true);
      }, SHOW_NOTE_AFTER_MS);
    } else {
      showNote(true);
    }
    var ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * Math.pow(2, attempts));
    attempts += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function received(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    listenForSilence();
    if (message.type === "hello" || message.type === "ping" || message.type === "room.changed") {
      sync(message.version, Boolean(message.full));
    } else if (message.type === "presence") {
      showPresence(message.people || []);
    }
  }

  function connect() {
    var current = stage();
    if (stopped || socket || !current || !window.WebSocket) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    setState("connecting");
    socket = new WebSocket(scheme + window.location.host + current.dataset.roomSocket);
    socket.addEventListener("open", connected);
    socket.addEventListener("message", received);
    socket.addEventListener("close", disconnected);
  }

  function reconnectNow() {
    if (!open && !stopped) {
      attempts = 0;
      clearTimeout(retryTimer);
      if (socket) {
        socket.close();
        socket = null;
      }
      connect();
    }
  }

  // The poll (data-hx-trigger "every 2s", which comes with no triggering event) is not sent while the socket is open.
  // A forced fetch (`sync(..., true)`: an empty v=) always goes.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    var polled = element && (element.id === "stage" || element.id === "workspace");
    var forced = /[?&]v=(&|$)/.test(event.detail.requestConfig.path || "");
    if (polled && open && !forced && !event.detail.requestConfig.triggeringEvent) {
      event.preventDefault();
    }
  });

  // A new stage (pushed, polled, or in the answer to a control, in place or out of band): the workspace follows
  // (its GET answers 304 unless the step moved on), and the agenda goes once the meeting has started.
  var shownStage = null;
  function afterSwap() {
    var current = stage();
    if (!current || current === shownStage) {
      return;
    }
    shownStage = current;
    refetch("workspace");
    var agenda = document.getElementById("agenda");
    if (agenda && current.dataset.status !== "scheduled") {
      agenda.remove();
    }
  }
  document.addEventListener("htmx:afterSwap", afterSwap);
  document.addEventListener("htmx:oobAfterSwap", afterSwap);

  // A region left alone again gets what it missed while someone typed in it.
  document.addEventListener("focusout", function (event) {
    Object.keys(pending).forEach(function (id) {
      var region = document.getElementById(id);
      if (region && region.contains(event.target)) {
        setTimeout(function () {
          if (!typingIn(region)) {
            refetch(id);
          }
        }, 0);
      }
    });
  });

  // Ending the meeting asks first, in a dialog (without JS the End link opens the page with it open).
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-opens-dialog], [data-closes-dialog]");
    if (!trigger) {
      return;
    }
    var dialog = document.getElementById(trigger.dataset.opensDialog || trigger.dataset.closesDialog);
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    event.preventDefault();
    if (trigger.dataset.opensDialog) {
      dialog.showModal();
    } else {
      dialog.close();
    }
  });

  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      reconnectNow();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    shownStage = stage();
    connect();
  });
})();
