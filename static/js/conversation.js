// "Réponds-moi ici": new messages appear while the page is open. The page asks its conversation's
// URL every few seconds with the fingerprint of what it shows (If-None-Match): "304 Not Modified"
// while nothing changed, else the messages' fragment, which replaces the list. Without scripts, the
// "Voir s’il y a de nouveaux messages" button reloads the page. Nothing is polled while the tab is hidden.
(function () {
  "use strict";

  var box = document.querySelector("[data-conversation]");
  if (!box || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = box.getAttribute("data-poll-url");
  var interval = (parseInt(box.getAttribute("data-poll-seconds"), 10) || 10) * 1000;
  var longest = 300000;
  var status = box.querySelector("[data-conversation-status]");
  var timer = null;
  var failures = 0;
  var stopped = false;
  var inFlight = false;

  function list() {
    return box.querySelector("[data-conversation-messages]");
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    if (!stopped) {
      timer = window.setTimeout(poll, delay);
    }
  }

  function closed() {
    var form = box.querySelector("[data-conversation-form]");
    if (form) {
      form.hidden = true;
    }
    var notice = box.querySelector("[data-conversation-closed]");
    if (notice) {
      notice.hidden = false;
    }
    stopped = true;
  }

  function replace(html) {
    var current = list();
    var fresh = new window.DOMParser().parseFromString(html, "text/html").querySelector(
      "[data-conversation-messages]"
    );
    if (!current || !fresh) {
      return;
    }
    var before = parseInt(current.getAttribute("data-count"), 10) || 0;
    var after = parseInt(fresh.getAttribute("data-count"), 10) || 0;
    current.replaceWith(document.importNode(fresh, true));
    if (status && after > before) {
      status.textContent =
        after - before === 1 ? "Nouveau message." : after - before + " nouveaux messages.";
    }
    if (fresh.getAttribute("data-open") === "non") {
      closed();
    }
  }

  function poll() {
    if (document.hidden || inFlight || stopped) {
      return; // resumed by visibilitychange
    }
    var current = list();
    inFlight = true;
    window
      .fetch(url, {
        headers: { "If-None-Match": current ? current.getAttribute("data-etag") : "" },
        cache: "no-store",
        credentials: "same-origin",
      })
      .then(function (response) {
        if (response.status === 304) {
          return "";
        }
        if (response.redirected || response.status === 404 || response.status === 403) {
          // The link expired, the request was erased or handed over, the session ended (the
          // sign-in page): stop asking; the button still reloads the page.
          stopped = true;
          return "";
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text().then(function (html) {
          replace(html);
          return "";
        });
      })
      .then(function () {
        inFlight = false;
        failures = 0;
        schedule(interval);
      })
      .catch(function () {
        inFlight = false;
        failures += 1;
        schedule(Math.min(interval * Math.pow(2, failures), longest));
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      schedule(0);
    }
  });
  schedule(interval);
})();
