// The live board: fetch the panels every 10 s and swap them in (the CSP forbids inline
// scripts). A refresh is skipped while someone is using a form on the board, so a half-
// typed schedule is never wiped; without JavaScript the "Refresh" link does the same job.
(function () {
  "use strict";
  var PERIOD_MS = 10000;

  function busy(panels) {
    var active = document.activeElement;
    return active && active !== document.body && panels.contains(active) &&
      /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(active.tagName);
  }

  function refresh(panels) {
    if (document.hidden || busy(panels)) { return; }
    fetch(panels.getAttribute("data-refresh-url"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      // A lapsed login answers with the login page (redirected): leave the board as is.
      if (!response.ok || response.redirected) { return null; }
      return response.text();
    }).then(function (html) {
      if (html !== null && !busy(panels)) {
        panels.innerHTML = html;
        panels.setAttribute("data-refreshed", String(Date.now()));
      }
    }).catch(function () { /* offline for a moment: try again next period */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panels = document.getElementById("board-panels");
    if (!panels) { return; }
    window.setInterval(function () { refresh(panels); }, PERIOD_MS);
  });
})();
