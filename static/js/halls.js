// The hall's calling screen: every data-refresh-seconds it fetches its own page again and swaps in the
// board (no reload, so the TV never flashes). Without this file the page is still complete; it just
// stays as it was loaded.
(function () {
  "use strict";

  const body = document.querySelector("[data-screen]");
  if (!body) {
    return;
  }
  const seconds = Math.max(1, parseInt(body.dataset.refreshSeconds, 10) || 5);

  async function refresh() {
    try {
      const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const selector of ["[data-screen-board]", "[data-screen-clock]"]) {
          const fresh = page.querySelector(selector);
          const current = document.querySelector(selector);
          if (fresh && current && fresh.innerHTML !== current.innerHTML) {
            current.innerHTML = fresh.innerHTML;
          }
        }
      }
    } catch (error) {
      // The network came and went: try again next round.
    }
    window.setTimeout(refresh, seconds * 1000);
  }

  window.setTimeout(refresh, seconds * 1000);
})();
