// What the public forms (contact, comments) share: focus on the error summary, the "Enter" key,
// and a character counter. Everything works without it.
(function () {
  "use strict";

  // After a refused submission, bring keyboard and screen reader users to the list of errors.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  } else {
    // After a successful submission, the confirmation stands where the form was: focus it there.
    var confirmation = document.querySelector("[data-confirmation]");
    if (confirmation) {
      confirmation.focus();
    }
  }

  document.querySelectorAll("form").forEach(function (form) {
    // "Enter" in a text box sends the form: it must press the main button, not "Nouveau défi"
    // (the form's first button, which the browser would otherwise choose).
    var submit = form.querySelector("[data-main-submit]");
    if (submit) {
      form.addEventListener("keydown", function (event) {
        var target = event.target;
        if (event.key !== "Enter" || target.tagName !== "INPUT") {
          return;
        }
        if (["text", "email", "tel", "search"].indexOf(target.type) === -1) {
          return;
        }
        event.preventDefault();
        if (form.requestSubmit) {
          form.requestSubmit(submit);
        } else {
          submit.click();
        }
      });
    }

    // Live counter, counted like the server does: characters, one per line break.
    form.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      var textarea = document.getElementById(counter.getAttribute("data-counter-for"));
      if (!textarea) {
        return;
      }
      var noun = counter.getAttribute("data-counter-noun") || "texte";
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
          counter.textContent = "Ton " + noun + " dépasse de " + format(-left) + " caractère" +
            (-left > 1 ? "s" : "") + " la limite de " + format(max) + " : raccourcis-le.";
        }
      };
      // The counter is a polite live region: update it when typing pauses, not at every key.
      textarea.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(update, 400);
      });
      update();
    });
  });
})();
