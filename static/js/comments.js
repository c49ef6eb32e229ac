// The comment form: focus on the error summary, the "Enter" key, a character counter.
// Everything works without it.
(function () {
  "use strict";

  // After a refused comment, bring keyboard and screen reader users to the list of errors.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  var form = document.querySelector("[data-comment-form]");
  if (!form) {
    return;
  }

  // "Enter" in a text box sends the comment: it must press "Envoyer", not "Nouveau défi"
  // (the form's first button, which the browser would otherwise choose).
  var submit = form.querySelector("[data-main-submit]");
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !submit || target.tagName !== "INPUT") {
      return;
    }
    if (["text", "email"].indexOf(target.type) === -1) {
      return;
    }
    event.preventDefault();
    if (form.requestSubmit) {
      form.requestSubmit(submit);
    } else {
      submit.click();
    }
  });

  // Live counter of the comment, counted like the server does: characters, one per line break.
  var counter = form.querySelector("[data-counter-for]");
  var textarea = counter && document.getElementById(counter.getAttribute("data-counter-for"));
  if (!counter || !textarea) {
    return;
  }
  var max = parseInt(textarea.getAttribute("data-max-length"), 10);
  var format = function (n) { return n.toLocaleString("fr-FR"); };
  var timer = null;
  var update = function () {
    var length = Array.from(textarea.value.replace(/\r\n?/g, "\n")).length;
    var left = max - length;
    counter.classList.toggle("counter-over", left < 0);
    if (left >= 0) {
      counter.textContent = "Il te reste " + format(left) + " caractère" + (left > 1 ? "s" : "") +
        " sur " + format(max) + ".";
    } else {
      counter.textContent = "Ton commentaire dépasse de " + format(-left) + " caractère" +
        (-left > 1 ? "s" : "") + " la limite de " + format(max) + " : raccourcis-le.";
    }
  };
  // The counter is a polite live region: update it when typing pauses, not at every key.
  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 400);
  });
  update();
})();
