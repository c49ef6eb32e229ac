// Follows an import running in the background: updates its progress bar, and shows the result
// page again once the import is finished. Without JavaScript, reloading the page does the same.
(function () {
  "use strict";
  var bar = document.getElementById("import-job-progress");
  if (!bar || !bar.dataset.progressUrl) {
    return;
  }
  var text = document.getElementById("import-job-progress-text");
  function poll() {
    fetch(bar.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        bar.value = state.percent;
        bar.textContent = state.percent + " %";
        text.textContent = state.label + " : " + state.percent + " % (" + state.processed + " sur " + 2 * state.total + " étapes).";
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
