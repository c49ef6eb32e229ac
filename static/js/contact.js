// The contact form: the guidance shown at once to a young person under 12 or over 25 (the rest is
// in forms.js). Everything works without it.
(function () {
  "use strict";

  var form = document.querySelector("[data-contact-form]");
  if (!form) {
    return;
  }
  // Only the chosen channel's field is shown (only its value is kept, whatever is typed elsewhere).
  var channels = form.querySelectorAll("[data-channel]");
  function showChannel() {
    var chosen = form.querySelector("input[name='canal']:checked");
    channels.forEach(function (block) {
      block.hidden = chosen !== null && block.getAttribute("data-channel") !== chosen.value;
    });
  }
  form.querySelectorAll("input[name='canal']").forEach(function (radio) {
    radio.addEventListener("change", showChannel);
  });
  showChannel();

  var guidance = form.querySelectorAll("[data-guidance]");
  form.querySelectorAll("input[name='age']").forEach(function (radio) {
    radio.addEventListener("change", function () {
      guidance.forEach(function (block) {
        block.hidden = block.getAttribute("data-guidance") !== radio.value;
      });
    });
  });
})();
