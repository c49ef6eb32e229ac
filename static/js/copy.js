// "Copier" buttons next to the follow-up link, the reference and the code. Without this script (or
// without the clipboard) the buttons stay hidden and the text stays selectable.
(function () {
  "use strict";

  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  var status = document.querySelector("[data-copy-status]");
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(
        function () {
          if (status) {
            status.textContent = "C’est copié.";
          }
        },
        function () {
          if (status) {
            status.textContent = "La copie n’a pas marché : sélectionne le texte pour le copier.";
          }
        }
      );
    });
  });
})();
