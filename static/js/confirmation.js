// After an action, bring keyboard and screen reader users to what happened: the list of errors
// when a form was refused, otherwise the confirmation message. Everything works without it.
(function () {
  "use strict";
  var target = document.querySelector("[data-error-summary]") || document.querySelector("[data-confirmation]");
  if (target) {
    target.focus();
  }
})();
