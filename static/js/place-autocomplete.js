// Suggestions of communes under the place field of the searches (WAI-ARIA combobox pattern, list
// autocomplete). Without this script the field stays a plain text box that the server understands.
(function () {
  "use strict";

  var DELAY_MS = 150;

  function setup(input, index) {
    var url = input.getAttribute("data-place-autocomplete");
    var listId = "suggestions-communes-" + index;
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var options = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = null;

    list.id = listId;
    list.className = "autocomplete-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Communes proposées");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.parentNode.classList.add("autocomplete");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(position) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === position ? "true" : "false");
      });
      active = position;
      if (position >= 0) {
        input.setAttribute("aria-activedescendant", options[position].id);
        options[position].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.getAttribute("data-value");
      close();
      input.focus();
    }

    function show(communes) {
      list.textContent = "";
      options = communes.map(function (commune, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-value", commune.label);
        option.textContent = commune.label;
        if (commune.postcodes.length) {
          var detail = document.createElement("span");
          detail.className = "autocomplete-detail";
          detail.textContent = " " + commune.postcodes.join(", ");
          option.appendChild(detail);
        }
        // mousedown, not click: the field must not lose its focus first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(option);
        });
        list.appendChild(option);
        return option;
      });
      active = -1;
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent =
          options.length + (options.length > 1 ? " communes proposées" : " commune proposée") +
          " : flèches haut et bas pour choisir, Entrée pour valider.";
      } else {
        close();
        status.textContent = "Aucune commune ne commence ainsi.";
      }
    }

    function search() {
      var query = input.value.trim();
      if (query.length < 2) {
        lastQuery = null;
        close();
        return;
      }
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : { communes: [] };
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            show(data.communes || []);
          }
        })
        .catch(function () {
          // Offline or aborted: the plain field still works.
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) {
          if (options.length) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
          } else {
            lastQuery = null;
            search();
          }
          return;
        }
        highlight(active + 1 >= options.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (open) {
          event.preventDefault();
          highlight(active <= 0 ? options.length - 1 : active - 1);
        }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          // Fill the field with the suggestion; a second Enter sends the form.
          event.preventDefault();
          event.stopPropagation();
          choose(options[active]);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", close);
  }

  if (!window.fetch) {
    return;
  }
  document.querySelectorAll("input[data-place-autocomplete]").forEach(setup);
})();
