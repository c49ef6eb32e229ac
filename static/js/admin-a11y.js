// The admin's autocompletes (select2) get the name of their field: select2 names its box after
// the text shown in it, which is empty until something is chosen. The name is the field's
// <label>, or the aria-label the server gave an input of a tabular inline.
(function () {
  "use strict";
  function nameOf(select) {
    if (select.id) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (label) {
        return label.textContent.replace(/\s*:\s*$/, "").trim();
      }
    }
    return select.getAttribute("aria-label") || "";
  }
  function nameAutocompletes(root) {
    var selects = (root || document).querySelectorAll("select.admin-autocomplete");
    Array.prototype.forEach.call(selects, function (select) {
      var name = nameOf(select);
      var container = select.nextElementSibling;
      if (!name || !container || !container.classList.contains("select2")) {
        return;
      }
      Array.prototype.forEach.call(
        container.querySelectorAll(".select2-selection, .select2-selection__rendered"),
        function (element) {
          element.removeAttribute("aria-labelledby");
          element.setAttribute("aria-label", name);
        }
      );
    });
  }
  // select2 builds its box when jQuery is ready, and again for each new inline row: name each box
  // as soon as it appears.
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      Array.prototype.forEach.call(mutation.addedNodes, function (node) {
        if (node.nodeType === 1 && node.classList.contains("select2")) {
          nameAutocompletes(node.parentNode);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  nameAutocompletes(document);
})();
